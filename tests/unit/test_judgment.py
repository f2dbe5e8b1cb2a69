"""The learned problem gate: reproducible from the repository, and better than the rule on real writing
it was never trained on."""

from __future__ import annotations

import json

import pytest

from bot.domain.ideas import IdeaDraft
from bot.domain.problem import Verdict, check_problem, classify_by_rule, judge_problem, read_problem
from bot.judgment import train
from bot.judgment.gate import MODEL_PATH, GateModel, gate_model, ngram_counts, tfidf


def real_held_out() -> list[dict]:
    """The real rows the shipped model was not trained on."""
    ids = set(gate_model().about["held_out_ids"])
    rows = [r for r in train.real_rows() if str(r["id"]) in ids]
    assert len(rows) == len(ids) >= 100
    return rows


def test_the_committed_model_is_what_the_training_command_produces() -> None:
    committed = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    fresh = json.loads(train.render(train.train()))
    assert fresh["classes"] == committed["classes"]
    assert fresh["threshold"] == committed["threshold"]
    assert fresh["about"] == committed["about"]
    for group in ("words", "chars"):
        assert fresh[group].keys() == committed[group].keys(), group
        worst = max(abs(a - b) for f in fresh[group] for a, b in zip(fresh[group][f], committed[group][f], strict=True))
        assert worst < 1e-4, (group, worst)
    for fresh_row, committed_row in zip(fresh["cues"], committed["cues"], strict=True):
        assert fresh_row == pytest.approx(committed_row, abs=1e-4)
    assert fresh["intercept"] == pytest.approx(committed["intercept"], abs=1e-4)


def test_the_held_out_part_is_a_stable_quarter_of_the_real_rows() -> None:
    real = train.real_rows()
    held = [r for r in real if train.is_held_out(r)]
    assert 0.18 < len(held) / len(real) < 0.32
    assert {r["label"] for r in held} == {"problem", "solution", "vague"}
    assert sorted(str(r["id"]) for r in held) == gate_model().about["held_out_ids"]


def test_on_real_writing_it_never_trained_on_it_beats_the_rule() -> None:
    rows = real_held_out()
    problems = [r for r in rows if r["label"] == "problem"]
    others = [r for r in rows if r["label"] != "problem"]

    def passes(row: dict) -> bool:
        draft = IdeaDraft(title=row["title"], affected="someone", problem=row["text"])
        return check_problem(draft).passed

    passed = sum(passes(r) for r in problems) / len(problems)
    coached = sum(not passes(r) for r in others) / len(others)
    rule_passed = sum(classify_by_rule(read_problem(r["text"])) is Verdict.PROBLEM for r in problems) / len(problems)
    rule_coached = sum(classify_by_rule(read_problem(r["text"])) is not Verdict.PROBLEM for r in others) / len(others)
    # Through the gate's whole contract (hard errors included), at its calibrated threshold: it
    # passes more real problems than the rule and coaches at least as many of the rest.
    assert passed >= 0.90 and passed > rule_passed
    assert coached >= rule_coached


def test_the_threshold_passes_the_target_share_of_problems_and_no_fewer() -> None:
    labels = ["problem"] * 10 + ["solution"] * 3
    p_problem = [0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.5, 0.2, 0.1]  # ten problems, three not
    threshold = train.choose_threshold(labels, p_problem)
    passed = sum(p >= threshold for p in p_problem[:10])
    assert passed >= train.PASS_TARGET * 10 and threshold == 0.30  # the highest that keeps 92%: all ten
    assert gate_model().about["pass_target"] == train.PASS_TARGET >= 0.90


def test_features_are_words_pairs_and_pieces() -> None:
    words, chars = ngram_counts("we can't re-enter it")
    assert words["can't"] == 1 and words["we can't"] == 1 and words["enter it"] == 1
    assert chars[" we"] == 1 and chars["n't "] == 1
    weights = tfidf(words, {"can't": 2.0, "it": 1.0})
    assert set(weights) == {"can't", "it"} and sum(w * w for w in weights.values()) == pytest.approx(1.0)
    assert tfidf(words, {}) == {}


def test_the_verdict_is_one_of_three_with_probabilities() -> None:
    judgment = judge_problem("We need Kubernetes for all of our services")
    assert judgment.verdict is Verdict.SOLUTION and judgment.p_problem < gate_model().threshold
    judgment = judge_problem("Customers call us to ask where their order is, about 40 calls a day, 4 minutes each")
    assert judgment.verdict is Verdict.PROBLEM


def test_a_model_with_other_classes_is_refused(tmp_path) -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["classes"] = ["solution", "problem", "vague"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="classes"):
        GateModel.load(path)


def test_three_fresh_labellings_of_the_real_rows_mostly_agree_with_the_committed_labels() -> None:
    """tests/data/relabel_gate.jsonl: three blind labellings by the guide (bench/gate_labels.py reads them)."""
    path = train.DATA / "relabel_gate.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    committed = {str(r["id"]): r["label"] for r in train.real_rows()}
    shared = {str(r["id"]) for r in train.load_rows("gate_real.jsonl")}
    assert len({r["id"] for r in rows}) == len(rows) == len(committed)
    assert all(r["id"] in committed for r in rows)
    assert all(sorted(r["labels"]) == ["A", "B", "C"] and set(r["labels"].values()) <= set(train.CLASSES) for r in rows)

    def majority_agrees(row: dict) -> bool:
        votes = list(row["labels"].values())
        return votes.count(committed[row["id"]]) >= 2

    in_shared = [majority_agrees(r) for r in rows if r["id"] in shared]
    gathered = [majority_agrees(r) for r in rows if r["id"] not in shared]
    assert len(in_shared) == len(shared)
    assert sum(in_shared) >= 0.90 * len(in_shared)
    assert sum(gathered) >= 0.90 * len(gathered)
