"""The digest's week-over-week numbers: a fixed number of grouped queries, whatever the data.

`read_trend` counts, for each of the periods between consecutive `bounds`, the new ideas by
origin, the ideas triaged, accepted and shipped, and how many ideas became open or closed; and it
reads the fields the shiny-object rule needs for the ideas of every period but the last (the
digest checks the last period's new ideas itself), at most `shiny_limit` a period.
`read_pipeline` counts the ideas submitted in a window by where they are now.

Called by `Store.digest_inputs` inside its read session (the store is what opens sessions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.ideas import Status
from bot.domain.triage import CLOSED, TRIAGE_DECISIONS
from models.tables import Activity, Idea

_CLOSED = [s.value for s in CLOSED]
_DECIDED = [s.value for s in TRIAGE_DECISIONS]


@dataclass(frozen=True)
class TrendRows:
    """What `read_trend` read; periods are numbered from 0 (the oldest)."""

    bounds: tuple[datetime, ...]  # period n is [bounds[n], bounds[n + 1])
    new: Sequence[tuple[int, str, int]] = ()  # (period, origin, ideas created)
    moves: Sequence[tuple[int, int, int, int, int, int]] = ()  # (period, triaged, accepted, shipped, opened, closed)
    shiny_fields: Sequence[tuple[int, dict[str, object]]] = ()  # (period, the shiny rule's fields of one idea)
    shiny_limit: int = 0  # ideas a period whose fields were read, at most


SHINY_FIELDS = (
    "origin",
    "problem",
    "affected",
    "business_value",
    "evidence",
    "problem_is_solution",
    "gate_quote",
    "title",
    "solution",
)  # bot.domain.shiny.ShinyInput's fields (a test keeps the two in step)


def _period_of(column, bounds: Sequence[datetime]):
    """The number of the period a time falls in (the caller keeps it within the bounds)."""
    return case(*[(column < bound, n) for n, bound in enumerate(bounds[1:-1])], else_=len(bounds) - 2)


async def read_trend(session: AsyncSession, *, bounds: Sequence[datetime], shiny_limit: int) -> TrendRows:
    """Three grouped queries over the periods between `bounds` (ascending, at least two)."""
    bounds = tuple(bounds)
    first, last = bounds[0], bounds[-1]
    created = select(_period_of(col(Idea.created_at), bounds).label("period"), col(Idea.origin).label("origin")).where(
        col(Idea.created_at) >= first, col(Idea.created_at) < last
    )
    created = created.subquery()
    new = (
        await session.exec(
            select(created.c.period, created.c.origin, func.count()).group_by(created.c.period, created.c.origin)
        )
    ).all()

    acts = (
        select(
            _period_of(col(Activity.created_at), bounds).label("period"),
            col(Activity.idea_id).label("idea_id"),
            col(Activity.action).label("action"),
            col(Activity.from_value).label("was"),
            col(Activity.to_value).label("now"),
        )
        .where(col(Activity.created_at) >= first, col(Activity.created_at) < last)
        .subquery()
    )
    moved = acts.c.action == "status"

    def ideas_moved_to(values: list[str]):
        return func.count(distinct(case((and_(moved, acts.c.now.in_(values)), acts.c.idea_id))))

    # An idea becomes open when it is created, imported open, or reopened; closed when it moves to
    # shipped, declined or merged. Counted by when it happened, so "Open in total" moves by their difference.
    opened = case(
        (acts.c.action == "created", 1),
        (and_(acts.c.action == "imported", acts.c.now.not_in(_CLOSED)), 1),
        (and_(moved, acts.c.was.in_(_CLOSED), acts.c.now.not_in(_CLOSED)), 1),
        else_=0,
    )
    closed = case((and_(moved, acts.c.was.not_in(_CLOSED), acts.c.now.in_(_CLOSED)), 1), else_=0)
    moves = (
        await session.exec(
            select(
                acts.c.period,
                ideas_moved_to(_DECIDED),
                ideas_moved_to([Status.ACCEPTED.value]),
                ideas_moved_to([Status.SHIPPED.value]),
                func.sum(opened),
                func.sum(closed),
            ).group_by(acts.c.period)
        )
    ).all()

    shiny_fields: list[tuple[int, dict[str, object]]] = []
    if len(bounds) > 2:
        before_last = bounds[-2]
        earlier = (
            select(
                _period_of(col(Idea.created_at), bounds).label("period"),
                *(getattr(Idea, name) for name in SHINY_FIELDS),
                func.row_number()
                .over(partition_by=_period_of(col(Idea.created_at), bounds), order_by=col(Idea.id))
                .label("nth"),
            )
            .where(col(Idea.created_at) >= first, col(Idea.created_at) < before_last, Idea.status != Status.MERGED)
            .subquery()
        )
        rows = await session.exec(
            select(earlier.c.period, *(earlier.c[name] for name in SHINY_FIELDS)).where(earlier.c.nth <= shiny_limit)
        )
        shiny_fields = [(int(row[0]), dict(zip(SHINY_FIELDS, row[1:], strict=True))) for row in rows.all()]
    return TrendRows(
        bounds=bounds,
        new=[(int(p), str(o), int(n)) for p, o, n in new],
        moves=[(int(p), int(t), int(a), int(s), int(o or 0), int(c or 0)) for p, t, a, s, o, c in moves],
        shiny_fields=shiny_fields,
        shiny_limit=shiny_limit,
    )


async def read_pipeline(session: AsyncSession, *, since: datetime, until: datetime) -> list[tuple[str, int]]:
    """(status, ideas) for the ideas submitted in [since, until), merged ones left out."""
    rows = await session.exec(
        select(Idea.status, func.count())
        .where(col(Idea.created_at) >= since, col(Idea.created_at) < until, Idea.status != Status.MERGED)
        .group_by(Idea.status)
    )
    return [(str(status), int(count)) for status, count in rows.all()]
