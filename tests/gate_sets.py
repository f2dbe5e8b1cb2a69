"""The labelled problem-statement sets and how the gate scores on them (used by tests and bench/)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.domain.ideas import IdeaDraft
from bot.domain.problem import check_problem

DATA = Path(__file__).parent / "data"
# The team's own writing. Written before the word lists were tuned; never trained on by the
# learned gate (bot/judgment/train.py). Real writing's figures are in tests/unit/test_judgment.py.
HOLDOUT = DATA / "gate_holdout.jsonl"
# Used while tuning the word lists, and trained on (at a lower weight than real writing).
DEV = DATA / "gate_dev.jsonl"


@dataclass(frozen=True)
class Figures:
    """How the gate did on one labelled set."""

    problems: int
    problems_passed: int
    non_problems: int
    non_problems_stopped: int

    @property
    def pass_rate(self) -> float:
        """Share of genuine problem statements that pass first time."""
        return self.problems_passed / self.problems

    @property
    def stop_rate(self) -> float:
        """Share of solution-only or content-free statements that are coached (or refused)."""
        return self.non_problems_stopped / self.non_problems


def load(path: Path) -> list[dict]:
    """Rows of a labelled set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict]) -> tuple[Figures, list[dict]]:
    """The gate's figures on `rows`, and the rows it got wrong."""
    wrong = []
    counts = {"p": 0, "pp": 0, "n": 0, "ns": 0}
    for row in rows:
        draft = IdeaDraft(title=row.get("title", ""), affected=row.get("affected") or "someone", problem=row["text"])
        passed = check_problem(draft).passed
        if row["label"] == "problem":
            counts["p"] += 1
            counts["pp"] += passed
            if not passed:
                wrong.append(row)
        else:
            counts["n"] += 1
            counts["ns"] += not passed
            if passed:
                wrong.append(row)
    return Figures(counts["p"], counts["pp"], counts["n"], counts["ns"]), wrong
