"""What an import tells the person running it: a progress bar while it runs, the summary at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from bot.commands.spreadsheet.rows import Note
from bot.views import TITLE_MAX
from bot.views.slack_text import truncate

LIST_AT_MOST = 20  # rejected rows listed in the summary
EXAMPLES_AT_MOST = 5  # examples listed per kind of note

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


def format_duration(seconds: float) -> str:
    """A time as a person reads it: 4.2 s, 3 min 5 s, 2 h 10 min."""
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
        f"  time: {format_duration(seconds)}",
    ]
    return "\n".join(lines)
