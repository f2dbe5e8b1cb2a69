"""Learned judgment: the problem gate's classifier and similar ideas by meaning.

- `gate.py` reads a problem statement into features (word and character n-grams plus the rule's
  cues from `bot.domain.problem.read_problem`) and applies a linear model trained on labelled real
  writing; the model ships as `gate_model.json`, loaded once.
- `train.py` (`python -m bot.judgment.train`) rebuilds that file from the labelled sets in
  `tests/data/`, deterministically, and prints the figures (held-out part and k-fold).
- `embed.py` and `similar.py`: sentence vectors from a small static embedding model that ships
  inside a PyPI wheel, and the index that names "possibly the same problem" ideas.

Nothing here downloads anything; the running bot needs only the standard library and numpy.
"""
