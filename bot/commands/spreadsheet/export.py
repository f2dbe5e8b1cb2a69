"""`ideabot export FILE`: one row per idea (`EXPORT_COLUMNS`), `EXPORT_BATCH` ideas at a time,
with every cell a spreadsheet would run as a formula neutralised by a leading apostrophe."""

from __future__ import annotations

import csv
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.commands.spreadsheet.report import format_duration
from bot.commands.spreadsheet.rows import neutralise
from bot.config import Settings
from bot.domain.ideas import idea_ref
from bot.domain.shiny import ShinyInput, check_shiny
from models.schema import prepare_schema
from models.store import ExportedIdea, Store

EXPORT_BATCH = 1000  # ideas per read while exporting

EXPORT_COLUMNS = tuple(
    """
    ref title affected problem evidence business_value solution origin kind status submitter sponsor partner
    supporters supporter_ids score score_count problem_is_solution problem_is_vague shiny merged_into
    card_permalink created_at updated_at
    """.split()
)


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
            print(f"Exported {count:,} ideas in {format_duration(time.monotonic() - started)}.", file=sys.stderr)
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
    print(f"Exported {count:,} ideas to {path} in {format_duration(time.monotonic() - started)}.")
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
