"""`ideabot demo`'s earlier weeks: the spreadsheet a team kept before ideabot, as a CSV to import.

The digest compares a week with the weeks before it; a brand-new demo database has none. So the
demo writes the ideas of the eleven weeks before this one as a CSV and imports it with the real
`ideabot import` (every row through the problem gate). Imported ideas carry their status but no
history of decisions, so the chart's "accepted" line starts with the demo's own decisions.
The rows are made up for the demo and the same on every run (a fixed random seed).
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
from datetime import datetime, timedelta
from pathlib import Path

from bot.commands.spreadsheet import import_ideas
from bot.config import Settings

# (title, who is affected, problem, business value, evidence, origin, kind)
PROBLEMS = (
    (
        "Refund requests bounce between teams",
        "Customers asking for a refund",
        "Refund requests wait about four days because finance and support each think the other owns them",
        "Fewer chargebacks and about 30 angry calls a week less",
        "Support ticket tags, last quarter",
        "problem",
        "invent",
    ),
    (
        "Drivers queue for paper routes",
        "Delivery drivers",
        "Drivers wait around 30 minutes at the depot every morning for printed route sheets",
        "Half an hour more driving time per driver per day",
        "Depot manager's log",
        "problem",
        "adopt",
    ),
    (
        "Quotes take a week",
        "Sales reps and prospects",
        "Reps wait up to a week for engineering to price a custom quote, and prospects go elsewhere",
        "We lose roughly one deal in five while waiting",
        "CRM lost-deal reasons",
        "problem",
        "invent",
    ),
    (
        "Stock counts disagree",
        "Warehouse team",
        "The system and the shelves disagree on about 8% of items, so orders are promised that we cannot ship",
        "Fewer cancelled orders, about 40 a month",
        "",
        "problem",
        "adopt",
    ),
    (
        "Invoices keyed twice",
        "Accounts payable clerks",
        "Clerks type every supplier invoice into two systems, which takes two hours a day and causes errors",
        "Two hours a day back, and fewer payment mistakes",
        "Time study in March",
        "problem",
        "adopt",
    ),
)
TECHNOLOGIES = (
    ("Blockchain for supplier contracts", "Procurement", "We should put all supplier contracts on a blockchain", ""),
    ("A metaverse showroom", "Marketing", "Let's build a showroom in the metaverse for our products", "innovation"),
    ("Smart glasses for pickers", "Warehouse", "Give every picker smart glasses with the latest AR software", ""),
    (
        "Machine vision on the packing line",
        "Packing line operators",
        "Use cameras and a vision model to spot damaged boxes before they are sealed",
        "Damaged parcels cost about 2,000 a month in returns",
    ),
)
SPONSOR, PARTNER = "U0000USER3", "U0000USER2"  # Ana (ops) and Tom (IT), as in the demo
STATUSES = ("new", "under_review", "accepted", "in_progress", "shipped", "parked", "declined")


def _status(rng: random.Random, weeks_ago: int) -> str:
    """Older ideas are further along: most of the last weeks' are still new."""
    if weeks_ago <= 1:
        return rng.choice(("new", "new", "under_review"))
    return rng.choices(STATUSES, weights=(1, 3, 3, 2, 1 + weeks_ago // 3, 2, 2))[0]


def history_rows(before: datetime, *, weeks: int = 11, seed: int = 14) -> list[list[str]]:
    """The CSV's rows (header first): ideas submitted in the `weeks` weeks before `before`."""
    rng = random.Random(seed)
    header = ["title", "who is affected", "problem", "business value", "evidence", "origin", "kind", "status"]
    rows = [[*header, "created", "sponsor", "partner"]]
    for weeks_ago in range(weeks, 0, -1):
        for n in range(rng.randint(4, 9)):
            created = before - timedelta(weeks=weeks_ago) + timedelta(hours=rng.randint(1, 160))
            suffix = f" (week {weeks - weeks_ago + 1}, {n + 1})"
            if rng.random() < 0.3 + 0.03 * weeks_ago:  # technology-first ideas were commoner before
                title, affected, problem, value = rng.choice(TECHNOLOGIES)
                row = [title + suffix, affected, problem, value, "", "technology", "adopt"]
            else:
                title, *rest = rng.choice(PROBLEMS)
                row = [title + suffix, *rest]
            status = _status(rng, weeks_ago)
            partnered = status in ("accepted", "in_progress", "shipped") and rng.random() < 0.85
            people = [SPONSOR, PARTNER] if partnered else ["", ""]
            rows.append([*row, status, created.isoformat(timespec="minutes"), *people])
    return rows


async def import_history(settings: Settings, folder: Path, *, before: datetime) -> int:
    """Write the earlier weeks as a CSV in `folder` and import it; how many ideas it holds."""
    path = folder / "earlier-ideas.csv"
    rows = history_rows(before)
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)
    with contextlib.redirect_stdout(io.StringIO()):  # the import's own report; the demo says it in a line
        await import_ideas(settings, str(path), accept_flagged=True)
    return len(rows) - 1
