"""CSV import and export of ideas: `ideabot export FILE` and `ideabot import FILE`.

Export writes one row per idea (`EXPORT_COLUMNS`), reading `EXPORT_BATCH` ideas at a time, with
every cell that a spreadsheet would run as a formula neutralised by a leading apostrophe.

Import maps the header row by name (`HEADER_ALIASES`; case, spaces, underscores and punctuation
don't matter), sends every row through the problem gate (`bot.problem.check_problem`) and stores
the rows that pass, `IMPORT_BATCH` per transaction. A row's identity is `import_key(title,
problem)`, so importing a file again — or an export of the same database — adds nothing.

The pure parts come first (reading the header and the rows, rendering an export row, progress,
the summary); the two commands are at the end.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.domain import IdeaDraft, Kind, Origin, Status, idea_ref
from bot.problem import GateResult, check_problem, normalize
from bot.shiny import ShinyInput, check_shiny
from bot.similar_ideas import SimilarIdeas
from bot.slack_text import truncate
from bot.views import TITLE_MAX
from models.schema import prepare_schema
from models.store import ExportedIdea, GateFlags, IdeaImport, Store
from models.tables import utcnow

EXPORT_BATCH = 1000  # ideas per read while exporting
IMPORT_BATCH = 500  # rows per write transaction while importing
PROGRESS_FROM_ROWS = 500  # files with at least this many rows show a progress bar
POST_EVERY = timedelta(seconds=1.1)  # Slack's chat.postMessage allows about one message a second per channel
LIST_AT_MOST = 20  # rejected rows listed in the summary
EXAMPLES_AT_MOST = 5  # examples listed per kind of note
REASON_MAX = 200  # a rejection's reason, in characters

EXPORT_COLUMNS = tuple(
    """
    ref title affected problem evidence business_value solution origin kind status submitter sponsor partner
    supporters supporter_ids score score_count problem_is_solution problem_is_vague shiny merged_into
    card_permalink created_at updated_at
    """.split()
)

# Header names an import understands, per field. A header matches when it equals one of these
# once both are lowercased and stripped of spaces, underscores and punctuation.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    name: tuple(alias.strip() for alias in aliases.split(","))
    for name, aliases in {
        "title": "title, idea, idea title, name, summary, subject",
        "affected": "affected, who, who is affected, who has the problem, customer, customers, users",
        "problem": "problem, customer problem, problem statement, pain, pain point, pain points, issue, challenge, "
        "description",
        "evidence": "evidence, proof, how do we know",
        "business_value": "business value, value, impact, benefit, benefits, why",
        "solution": "solution, proposed solution, your proposed solution, proposal, how",
        "origin": "origin, started from",
        "kind": "kind, type, invent or adopt",
        "status": "status, state, stage",
        "submitter": "submitter, submitter id, submitted by, author, created by, owner, reporter, email, email address",
        "sponsor": "sponsor, sponsor id, business sponsor",
        "partner": "partner, partner id, tech partner",
        "created_at": "created, created at, created on, date, date created, submitted at, timestamp",
    }.items()
}
REQUIRED = ("title", "problem")

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
DELIMITERS = (",", ";", "\t")
GATE_FIELDS = {"affected": "who is affected", "problem": "problem"}

# What a note about an imported row means, by kind.
NOTE_TEXT = {
    "status": "status not known to ideabot: imported as New",
    "merged": "status Merged: imported without the link to the idea it was merged into",
    "origin": "origin not “problem” or “technology”: imported as problem",
    "kind": "kind not “invent” or “adopt”: imported as invent",
    "submitter": "submitter is not a Slack user id (U…): kept in the evidence as “Submitted by …”",
    "sponsor": "sponsor is not a Slack user id (U…): left empty",
    "partner": "partner is not a Slack user id (U…): left empty",
    "created_at": "date not understood (use YYYY-MM-DD): the time of the import used",
    "title": f"title longer than {TITLE_MAX} characters: cut",
    "cells": "more cells than the header has names: the extra cells ignored",
}


class UnusableFile(Exception):
    """The file can't be imported at all; the message says why, in words for the person importing."""


# --- the header ------------------------------------------------------------------------------


def header_key(name: str) -> str:
    """A header name as it is compared: lowercased, without spaces, underscores or punctuation."""
    return re.sub(r"[\W_]+", "", name.casefold())


_FIELD_OF = {header_key(alias): name for name, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Columns:
    """Which column holds which field, and which columns an import ignores."""

    index: dict[str, int]  # field -> position in a row
    names: dict[str, str]  # field -> the header name it was found under
    ignored: tuple[str, ...]  # header names that match no field, or a field found before
    width: int  # how many columns the header names

    @property
    def missing(self) -> tuple[str, ...]:
        """Required fields no column holds."""
        return tuple(f for f in REQUIRED if f not in self.index)


def map_header(header: Sequence[str]) -> Columns:
    """Map a header row to fields (the first column wins a field); unnamed columns are skipped."""
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for position, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        found = _FIELD_OF.get(header_key(name))
        if found is None or found in index:
            ignored.append(name)
        else:
            index[found], names[found] = position, name
    return Columns(index=index, names=names, ignored=tuple(ignored), width=len(header))


def sniff_delimiter(header_line: str) -> str:
    """`,`, `;` or tab: whichever the header line uses most outside quotes (`,` if none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def describe_columns() -> str:
    """The header names an import understands, one field a line (for --help and the docs)."""
    return "\n".join(f"  {name}: {', '.join(aliases)}" for name, aliases in HEADER_ALIASES.items())


# --- a row -----------------------------------------------------------------------------------


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


# --- an export row ---------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def export_row(item: ExportedIdea) -> list[str]:
    """One idea as a row of `EXPORT_COLUMNS`, formula-like cells neutralised."""
    data = item.card
    idea = data.idea
    assert idea.id is not None
    shiny = check_shiny(ShinyInput.of(idea))
    values = {
        "ref": idea_ref(idea.id),
        "title": idea.title,
        "affected": idea.affected,
        "problem": idea.problem,
        "evidence": idea.evidence,
        "business_value": idea.business_value,
        "solution": idea.solution,
        "origin": idea.origin,
        "kind": idea.kind,
        "status": idea.status,
        "submitter": idea.submitter_id,
        "sponsor": idea.sponsor_id,
        "partner": idea.partner_id,
        "supporters": str(data.supporters),
        "supporter_ids": " ".join(item.supporter_ids),
        "score": f"{data.score_average:.1f}" if data.score_average is not None else "",
        "score_count": str(data.score_count),
        "problem_is_solution": _yes(idea.problem_is_solution),
        "problem_is_vague": _yes(idea.problem_is_vague),
        "shiny": _yes(shiny.is_shiny),
        "merged_into": idea_ref(idea.merged_into_id) if idea.merged_into_id else "",
        "card_permalink": idea.card_permalink,
        "created_at": _iso(idea.created_at),
        "updated_at": _iso(idea.updated_at),
    }
    return [neutralise(values[name]) for name in EXPORT_COLUMNS]


# --- reading the file ------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvFile:
    """A CSV file checked from end to end: its delimiter, header and number of rows."""

    path: Path
    delimiter: str
    header: list[str]
    rows: int  # records after the header, blank ones included
    skip: int = 0  # lines before the header (Excel's "sep=;" line)


_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip) and .xls


def _open(path: Path) -> TextIO:
    try:
        with path.open("rb") as raw:
            if raw.read(4) in _EXCEL_MAGIC:
                raise UnusableFile(
                    f"{path} is an Excel workbook, not a CSV file: in Excel choose File › Save As › "
                    "“CSV UTF-8”, in Google Sheets File › Download › CSV."
                )
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise UnusableFile(f"can't read {path}: {error.strerror or error}") from error


def _not_utf8(path: Path) -> UnusableFile:
    """The error for a file that is not UTF-8, naming the first line that isn't."""
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start]
                return UnusableFile(
                    f"{path} is not UTF-8 text (line {number} has the byte 0x{byte:02x}): save it as "
                    "“CSV UTF-8” in Excel, or download it again as CSV."
                )
    return UnusableFile(f"{path} is not UTF-8 text: save it as “CSV UTF-8” in Excel, or download it again as CSV.")


def _records(path: Path, delimiter: str, skip: int) -> Iterator[tuple[int, int, list[str]]]:
    """(line where the record starts, its row number, its cells) for every record; the header is line 1."""
    with _open(path) as file:
        for _ in range(skip):
            file.readline()
        reader = csv.reader(file, delimiter=delimiter, strict=True)  # a quote never closed is an error
        row = line = skip
        try:
            for cells in reader:
                row += 1
                yield line + 1, row, cells
                line = reader.line_num + skip
        except UnicodeDecodeError as error:
            raise _not_utf8(path) from error
        except csv.Error as error:
            raise UnusableFile(
                f"{path} is not a well-formed CSV file: the row that starts on line {line + 1} ends badly ({error}); "
                "check its quotes."
            ) from error


def inspect_csv(path: Path) -> CsvFile:
    """Check a file from end to end before anything is imported: encoding, delimiter, header, rows."""
    with _open(path) as file:
        try:
            first = file.readline()
        except UnicodeDecodeError as error:
            raise _not_utf8(path) from error
    skip = 0
    found = re.fullmatch(r"sep=(.)\r?\n?", first)
    if found:  # Excel's hint naming the delimiter, before the header
        delimiter, skip = found.group(1), 1
    else:
        delimiter = sniff_delimiter(first)
    records = _records(path, delimiter, skip)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[2]):
        raise UnusableFile(f"{path} is empty: its first line should name the columns (title, problem, …).")
    rows = sum(1 for _ in records)
    return CsvFile(path=path, delimiter=delimiter, header=header[2], rows=rows, skip=skip)


def rows_of(csv_file: CsvFile) -> Iterator[tuple[str, list[str]]]:
    """(where, cells) of every record after the header; where is "line 7", or "line 9 (row 7)"
    when cells with line breaks make the file's lines and the spreadsheet's rows differ."""
    records = _records(csv_file.path, csv_file.delimiter, csv_file.skip)
    next(records, None)
    for line, row, cells in records:
        yield (f"line {line}" if line == row else f"line {line} (row {row})"), cells


# --- progress and the summary ----------------------------------------------------------------


class Progress:
    """A progress bar on `stream`: redrawn in place on a terminal, otherwise a line every 10%."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO, *, tty: bool | None = None) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.tty = stream.isatty() if tty is None else tty
        self._shown = 0

    def update(self, done: int) -> None:
        """`done` of the total are through."""
        percent = min(done * 100 // self.total, 100)
        if self.tty and percent != self._shown:
            filled = self.WIDTH * percent // 100
            bar = "█" * filled + "·" * (self.WIDTH - filled)
            self.stream.write(f"\rimporting {bar} {percent:3d}% ({done:,} of {self.total:,} rows)")
            self.stream.flush()
            self._shown = percent
        elif not self.tty and percent // 10 > self._shown // 10:
            self.stream.write(f"importing: {percent // 10 * 10}% ({done:,} of {self.total:,} rows)\n")
            self.stream.flush()
            self._shown = percent

    def finish(self) -> None:
        """End the redrawn line."""
        if self.tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class Tally:
    """What an import did, row by row, for its summary."""

    read: int = 0
    imported: int = 0
    flagged: int = 0
    imported_before: int = 0  # the same row (title and problem) was imported before
    already_stored: int = 0  # an idea with the same title and problem exists (not imported)
    repeated: int = 0  # an earlier row of this file has the same title and problem
    rejected: int = 0
    rejections: list[tuple[str, str]] = field(default_factory=list)  # the first few: (where, why)
    notes: dict[str, list[Note]] = field(default_factory=dict)  # kind -> the first few
    note_counts: dict[str, int] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        """Rows skipped because the idea is there already."""
        return self.imported_before + self.already_stored + self.repeated

    def reject(self, where: str, why: str) -> None:
        """Count a rejected row; remember the first few."""
        self.rejected += 1
        if len(self.rejections) < LIST_AT_MOST:
            self.rejections.append((where, why))

    def note(self, notes: Sequence[Note]) -> None:
        """Count the notes of an imported row; remember a few examples of each kind."""
        for note in notes:
            self.note_counts[note.kind] = self.note_counts.get(note.kind, 0) + 1
            examples = self.notes.setdefault(note.kind, [])
            if len(examples) < EXAMPLES_AT_MOST:
                examples.append(note)


def _more(shown: int, total: int) -> str:
    return f" … and {total - shown:,} more" if total > shown else ""


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def format_summary(tally: Tally, *, ignored: Sequence[str], dry_run: bool, accept_flagged: bool, seconds: float) -> str:
    """The report printed at the end of an import."""
    lines: list[str] = []
    if tally.rejections:
        hint = "" if accept_flagged else "; --accept-flagged imports rows that fail the problem gate, flagged"
        lines.append(f"Rejected rows (not imported{hint}):")
        lines += [f"  {where}: {why}" for where, why in tally.rejections]
        if tally.rejected > len(tally.rejections):
            lines.append(f"  … and {tally.rejected - len(tally.rejections):,} more")
    if tally.notes:
        lines.append("Notes on imported rows:")
        for kind, examples in tally.notes.items():
            count = tally.note_counts[kind]
            shown = ", ".join(f"{n.where}" + (f" (“{truncate(n.value, 40)}”)" if n.value else "") for n in examples)
            lines.append(
                f"  {NOTE_TEXT[kind]} — {count:,} row{'s' * (count != 1)}: {shown}{_more(len(examples), count)}"
            )
    verb = "would be imported" if dry_run else "imported"
    flagged = f" ({tally.flagged:,} flagged)" if tally.flagged else ""
    kinds = [
        (tally.imported_before, "imported before"),
        (tally.already_stored, "already in ideabot"),
        (tally.repeated, "repeated in this file"),
    ]
    why = ", ".join(f"{n:,} {what}" for n, what in kinds if n)
    lines += [
        "Summary" + (" (dry run: nothing was written)" if dry_run else "") + ":",
        f"  rows read: {tally.read:,}",
        f"  {verb}: {tally.imported:,}{flagged}",
        f"  duplicates skipped: {tally.duplicates:,}" + (f" ({why})" if why else ""),
        f"  rejected: {tally.rejected:,}",
        f"  ignored columns: {', '.join(ignored) if ignored else 'none'}",
        f"  time: {_duration(seconds)}",
    ]
    return "\n".join(lines)


def posting_note(count: int, *, post: bool, dry_run: bool) -> str:
    """What happens in Slack to the imported ideas."""
    if not count:
        return ""
    if not post:
        return (
            "Nothing is posted to Slack (--post posts their cards to the ideas channel): the ideas are in "
            "`/idea list` and `/idea search`, on the Home tab, in the digest and in `ideabot export`."
        )
    owed = "would be owed" if dry_run else "are owed"
    seconds = (count - 1) * POST_EVERY.total_seconds()
    return (
        f"{count:,} card{'s' * (count != 1)} {owed} to the ideas channel through the outbox: the running bot "
        f"(`ideabot run`) posts one every {POST_EVERY.total_seconds():.1f} s, within Slack's limit of about "
        f"one message a second, so posting takes about {_duration(seconds)}."
    )


# --- the commands ----------------------------------------------------------------------------


async def export_ideas(settings: Settings, path: str) -> int:
    """`ideabot export FILE`: every idea to a CSV file (`-`: standard output); exit status."""
    store = Store.from_url(settings.database_url)
    started = time.monotonic()
    try:
        await prepare_schema(store)
        if path == "-":
            try:
                count = await write_export(store, sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # `ideabot export - | head`: the reader has all it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 0
            print(f"Exported {count:,} ideas in {_duration(time.monotonic() - started)}.", file=sys.stderr)
            return 0
        target = Path(path)
        partial = target.with_name(target.name + ".part")  # a failed export leaves FILE as it was
        try:
            with partial.open("w", encoding="utf-8", newline="") as file:
                count = await write_export(store, file)
            partial.replace(target)
        except OSError as error:
            print(f"ideabot export: can't write {path}: {error.strerror or error}", file=sys.stderr)
            return 2
        finally:
            partial.unlink(missing_ok=True)
    finally:
        await store.close()
    print(f"Exported {count:,} ideas to {path} in {_duration(time.monotonic() - started)}.")
    return 0


async def write_export(store: Store, file: TextIO) -> int:
    """Write the header and every idea, `EXPORT_BATCH` at a time; how many ideas."""
    writer = csv.writer(file)
    writer.writerow(EXPORT_COLUMNS)
    count = after = 0
    while batch := await store.export_batch(after_id=after, limit=EXPORT_BATCH):
        writer.writerows(export_row(item) for item in batch)
        after = batch[-1].card.idea.id or after
        count += len(batch)
    return count


async def import_ideas(
    settings: Settings, path: str, *, dry_run: bool = False, accept_flagged: bool = False, post: bool = False
) -> int:
    """`ideabot import FILE`: exit status 0 when every row was imported or skipped as a duplicate,
    1 when some were rejected (the others are imported), 2 when the file can't be used."""
    started = time.monotonic()
    try:
        csv_file = inspect_csv(Path(path))
    except UnusableFile as error:
        print(f"ideabot import: {error}", file=sys.stderr)
        return 2
    columns = map_header(csv_file.header)
    if columns.missing:
        found = ", ".join(f"“{name.strip()}”" for name in csv_file.header if name.strip()) or "nothing"
        wanted = "; ".join(f"{name}: {', '.join(HEADER_ALIASES[name])}" for name in columns.missing)
        print(
            f"ideabot import: {path} has no {' and no '.join(columns.missing)} column. Its header row has {found}; "
            f"name the columns ({wanted}). See `ideabot import --help` for every column.",
            file=sys.stderr,
        )
        return 2
    delimiter = {"\t": "tabs", ",": "commas", ";": "semicolons"}.get(csv_file.delimiter, repr(csv_file.delimiter))
    print(f"Reading {path}: {csv_file.rows:,} rows, separated by {delimiter}.")
    print("Columns: " + ", ".join(f"“{columns.names[f]}” → {f}" for f in sorted(columns.index, key=columns.index.get)))
    if "affected" not in columns.index:
        print(
            "No column says who is affected (affected, who, customer…): every row fails the problem gate's "
            "“who has the problem” check."
        )
    if dry_run:
        print("Dry run: nothing will be written.")

    store = Store.from_url(settings.database_url, similar=SimilarIdeas)  # each row is compared by meaning
    try:
        await prepare_schema(store)
        importer = _Importer(store, csv_file, dry_run=dry_run, accept_flagged=accept_flagged, post=post)
        tally = await importer.run(columns)
    except UnusableFile as error:  # changed since it was checked
        print(f"ideabot import: {error}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    seconds = time.monotonic() - started
    print(
        format_summary(tally, ignored=columns.ignored, dry_run=dry_run, accept_flagged=accept_flagged, seconds=seconds)
    )
    note = posting_note(tally.imported, post=post, dry_run=dry_run)
    if note:
        print(note)
    return 1 if tally.rejected else 0


class _Importer:
    """One import's pass over the rows: checks, duplicates, batched writes, progress."""

    def __init__(self, store: Store, csv_file: CsvFile, *, dry_run: bool, accept_flagged: bool, post: bool) -> None:
        self.store = store
        self.csv_file = csv_file
        self.dry_run = dry_run
        self.accept_flagged = accept_flagged
        self.post = post
        self.tally = Tally()
        self.seen: set[str] = set()  # keys of this file's rows taken so far
        self.in_ideabot: set[str] = set()  # keys of the ideas that did not come from an import
        self.post_from: datetime | None = None

    async def run(self, columns: Columns) -> Tally:
        """Read, check and store every row, `IMPORT_BATCH` at a time; the tally."""
        self.in_ideabot = await self._keys_of_ideas_not_imported()
        if not self.dry_run:
            # Every row is compared with the open ideas by meaning: the model and the ideas' vectors
            # are read now, so the first batch (and the cards it owes) is not held up by them.
            await self.store.build_similar_index()
        total = self.csv_file.rows
        progress = Progress(total, sys.stderr) if total >= PROGRESS_FROM_ROWS else None
        now = utcnow()
        batch: list[RowReading] = []
        for done, (where, cells) in enumerate(rows_of(self.csv_file), start=1):
            if any(cell.strip() for cell in cells):
                source = f"{self.csv_file.path.name}, {where}"
                batch.append(
                    read_row(cells, columns, where=where, source=source, accept_flagged=self.accept_flagged, now=now)
                )
            if len(batch) >= IMPORT_BATCH:
                await self._settle(batch)
                batch = []
            if progress is not None:
                progress.update(done)
        await self._settle(batch)
        if progress is not None:
            progress.finish()
        return self.tally

    async def _keys_of_ideas_not_imported(self) -> set[str]:
        """The import keys of the ideas submitted in Slack, so importing an export of them adds nothing."""
        keys: set[str] = set()
        after = 0
        while batch := await self.store.ideas_without_import_key(after_id=after, limit=EXPORT_BATCH):
            keys.update(import_key(title, problem) for _, title, problem in batch)
            after = batch[-1][0]
        return keys

    async def _settle(self, readings: Sequence[RowReading]) -> None:
        """Skip the duplicates among a batch of rows (whether or not they pass the gate: the idea is
        there already), count the rejected ones, store the rest."""
        if not readings:
            return
        tally = self.tally
        before = await self.store.stored_import_keys(keys=[r.key for r in readings if r.key])
        take: list[RowReading] = []
        for reading in readings:
            tally.read += 1
            if reading.key in self.seen:
                tally.repeated += 1
            elif reading.key in before:
                tally.imported_before += 1
            elif reading.key in self.in_ideabot:
                tally.already_stored += 1
            elif reading.idea is None:
                tally.reject(reading.where, reading.rejection)
            else:
                self.seen.add(reading.key)
                take.append(reading)
        ideas = [r.idea for r in take if r.idea is not None]
        if self.dry_run or not ideas:
            inserted = {i.import_key for i in ideas}
        else:
            if self.post and self.post_from is None:
                self.post_from = utcnow()
            inserted = set(await self.store.import_ideas(ideas=ideas, post_from=self.post_from, post_every=POST_EVERY))
            if self.post_from is not None:
                self.post_from += len(inserted) * POST_EVERY
        tally.imported_before += len(ideas) - len(inserted)  # another import stored them meanwhile
        for reading in take:
            if reading.key in inserted and reading.idea is not None:
                tally.imported += 1
                tally.flagged += int(reading.flagged)
                tally.note(reading.notes)
