"""Train the problem gate: `python -m bot.judgment.train [--check] [--out FILE]`.

Reads the labelled sets in `tests/data/`, prints the figures, writes `bot/judgment/gate_model.json`.
Same data, same file: the split, the vocabulary and the solver are deterministic.

- Real writing (the sets in `REAL_SETS`: reworded texts from public trackers and idea portals,
  see tests/data/README.md) is split by a hash of each row's id: a quarter is held out and never trained on.
- The team's own sets: `gate_dev.jsonl` and the coach's examples are trained on at a lower weight (`OWN_WEIGHT`: the
  team's writing is not what the gate will read); `gate_holdout.jsonl` is never trained on.
- The threshold on P(problem) is set on k-fold predictions over the training part of the real
  writing: the highest that still passes `PASS_TARGET` of the genuine problems (a wrongly coached
  problem annoys its writer and flags the idea in the digest: the costlier error).

Training needs scikit-learn (the `dev` extra); the bot itself never imports it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections import Counter
from pathlib import Path

from bot.domain.problem import classify_by_rule, normalize, read_problem
from bot.judgment.gate import CLASSES, CUE_NAMES, MODEL_PATH, GateModel, cue_vector, ngram_counts

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
REAL_SETS = (
    "gate_real.jsonl",
    "gate_extra.jsonl",
    "gate_more_a.jsonl",
    "gate_more_b.jsonl",
    "gate_more_c.jsonl",
)
OWN_TRAIN = "gate_dev.jsonl"
OWN_HOLDOUT = "gate_holdout.jsonl"
HELD_OUT_SHARE = 4  # one row in this many is held out (by the hash of its id)
OWN_WEIGHT = 0.3
C = 4.0  # inverse regularisation strength of the logistic regression
MIN_DF = 2  # a feature must appear in this many training texts
PASS_TARGET = 0.92  # share of real problems the threshold must pass in k-fold (the goal is 0.90)
FOLDS = 5


def load_rows(name: str) -> list[dict]:
    """A labelled set's rows (an absent optional set is empty)."""
    path = DATA / name
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, row in enumerate(rows):
        row.setdefault("id", f"{name}:{i}")
    return rows


def coach_rows() -> list[dict]:
    """The coach's examples (bot/domain/coach_bank.json) as team rows: each problem, and the request it reframes.

    The coach shows these as what a good problem statement looks like, so the gate must pass every
    one and coach every request; they are the team's writing and weigh as the team's set does.
    """
    from bot.domain.coach import bank

    rows = []
    for example in bank():
        rows.append({"id": f"bank:{example.id}:p", "text": example.problem, "label": "problem"})
        rows.append({"id": f"bank:{example.id}:r", "text": example.request, "label": "solution"})
    return rows


def real_rows() -> list[dict]:
    """Every row of real writing (the sets in `REAL_SETS`), in file order."""
    return [r for name in REAL_SETS for r in load_rows(name)]


def is_held_out(row: dict) -> bool:
    """Whether a real row is in the held-out part (stable: adding rows never moves others)."""
    return int(hashlib.sha256(str(row["id"]).encode()).hexdigest(), 16) % HELD_OUT_SHARE == 0


def read_row(row: dict) -> tuple[str, list[float]]:
    """A row's normalised text and its cue vector, as the gate reads them."""
    reading = read_problem(row["text"])
    return normalize(row["text"]), cue_vector(reading, classify_by_rule(reading))


class Featurizer:
    """The vocabulary and idf of each n-gram group, fitted on training texts."""

    def __init__(self, texts: list[str]) -> None:
        self.idf: list[dict[str, float]] = []
        counts = [ngram_counts(t) for t in texts]
        for group in (0, 1):
            df = Counter(f for c in counts for f in c[group])
            n = len(texts)
            kept = sorted(f for f, d in df.items() if d >= MIN_DF)
            self.idf.append({f: math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept})
        self.columns = [{f: i for i, f in enumerate(idf)} for idf in self.idf]

    def matrix(self, reads: list[tuple[str, list[float]]]):
        """A sparse matrix: words | chars | cues."""
        import numpy as np
        from scipy.sparse import csr_matrix

        from bot.judgment.gate import tfidf

        n_words, n_chars = len(self.columns[0]), len(self.columns[1])
        data, indices, indptr = [], [], [0]
        for norm, cues in reads:
            counts = ngram_counts(norm)
            row: list[tuple[int, float]] = []
            for group, offset in ((0, 0), (1, n_words)):
                weights = tfidf(counts[group], self.idf[group])
                row += sorted((offset + self.columns[group][f], w) for f, w in weights.items())
            row += [(n_words + n_chars + i, v) for i, v in enumerate(cues) if v]
            indices += [i for i, _ in row]
            data += [v for _, v in row]
            indptr.append(len(indices))
        shape = (len(reads), n_words + n_chars + len(CUE_NAMES))
        return csr_matrix((np.array(data), np.array(indices), np.array(indptr)), shape=shape)


def fit(rows: list[dict], weights: list[float]) -> dict:
    """Train on rows; the model file's contents (without threshold and figures)."""
    from sklearn.linear_model import LogisticRegression

    reads = [read_row(r) for r in rows]
    featurizer = Featurizer([norm for norm, _ in reads])
    labels = [CLASSES.index(r["label"]) for r in rows]
    model = LogisticRegression(C=C, solver="newton-cg", max_iter=200, class_weight="balanced")
    model.fit(featurizer.matrix(reads), labels, sample_weight=weights)
    coef = model.coef_  # classes × features
    n_words = len(featurizer.columns[0])

    def table(group: int, offset: int) -> dict[str, list[float]]:
        return {
            f: [round(idf, 6), *(round(float(coef[k, offset + i]), 6) for k in range(3))]
            for i, (f, idf) in enumerate(featurizer.idf[group].items())
        }

    n_chars = len(featurizer.columns[1])
    return {
        "classes": list(CLASSES),
        "words": table(0, 0),
        "chars": table(1, n_words),
        "cues": [[round(float(coef[k, n_words + n_chars + i]), 6) for k in range(3)] for i in range(len(CUE_NAMES))],
        "intercept": [round(float(b), 6) for b in model.intercept_],
        "threshold": 0.5,
    }


def weights_of(rows: list[dict], own: int) -> list[float]:
    """Sample weights: real rows 1, the team's own `OWN_WEIGHT` (the last `own` rows)."""
    return [1.0] * (len(rows) - own) + [OWN_WEIGHT] * own


def folds(rows: list[dict]) -> list[int]:
    """A fold number per row, stratified by label, from the hash order (deterministic)."""
    fold = [0] * len(rows)
    for label in CLASSES:
        members = sorted(
            (i for i, r in enumerate(rows) if r["label"] == label),
            key=lambda i: hashlib.sha256(("fold:" + str(rows[i]["id"])).encode()).hexdigest(),
        )
        for k, i in enumerate(members):
            fold[i] = k % FOLDS
    return fold


def predict(model: dict, rows: list[dict]) -> list[tuple[float, float, float]]:
    """Each row's probabilities under a model."""
    gate = GateModel(model)
    return [gate.judge(*read_row(r)).probabilities for r in rows]


def choose_threshold(labels: list[str], p_problem: list[float]) -> float:
    """The highest P(problem) threshold (in hundredths) that still passes `PASS_TARGET` of the real
    problems: coaching a genuine problem is the costlier error, so it is bounded first and the
    rest is coached as much as that bound allows."""
    problems = sorted(p for label, p in zip(labels, p_problem, strict=True) if label == "problem")
    best = 0.05
    for step in range(5, 96):
        t = step / 100
        if sum(p >= t for p in problems) >= PASS_TARGET * len(problems):
            best = t
    return best


def confusion(labels: list[str], verdicts: list[str]) -> dict[str, dict[str, int]]:
    """Counts of verdicts per true label."""
    table = {label: dict.fromkeys(CLASSES, 0) for label in CLASSES}
    for label, verdict in zip(labels, verdicts, strict=True):
        table[label][verdict] += 1
    return table


def figures(labels: list[str], verdicts: list[str]) -> dict:
    """Pass rate of problems, coached rate of the others, per class, and the confusion table."""
    table = confusion(labels, verdicts)
    problems = sum(table["problem"].values())
    others = sum(sum(table[c].values()) for c in CLASSES[1:])
    return {
        "rows": len(labels),
        "problems_passed": round(table["problem"]["problem"] / max(1, problems), 3),
        "others_coached": round(
            sum(sum(table[c].values()) - table[c]["problem"] for c in CLASSES[1:]) / max(1, others), 3
        ),
        "solutions_coached": round(1 - table["solution"]["problem"] / max(1, sum(table["solution"].values())), 3),
        "vague_coached": round(1 - table["vague"]["problem"] / max(1, sum(table["vague"].values())), 3),
        "confusion": table,
    }


def verdicts_at(probs: list[tuple[float, float, float]], threshold: float) -> list[str]:
    """The gate's verdicts at a threshold."""
    return ["problem" if p[0] >= threshold else ("solution" if p[1] >= p[2] else "vague") for p in probs]


def rule_verdicts(rows: list[dict]) -> list[str]:
    """What the word-list rule alone says (the baseline)."""
    return [str(classify_by_rule(read_problem(r["text"]))) for r in rows]


def train() -> dict:
    """Train, measure and return the model file's contents."""
    real = real_rows()
    own_train, own_holdout = load_rows(OWN_TRAIN) + coach_rows(), load_rows(OWN_HOLDOUT)
    train_real = [r for r in real if not is_held_out(r)]
    held_out = [r for r in real if is_held_out(r)]

    # k-fold over the training part of the real writing (each fold also trains on the team's set)
    fold = folds(train_real)
    oof: list[tuple[float, float, float]] = [(0.0, 0.0, 0.0)] * len(train_real)
    for k in range(FOLDS):
        fit_rows = [r for r, f in zip(train_real, fold, strict=True) if f != k] + own_train
        model = fit(fit_rows, weights_of(fit_rows, len(own_train)))
        test_idx = [i for i, f in enumerate(fold) if f == k]
        for i, p in zip(test_idx, predict(model, [train_real[i] for i in test_idx]), strict=True):
            oof[i] = p
    labels = [r["label"] for r in train_real]
    threshold = choose_threshold(labels, [p[0] for p in oof])

    rows = train_real + own_train
    model = fit(rows, weights_of(rows, len(own_train)))
    model["threshold"] = threshold
    held_probs = predict(model, held_out)
    own_probs = predict(model, own_holdout)
    model["about"] = {
        "trained_on": {"real": len(train_real), "team": len(own_train), "team_weight": OWN_WEIGHT},
        "held_out_ids": sorted(str(r["id"]) for r in held_out),
        "pass_target": PASS_TARGET,
        "figures": {
            "k-fold (real, training part)": figures(labels, verdicts_at(oof, threshold)),
            "held-out (real)": figures([r["label"] for r in held_out], verdicts_at(held_probs, threshold)),
            "team's held-out set": figures([r["label"] for r in own_holdout], verdicts_at(own_probs, threshold)),
            "rule alone, held-out (real)": figures([r["label"] for r in held_out], rule_verdicts(held_out)),
            "rule alone, training part (real)": figures(labels, rule_verdicts(train_real)),
        },
    }
    return model


def render(model: dict) -> str:
    """The model file's text (stable: sorted keys, one line per feature group entry)."""
    return json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n"


def report(model: dict) -> str:
    """The figures, as a person reads them."""
    lines = [f"threshold on P(problem): {model['threshold']:.2f} (passes {PASS_TARGET:.0%} of real problems in k-fold)"]
    for name, fig in model["about"]["figures"].items():
        lines.append(
            f"{name:<34} n={fig['rows']:<4} problems passed {fig['problems_passed']:.1%}   "
            f"others coached {fig['others_coached']:.1%} (solutions {fig['solutions_coached']:.1%}, "
            f"vague {fig['vague_coached']:.1%})"
        )
        lines.append("    true \\ verdict   " + "  ".join(f"{c:>8}" for c in CLASSES))
        for label in CLASSES:
            lines.append(f"    {label:<16} " + "  ".join(f"{fig['confusion'][label][c]:>8}" for c in CLASSES))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.judgment.train", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    parser.add_argument("--check", action="store_true", help="only say whether the committed model is current")
    args = parser.parse_args(argv)
    model = train()
    text = render(model)
    print(report(model))
    if args.check:
        current = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("the committed model is current" if current else f"{args.out} differs: run the command without --check")
        return 0 if current else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
