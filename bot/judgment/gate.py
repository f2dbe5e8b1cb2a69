"""The problem gate's classifier: problem, solution or vague, learned from labelled real writing.

A statement is read into three groups of features:
- *words*: its words and word pairs; *chars*: the 3- and 4-letter pieces of each word (these
  catch "can't", "re-enter", typos and word forms the words miss). Each group is weighted tf-idf
  (1 + log count, times the word's rarity in the training texts) and scaled to length 1;
- *cues*: the rule's reading (`bot.domain.problem.read_problem`): pain cues, a fix-first opening, a
  solution quote, content-free, a thing named, length, numbers, and the rule's own verdict.

A multinomial logistic regression over them gives P(problem), P(solution), P(vague). The gate
passes a statement when P(problem) ≥ the model's threshold, which `train.py` sets as high as it
can while still passing `PASS_TARGET` of genuine problems in k-fold (a coached problem is the
costlier error); otherwise it coaches it as a solution or as vague, whichever is likelier.
Everything the model knows is in `gate_model.json` (written by `python -m bot.judgment.train`);
applying it is a dictionary look-up per feature, in pure Python.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain, pairwise
from pathlib import Path
from typing import Protocol

MODEL_PATH = Path(__file__).with_name("gate_model.json")
CLASSES = ("problem", "solution", "vague")
CHAR_SIZES = (3, 4)
MAX_CHARS = 1500  # features read at most this much of a statement (its opening says what it is)

_WORD_RE = re.compile(r"[a-z0-9][a-z0-9']*")


class Reading(Protocol):
    """What the gate reads of the rule's reading (`bot.domain.problem.ProblemReading`)."""

    words: int
    strong_cues: tuple[str, ...]
    weak_cues: tuple[str, ...]
    solution_quote: str
    fix_first: bool
    concrete_words: int
    has_number: bool
    names_a_thing: bool

    @property
    def pain_score(self) -> int: ...

    @property
    def states_pain(self) -> bool: ...

    @property
    def content_free(self) -> bool: ...


CUE_NAMES = (
    "strong cues",
    "weak cues",
    "pain score",
    "states pain",
    "opens with a fix",
    "has a solution quote",
    "content-free",
    "names a thing",
    "concrete words / 10",
    "has a number",
    "rule says problem",
    "rule says solution",
)


def cue_vector(reading: Reading, rule_verdict: str) -> list[float]:
    """The rule's reading as numbers, in `CUE_NAMES` order."""
    return [
        float(min(len(reading.strong_cues), 6)),
        float(min(len(reading.weak_cues), 8)),
        min(reading.pain_score, 16) / 2,
        float(reading.states_pain),
        float(reading.fix_first),
        float(bool(reading.solution_quote)),
        float(reading.content_free),
        float(reading.names_a_thing),
        min(reading.concrete_words, 40) / 10,
        float(reading.has_number),
        float(rule_verdict == "problem"),
        float(rule_verdict == "solution"),
    ]


def ngram_counts(norm: str) -> tuple[Counter[str], Counter[str]]:
    """Word (and word-pair) counts and character-piece counts of a normalised, lowercased text."""
    words = _WORD_RE.findall(norm[:MAX_CHARS])
    word_counts = Counter(words)
    word_counts.update(f"{a} {b}" for a, b in pairwise(words))
    return word_counts, Counter(chain.from_iterable(map(_pieces, words)))


@lru_cache(maxsize=50_000)
def _pieces(word: str) -> tuple[str, ...]:
    """A word's 3- and 4-letter pieces, its edges marked by spaces (words recur: kept)."""
    padded = f" {word} "
    return tuple(padded[i : i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1))


def tfidf(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    """Known features weighted (1 + log count) × idf, scaled to length 1."""
    weights = {f: (1.0 + math.log(c)) * idf[f] for f, c in counts.items() if f in idf}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {f: w / norm for f, w in weights.items()} if norm else {}


@dataclass(frozen=True)
class Judgment:
    """What the classifier makes of a statement."""

    verdict: str  # one of CLASSES: what the gate does with it
    probabilities: tuple[float, float, float]  # in CLASSES order

    @property
    def p_problem(self) -> float:
        """How likely the statement names a real problem."""
        return self.probabilities[0]


class GateModel:
    """A trained gate: feature weights per class, the cue weights, the threshold."""

    def __init__(self, data: dict) -> None:
        if data.get("classes") != list(CLASSES):
            raise ValueError(f"gate model has classes {data.get('classes')!r}, expected {list(CLASSES)!r}")
        # feature -> (idf, idf × the weight of each class): one look-up a feature when applied
        self.words = {f: (v[0], v[0] * v[1], v[0] * v[2], v[0] * v[3]) for f, v in data["words"].items()}
        self.chars = {f: (v[0], v[0] * v[1], v[0] * v[2], v[0] * v[3]) for f, v in data["chars"].items()}
        self.cues: list[tuple[float, ...]] = [tuple(v) for v in data["cues"]]
        self.intercept: tuple[float, ...] = tuple(data["intercept"])
        self.threshold: float = float(data["threshold"])
        self.about: dict = data.get("about", {})

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> GateModel:
        """Read a model file written by `bot.judgment.train`."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def scores(self, norm: str, cues: list[float]) -> list[float]:
        """The three classes' raw scores (before the softmax)."""
        scores = list(self.intercept)
        # `tfidf` folded into the dot product: sum tf × idf × weight, then divide by the length.
        for table, counts in zip((self.words, self.chars), ngram_counts(norm), strict=True):
            length = s0 = s1 = s2 = 0.0
            for feature, count in counts.items():
                row = table.get(feature)
                if row is not None:
                    tf = 1.0 + math.log(count) if count > 1 else 1.0
                    length += (tf * row[0]) ** 2
                    s0 += tf * row[1]
                    s1 += tf * row[2]
                    s2 += tf * row[3]
            if length:
                length = math.sqrt(length)
                scores[0] += s0 / length
                scores[1] += s1 / length
                scores[2] += s2 / length
        for value, row in zip(cues, self.cues, strict=True):
            if value:
                scores[0] += value * row[0]
                scores[1] += value * row[1]
                scores[2] += value * row[2]
        return scores

    def judge(self, norm: str, cues: list[float], *, threshold: float | None = None) -> Judgment:
        """Probabilities and the gate's verdict for a normalised statement and its cues."""
        scores = self.scores(norm, cues)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        probs = (exps[0] / total, exps[1] / total, exps[2] / total)
        if probs[0] >= (self.threshold if threshold is None else threshold):
            verdict = "problem"
        else:
            verdict = "solution" if probs[1] >= probs[2] else "vague"
        return Judgment(verdict=verdict, probabilities=probs)


@cache
def gate_model() -> GateModel:
    """The shipped model, read once per process (the bot reads it at start-up)."""
    return GateModel.load()
