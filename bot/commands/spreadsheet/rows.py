"""One row of an imported file, read into an idea through the problem gate (`read_row`), or why not.

A row's identity is `import_key(title, problem)`; its status, origin and kind are read by name,
label or synonym, and what the import had to change is kept as `Note`s for the summary.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.commands.spreadsheet.columns import Columns, header_key
from bot.domain.ideas import IdeaDraft, Kind, Origin, Status
from bot.domain.problem import GateResult, check_problem, normalize
from bot.views import TITLE_MAX
from bot.views.slack_text import truncate
from models.store import GateFlags, IdeaImport

REASON_MAX = 200  # a rejection's reason, in characters

STATUS_SYNONYMS: dict[Status, tuple[str, ...]] = {
    Status.NEW: ("open", "submitted", "proposed", "idea", "todo", "to do", "backlog", "not started"),
    Status.NEEDS_PROBLEM: ("needs info", "needs more info", "more info needed"),
    Status.UNDER_REVIEW: ("review", "in review", "reviewing", "evaluating", "considering"),
    Status.ACCEPTED: ("approved", "planned"),
    Status.IN_PROGRESS: ("doing", "started", "wip", "in development", "building"),
    Status.SHIPPED: ("done", "complete", "completed", "launched", "released", "delivered", "live"),
    Status.PARKED: ("on hold", "later", "someday", "deferred", "paused", "icebox"),
    Status.DECLINED: ("rejected", "won't do", "wont do", "cancelled", "canceled", "dropped"),
    Status.MERGED: ("duplicate",),
}

ORIGIN_SYNONYMS: dict[Origin, tuple[str, ...]] = {
    Origin.PROBLEM: ("customer", "business", "customer problem", "need", "front-end", "front end"),
    Origin.TECHNOLOGY: ("tech", "tech-first", "back-end", "back end"),
}

KIND_SYNONYMS: dict[Kind, tuple[str, ...]] = {
    Kind.INVENT: ("new", "build", "create"),
    Kind.ADOPT: ("buy", "existing", "off the shelf"),
}

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")  # as bot/config.py's, at most the column's 32 characters

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
GATE_FIELDS = {"affected": "who is affected", "problem": "problem"}


@dataclass(frozen=True)
class Note:
    """Something an import changed in a row it imported (a kind of `NOTE_TEXT`)."""

    kind: str
    where: str
    value: str = ""


@dataclass(frozen=True)
class RowReading:
    """What an import makes of one row: an idea to store, or why not."""

    idea: IdeaImport | None
    where: str
    key: str = ""  # `import_key` of its title and problem ("" when either is empty)
    rejection: str = ""  # why it can't be imported
    flagged: bool = False
    notes: tuple[Note, ...] = ()


def import_key(title: str, problem: str) -> str:
    """A row's identity: a hash of its title and problem (case, spacing and quote styles aside)."""
    text = f"{normalize(title)}\x1f{normalize(problem)}"
    return "csv1:" + hashlib.sha256(text.encode()).hexdigest()[:48]


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading apostrophe."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def unneutralise(cell: str) -> str:
    """Undo `neutralise`, so an exported cell imports as it was."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def first_sentence(text: str) -> str:
    """The first sentence of a message (a full stop inside quotes or brackets doesn't end it)."""
    text = " ".join(text.split())
    depth = 0
    for position, char in enumerate(text):
        if char in "“(":
            depth += 1
        elif char in "”)":
            depth = max(depth - 1, 0)
        elif char in ".?!" and depth == 0 and text[position + 1 : position + 2] in (" ", ""):
            return text[: position + 1]
    return text


def gate_reason(gate: GateResult) -> str:
    """The problem gate's verdict on a row, in one line."""
    messages = [*gate.errors.items(), *gate.coaching.items()]
    reason = "; ".join(f"{GATE_FIELDS.get(block, block)}: {first_sentence(message)}" for block, message in messages)
    return truncate(reason, REASON_MAX)


def _choose(value: str, choices: dict[str, str], default: str, note: Note, notes: list[Note]) -> str:
    """The choice `value` names; `default` for an empty value, or with `note` for one not known."""
    chosen = choices.get(header_key(value)) if value else default
    if chosen is None:
        notes.append(note)
    return chosen or default


def _choices(synonyms: dict, labelled: Sequence) -> dict[str, str]:
    """An enum's values, labels, tags and synonyms, as compared (see `header_key`) -> its value."""
    table = {header_key(member.value): member.value for member in labelled}
    table.update({header_key(member.label): member.value for member in labelled})
    table.update({header_key(getattr(member, "tag", member.value)): member.value for member in labelled})
    table.update({header_key(word): member.value for member, words in synonyms.items() for word in words})
    return table


STATUS_CHOICES = _choices(STATUS_SYNONYMS, list(Status))
ORIGIN_CHOICES = _choices(ORIGIN_SYNONYMS, list(Origin))
KIND_CHOICES = _choices(KIND_SYNONYMS, list(Kind))


def slack_user_id(value: str) -> str:
    """The Slack user id in `U123`, `@U123` or `<@U123|name>`; "" when it is not one."""
    candidate = value.strip().removeprefix("<").removeprefix("@").split("|")[0].rstrip(">")
    return candidate if SLACK_USER_ID.match(candidate) else ""


def parse_date(value: str) -> datetime | None:
    """An ISO 8601 date or date and time (UTC unless it says otherwise); None if it is not one."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_row(
    cells: Sequence[str], columns: Columns, *, where: str, source: str, accept_flagged: bool, now: datetime
) -> RowReading:
    """One row through the problem gate: the idea to store (flagged, if allowed), or why not.

    `where` names the row in messages ("line 7"); `source` is kept in the idea's history.
    """
    values = {name: unneutralise(cells[i].strip()) if i < len(cells) else "" for name, i in columns.index.items()}
    title, problem = values.get("title", ""), values.get("problem", "")
    empty = [name for name, text in (("title", title), ("problem", problem)) if not text]
    if empty:
        verb = "is" if len(empty) == 1 else "are"
        return RowReading(None, where, rejection=f"the {' and the '.join(empty)} {verb} empty")
    notes: list[Note] = []
    if len(title) > TITLE_MAX:
        title = truncate(title, TITLE_MAX)
        notes.append(Note("title", where))
    key = import_key(title, problem)
    origin, kind, status = (
        _choose(values.get(name, ""), choices, default, Note(name, where, values.get(name, "")), notes)
        for name, choices, default in (
            ("origin", ORIGIN_CHOICES, Origin.PROBLEM),
            ("kind", KIND_CHOICES, Kind.INVENT),
            ("status", STATUS_CHOICES, Status.NEW),
        )
    )
    draft = IdeaDraft(
        title=title,
        affected=values.get("affected", ""),
        problem=problem,
        evidence=values.get("evidence", ""),
        business_value=values.get("business_value", ""),
        solution=values.get("solution", ""),
        origin=Origin(origin),
        kind=Kind(kind),
    )
    gate = check_problem(draft)
    if not gate.passed and not accept_flagged:
        return RowReading(None, where, key=key, rejection=gate_reason(gate))

    if status == Status.MERGED:
        notes.append(Note("merged", where))
    people: dict[str, str] = {}
    for role in ("submitter", "sponsor", "partner"):
        given = values.get(role, "")
        people[role] = slack_user_id(given)
        if given and not people[role]:
            notes.append(Note(role, where, given))
    submitter = values.get("submitter", "")
    if submitter and not people["submitter"]:
        byline = f"Submitted by {submitter} (imported)"
        if byline not in draft.evidence:
            draft = replace(draft, evidence=f"{draft.evidence}\n\n{byline}" if draft.evidence else byline)
    created = values.get("created_at", "")
    created_at = parse_date(created) if created else None
    if created and created_at is None:
        notes.append(Note("created_at", where, created))
    if len(cells) > columns.width and any(cell.strip() for cell in cells[columns.width :]):
        notes.append(Note("cells", where))
    flags = GateFlags(
        problem_is_solution=gate.problem_is_solution,
        problem_is_vague=gate.problem_is_vague or bool(gate.errors),  # a hard error counts as vague
        quote=gate.quote,
    )
    idea = IdeaImport(
        import_key=key,
        draft=draft,
        flags=flags,
        status=status,
        submitter_id=people["submitter"],
        created_at=created_at or now,
        sponsor_id=people["sponsor"],
        partner_id=people["partner"],
        source=source,
    )
    return RowReading(idea, where, key=key, flagged=not gate.passed, notes=tuple(notes))
