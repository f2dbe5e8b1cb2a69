"""The shiny-object rule on real writing: `python bench/shiny.py [-v]`.

The real idea texts in `tests/data/` carry two labels besides problem / solution / vague (see
`tests/data/LABELLING.md`): `tech_centric` (the idea starts from a technology or tool) and
`business_need` (the text states a business or customer consequence). A shiny object is an idea
that starts from a technology and states no business need, so the truth here is
`tech_centric and not business_need`.

Each text is submitted as a person would through the form: the title as the title, the text as
the problem, somebody affected, no business value and no evidence (the texts have no such
fields); a text the gate coaches is sent again unchanged, so it is stored with the gate's flag.
Two ways of answering "What sparked this?" are measured:

- **origin "a problem we saw" for every idea**: the text alone must show the technology;
- **origin "a technology" when the text is technology-centric**: the submitter answers honestly.

`TECHNOLOGIES` (bot/domain/shiny.py) was chosen on `gate_real` + `gate_extra` only; `gate_more_*`
were not looked at while choosing it. "Before" is the rule as it was until 2026-12-03 (any
problem that reads like a solution counted as starting from a technology). The gate's verdict is
its own on every row; it was trained on three quarters of them, so the gate's held-out quarter is
also reported on its own.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.ideas import IdeaDraft, Origin
from bot.domain.problem import Verdict, check_problem, judge_problem
from bot.domain.shiny import ShinyInput, is_shiny, named_technology, states_business_need
from bot.judgment import train
from bot.judgment.gate import gate_model

CHOSEN_ON = ("gate_real.jsonl", "gate_extra.jsonl")
MEASURED_ON = ("gate_more_a.jsonl", "gate_more_b.jsonl", "gate_more_c.jsonl")


def submitted(row: dict, origin: str) -> ShinyInput:
    """The idea as stored after a person submits `row` (resubmitting once if coached)."""
    gate = check_problem(IdeaDraft(title=row["title"], affected="someone", problem=row["text"]))
    return ShinyInput(
        origin=origin,
        title=row["title"],
        problem=row["text"],
        affected="someone",
        business_value="",
        evidence="",
        problem_is_solution=gate.problem_is_solution,
        gate_quote=gate.quote,
    )


def shiny_before(idea: ShinyInput) -> bool:
    """The rule until 2026-12-03: any problem that reads like a solution started from a technology."""
    if states_business_need(idea.business_value):
        return False
    solution = idea.problem_is_solution or judge_problem(idea.problem).verdict is Verdict.SOLUTION
    return idea.origin == Origin.TECHNOLOGY or solution


def is_truly_shiny(row: dict) -> bool:
    return bool(row["tech_centric"]) and not row["business_need"]


def table(rows: list[dict], flagged: list[bool]) -> str:
    """Recall on shiny objects, false alarms on the rest, and the confusion counts."""
    counts = Counter((is_truly_shiny(r), f) for r, f in zip(rows, flagged, strict=True))
    shiny, other = counts[True, True] + counts[True, False], counts[False, True] + counts[False, False]
    precision = counts[True, True] / max(1, counts[True, True] + counts[False, True])
    return (
        f"shiny flagged {counts[True, True]:>3}/{shiny:<3} ({counts[True, True] / max(1, shiny):4.0%})   "
        f"others flagged {counts[False, True]:>3}/{other:<4} ({counts[False, True] / max(1, other):5.1%})   "
        f"precision {precision:4.0%}"
    )


def report(name: str, rows: list[dict], verbose: bool) -> None:
    print(f"\n{name}: {len(rows)} texts, {sum(map(is_truly_shiny, rows))} shiny objects by the labels")
    answers: dict[str, Callable[[dict], str]] = {
        'origin "a problem we saw" for all': lambda r: Origin.PROBLEM,
        'origin "a technology" when it is so': lambda r: Origin.TECHNOLOGY if r["tech_centric"] else Origin.PROBLEM,
    }
    for answer, origin_of in answers.items():
        ideas = [submitted(r, origin_of(r)) for r in rows]
        print(f"  {answer}")
        print(f"    before: {table(rows, [shiny_before(i) for i in ideas])}")
        now = [is_shiny(i) for i in ideas]
        print(f"    now:    {table(rows, now)}")
        if verbose and answer.startswith('origin "a problem'):
            for row, flag in zip(rows, now, strict=True):
                if flag != is_truly_shiny(row):
                    technology = named_technology(row["title"], row["text"]) or "-"
                    kind = "missed" if is_truly_shiny(row) else "false"
                    print(f"      {kind:6} [{technology}] {row['title'][:70]}")
    found = Counter((bool(r["tech_centric"]), bool(named_technology(r["title"], r["text"]))) for r in rows)
    print(
        f"  TECHNOLOGIES names a technology in {found[True, True]}/{found[True, True] + found[True, False]} "
        f"technology-centric texts and in {found[False, True]}/{found[False, True] + found[False, False]} others"
    )


def main() -> None:
    verbose = "-v" in sys.argv
    held_ids = set(gate_model().about["held_out_ids"])
    chosen = [r for name in CHOSEN_ON for r in train.load_rows(name)]
    measured = [r for name in MEASURED_ON for r in train.load_rows(name)]
    report("chosen on (gate_real, gate_extra)", chosen, verbose)
    report("not looked at (gate_more_a/b/c)", measured, verbose)
    report("not looked at, and held out from the gate's training", [r for r in measured if r["id"] in held_ids], False)


if __name__ == "__main__":
    main()
