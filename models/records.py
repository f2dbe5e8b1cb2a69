"""The plain values the store takes and returns (no sessions here): what callers import with it.

`models.store` re-exports every name, so `from models.store import CardData` keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.ideas import IdeaDraft, Status
from bot.domain.similar import content_words
from models.tables import Activity, Idea

if TYPE_CHECKING:
    from models.digest_trend import TrendRows


class OutboxKind:
    """What an outbox item asks the worker to do."""

    CARD = "card"  # post the idea's card, or update it in place once posted
    RECEIPT = "receipt"  # DM the submitter a receipt with a link to the card
    THREAD = "thread"  # a reply in the card's thread about an activity: {"activity": id}
    DIGEST = "digest"  # one message of a digest: {"run": key, "part": n}; parts > 0 go in part 0's thread
    DM = "dm"  # a direct message about an activity: {"activity": id, "user": U…, "role": …}
    DIGEST_CHART = "digest_chart"  # the digest's chart, uploaded after its first message: {"run": key, "chart": {…}}


class Role:
    """Whom a direct message about an activity is for."""

    SUBMITTER = "submitter"
    SPONSOR = "sponsor"
    PARTNER = "partner"


@dataclass(frozen=True)
class GateFlags:
    """What the problem gate flagged on an accepted idea."""

    problem_is_solution: bool = False
    problem_is_vague: bool = False
    quote: str = ""


@dataclass(frozen=True)
class Change:
    """The outcome of a triage write: applied, or why not."""

    applied: bool
    idea: Idea | None = None
    message: str = ""  # why nothing changed, in words for the person who asked
    duplicate: bool = False  # this very delivery was applied before
    activity_id: int | None = None


@dataclass(frozen=True)
class Completion:
    """An outbox item that reached Slack: where it went; for a new card, the idea it belongs to."""

    item_id: int
    channel: str = ""
    ts: str = ""
    card_idea_id: int | None = None
    permalink: str = ""


ALREADY_DONE = Change(False, message="This was already done.", duplicate=True)
ALREADY_SUPPORTED = "You already support it."


@dataclass(frozen=True)
class ActivityNotice:
    """An activity with its idea, as the outbox renders thread replies and DMs."""

    activity: Activity
    idea: Idea
    other: Idea | None  # the other idea of a merge


@dataclass(frozen=True)
class DigestInputs:
    """What the store read for one digest (every list already bounded)."""

    new_ideas: Sequence[Idea]
    new_count: int
    moves: Sequence[tuple[Activity, Idea]]  # the latest status changes, newest first
    moves_count: int
    triaged: int  # ideas that got a triage decision in the period (each counted once)
    accepted: int
    shipped: int
    stale: Sequence[Idea]
    stale_count: int
    supported: Sequence[tuple[Idea, int]]
    balance: Sequence[tuple[str, str, int]]  # (origin, kind, count) over the balance window
    gaps: Sequence[Idea]
    gaps_count: int
    open_total: int
    trend: TrendRows | None = None  # the last periods, oldest first (when the caller asked for them)
    pipeline: Sequence[tuple[str, int]] = ()  # (status, ideas) submitted in the balance window


@dataclass(frozen=True)
class CardData:
    """Everything an idea's card shows, read in one go."""

    idea: Idea
    supporters: int
    score_average: float | None
    score_count: int
    similar: tuple[Idea, ...]  # possibly the same problem, best first (at most three)
    merged_into: Idea | None


CLOSED_FOR_SIMILAR = (Status.MERGED, Status.DECLINED)  # ideas never named as similar


def parse_ids(text: str) -> list[int]:
    """ "12,40,7" -> [12, 40, 7] (anything else in it is skipped)."""
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def similar_columns(similar_ids: Sequence[int]) -> dict[str, object]:
    """An idea's columns naming the ideas that possibly state its problem, best first (`parse_ids` reads them)."""
    return {"similar_to_id": similar_ids[0] if similar_ids else None, "similar_ids": ",".join(map(str, similar_ids))}


# --- rows to insert as they are (the hottest and the bulk writes) -------------------------------


def idea_row(
    draft: IdeaDraft, flags: GateFlags, *, submitter_id: str, status: str, created_at: datetime, now: datetime, **more
) -> dict[str, object]:
    """An `ideas` row for what someone typed (a form or a CSV row) as the gate judged it; `more`
    sets other columns, the table's defaults fill the rest."""
    return {
        "title": draft.title,
        "affected": draft.affected,
        "problem": draft.problem,
        "problem_key": content_words(draft.problem),
        "evidence": draft.evidence,
        "business_value": draft.business_value,
        "solution": draft.solution,
        "origin": str(draft.origin or "problem"),
        "kind": str(draft.kind or "invent"),
        "submitter_id": submitter_id,
        "status": str(status),
        "problem_is_solution": flags.problem_is_solution,
        "problem_is_vague": flags.problem_is_vague,
        "gate_quote": flags.quote,
        "created_at": created_at,
        "updated_at": now,
        "status_changed_at": created_at,
        **more,
    }


def activity_row(
    idea_id: int, actor_id: str, action: str, to_value: str, now: datetime, reason: str = ""
) -> dict[str, object]:
    """An `activities` row to insert as it is (the table's defaults fill the other columns):
    for the bulk writes, where building model objects costs more than the SQL."""
    return {
        "idea_id": idea_id,
        "actor_id": actor_id,
        "action": action,
        "to_value": to_value,
        "reason": reason,
        "created_at": now,
    }


def outbox_row(kind: str, idea_id: int, *, due: datetime, now: datetime) -> dict[str, object]:
    """An `outbox` row owing `kind` for an idea, due at `due` (see `activity_row`)."""
    return {"kind": kind, "idea_id": idea_id, "payload": "{}", "next_attempt_at": due, "created_at": now}


# --- CSV import and export (`ideabot export` / `ideabot import`, see bot/commands/spreadsheet/) ---------


@dataclass(frozen=True)
class ExportedIdea:
    """One idea as `ideabot export` writes it: what its card shows, and who supports it."""

    card: CardData
    supporter_ids: tuple[str, ...]


@dataclass(frozen=True)
class IdeaImport:
    """One CSV row, ready to store as an idea (see bot/commands/spreadsheet/)."""

    import_key: str  # the row's identity: a re-import of the same row adds nothing
    draft: IdeaDraft
    flags: GateFlags
    status: str
    submitter_id: str
    created_at: datetime
    sponsor_id: str = ""
    partner_id: str = ""
    source: str = ""  # where it came from, e.g. "ideas.csv, line 7" (the activity's reason)

    def row(self, now: datetime) -> dict[str, object]:
        """The `ideas` row to insert (the table's defaults fill the other columns)."""
        return idea_row(
            self.draft,
            self.flags,
            submitter_id=self.submitter_id,
            status=self.status,
            created_at=self.created_at,
            now=now,
            sponsor_id=self.sponsor_id,
            partner_id=self.partner_id,
            import_key=self.import_key,
        )
