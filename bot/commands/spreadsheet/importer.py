"""`ideabot import FILE`: every row through the problem gate, duplicates skipped, `IMPORT_BATCH` rows per
transaction; with --post, the imported cards owed to the ideas channel at Slack's pace."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from bot.commands.spreadsheet.columns import HEADER_ALIASES, Columns, map_header
from bot.commands.spreadsheet.csvfile import CsvFile, UnusableFile, inspect_csv, rows_of
from bot.commands.spreadsheet.export import EXPORT_BATCH
from bot.commands.spreadsheet.report import Progress, Tally, format_duration, format_summary
from bot.commands.spreadsheet.rows import RowReading, import_key, read_row
from bot.config import Settings
from bot.judgment.similar_ideas import SimilarIdeas
from models.schema import prepare_schema
from models.store import Store
from models.tables import utcnow

IMPORT_BATCH = 500  # rows per write transaction while importing
PROGRESS_FROM_ROWS = 500  # files with at least this many rows show a progress bar

POST_EVERY = timedelta(seconds=1.1)  # Slack's chat.postMessage allows about one message a second per channel


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
        f"one message a second, so posting takes about {format_duration(seconds)}."
    )


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
