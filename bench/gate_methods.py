"""How the problem gate's method was chosen: `python bench/gate_methods.py` (needs the dev extra).

Each method is trained and measured the way `bot.judgment.train` does it — 5-fold over the
training part of the real writing (each fold also trains on the team's dev set at its lower
weight), its own threshold passing `PASS_TARGET` of the real problems, then one model on the
whole training part scored on the held-out quarter — so the rows compare like with like.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from bot.judgment import train
from bot.judgment.embed import embedder

METHODS = {
    "word + character n-grams": ("ngrams",),
    "n-grams + the rule's cues (shipped)": ("ngrams", "cues"),
    "sentence vectors (WordLlama 256-d)": ("vectors",),
    "sentence vectors + the rule's cues": ("vectors", "cues"),
    "n-grams + cues + sentence vectors": ("ngrams", "cues", "vectors"),
}


def matrix(groups: tuple[str, ...], fit_rows: list[dict], rows: list[dict]):
    """Features of `rows` for a method, its vocabulary fitted on `fit_rows`."""
    parts = []
    reads = [train.read_row(r) for r in rows]
    if "ngrams" in groups:
        featurizer = train.Featurizer([train.read_row(r)[0] for r in fit_rows])
        without_cues = featurizer.matrix([(norm, []) for norm, _ in reads])
        parts.append(without_cues[:, : len(featurizer.columns[0]) + len(featurizer.columns[1])])
    if "cues" in groups:
        parts.append(csr_matrix(np.array([cues for _, cues in reads])))
    if "vectors" in groups:
        parts.append(csr_matrix(embedder().vectors([r["text"] for r in rows])))
    return hstack(parts).tocsr()


def probabilities(groups: tuple[str, ...], fit_rows: list[dict], weights: list[float], rows: list[dict]):
    model = LogisticRegression(C=train.C, solver="newton-cg", max_iter=200, class_weight="balanced")
    labels = [train.CLASSES.index(r["label"]) for r in fit_rows]
    model.fit(matrix(groups, fit_rows, fit_rows), labels, sample_weight=weights)
    return [tuple(p) for p in model.predict_proba(matrix(groups, fit_rows, rows))]


def measure(groups: tuple[str, ...], train_real: list[dict], own: list[dict], held: list[dict]) -> str:
    fold = train.folds(train_real)
    oof: list[tuple] = [()] * len(train_real)
    for k in range(train.FOLDS):
        fit_rows = [r for r, f in zip(train_real, fold, strict=True) if f != k] + own
        test = [i for i, f in enumerate(fold) if f == k]
        probs = probabilities(groups, fit_rows, train.weights_of(fit_rows, len(own)), [train_real[i] for i in test])
        for i, p in zip(test, probs, strict=True):
            oof[i] = p
    labels = [r["label"] for r in train_real]
    threshold = train.choose_threshold(labels, [p[0] for p in oof])
    folds = train.figures(labels, train.verdicts_at(oof, threshold))
    rows = train_real + own
    held_probs = probabilities(groups, rows, train.weights_of(rows, len(own)), held)
    held_fig = train.figures([r["label"] for r in held], train.verdicts_at(held_probs, threshold))
    auc = roc_auc_score([label == "problem" for label in labels], [p[0] for p in oof])
    return cells(auc, folds, held_fig)


def cells(auc: float | None, folds: dict, held: dict) -> str:
    auc_text = f"{auc:.3f}" if auc is not None else "  –  "
    return (
        f"{auc_text}   {folds['problems_passed']:6.1%} {folds['others_coached']:6.1%}"
        f"     {held['problems_passed']:6.1%} {held['others_coached']:6.1%}"
    )


def main() -> None:
    real = train.real_rows()
    own = train.load_rows(train.OWN_TRAIN)
    train_real = [r for r in real if not train.is_held_out(r)]
    held = [r for r in real if train.is_held_out(r)]
    print(f"{len(train_real)} real texts to train on (5-fold), {len(held)} held out, {len(own)} of the team's")
    print(f"{'method':<38} AUC     5-fold: passed coached   held-out: passed coached")
    rule = {
        name: train.figures([r["label"] for r in rows], train.rule_verdicts(rows))
        for name, rows in (("folds", train_real), ("held", held))
    }
    print(f"{'the word-list rule alone':<38} " + cells(None, rule["folds"], rule["held"]))
    for name, groups in METHODS.items():
        print(f"{name:<38} " + measure(groups, train_real, own, held), flush=True)


if __name__ == "__main__":
    main()
