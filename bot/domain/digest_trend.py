"""The digest week over week (pure): the last periods' numbers, the pipeline, and the words for how they moved.

`compose_trend` turns what `models/digest_trend.read_trend` counted into one `PeriodCounts` a
period, oldest first, the last being the digest's own period; `compose_pipeline` the pipeline of
the ideas submitted in the balance window; `compose_share_trend` whether the problem-first share
rose or fell. The text digest (bot/domain/digest.py, rendered by bot/views/digest_blocks.py) and its chart
(bot/views/digest_chart.py) both read these.

Thresholds: the share trend compares the first half of the periods with the second, says nothing
when either half has fewer than `MIN_IDEAS_FOR_TREND` ideas, and calls a move of less than
`STEADY_POINTS` "held steady".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.ideas import Origin, Status
from bot.domain.shiny import ShinyInput, is_shiny
from models.digest_trend import TrendRows

TREND_PERIODS = 12  # periods on the chart and in the share trend, the digest's own included
MIN_IDEAS_FOR_TREND = 5  # fewer ideas than this in either half: no rise or fall is claimed
STEADY_POINTS = 0.05  # a share that moved less than this (5 percentage points) "held steady"


@dataclass(frozen=True)
class PeriodCounts:
    """One period's numbers."""

    start: datetime
    end: datetime
    problem_first: int = 0  # new ideas that started from a problem (front-end driven)
    technology_first: int = 0  # … from a technology (back-end driven)
    shiny_problem_first: int = 0  # of those, shiny objects
    shiny_technology_first: int = 0
    triaged: int = 0
    accepted: int = 0
    shipped: int = 0
    opened: int = 0  # ideas that became open (created, imported open, reopened)
    closed: int = 0  # ideas that were shipped, declined or merged

    @property
    def new(self) -> int:
        """New ideas in the period."""
        return self.problem_first + self.technology_first

    @property
    def shiny(self) -> int:
        """Shiny objects among them."""
        return self.shiny_problem_first + self.shiny_technology_first


@dataclass(frozen=True)
class Pipeline:
    """Where the ideas submitted in the window are now; each stage counts the ideas that reached it."""

    submitted: int
    triaged: int  # a lead decided something (needs a clearer problem included)
    accepted: int  # accepted, in progress or shipped
    in_progress: int  # in progress or shipped
    shipped: int
    parked: int
    declined: int
    window_days: int

    def stages(self) -> tuple[tuple[str, int], ...]:
        """(label, ideas) in the order of the funnel, then the side exits."""
        return (
            ("Submitted", self.submitted),
            ("Triaged", self.triaged),
            ("Accepted", self.accepted),
            ("In progress", self.in_progress),
            ("Shipped", self.shipped),
            ("Parked", self.parked),
            ("Declined", self.declined),
        )


@dataclass(frozen=True)
class ShareTrend:
    """The problem-first share in the first and the second half of the trend's periods."""

    earlier: float
    later: float
    half: int  # periods in each half
    noun: str  # "week", "month", …

    @property
    def direction(self) -> str:
        """ "rose", "fell" or "held steady"."""
        if abs(self.later - self.earlier) < STEADY_POINTS:
            return "held steady"
        return "rose" if self.later > self.earlier else "fell"

    def words(self) -> str:
        """The balance line's trend, e.g. "rose over the last 12 weeks: 52% in the first 6, 75% in the last 6"."""
        span = f"over the last {2 * self.half} {self.noun}s"
        return (
            f"The problem-first share {self.direction} {span}: {self.earlier:.0%} in the first {self.half}, "
            f"{self.later:.0%} in the last {self.half}"
        )


def change(now: int, before: int) -> str:
    """How a count moved since the period before: "▲ 5", "▼ 2" or "same"."""
    if now > before:
        return f"▲ {now - before:,}"
    if now < before:
        return f"▼ {before - now:,}"
    return "same"


def period_noun(start: datetime, end: datetime) -> str:
    """What to call a period this long: "day", "week", "month", or "period"."""
    days = (end - start).total_seconds() / 86400
    for noun, low, high in (("day", 0.9, 1.1), ("week", 6.5, 7.5), ("month", 27.5, 31.5)):
        if low <= days <= high:
            return noun
    return "period"


def _is_problem_first(origin: str) -> bool:
    return origin == Origin.PROBLEM  # as the balance counts: anything else started from a technology


def _shiny_input(fields: dict[str, object]) -> ShinyInput:
    values = {name: str(fields.get(name) or "") for name in ShinyInput.__dataclass_fields__}
    return ShinyInput(**{**values, "problem_is_solution": bool(fields.get("problem_is_solution"))})


def compose_trend(
    rows: TrendRows,
    *,
    current_moves: tuple[int, int, int],
    current_shiny: Sequence[str],
) -> tuple[PeriodCounts, ...]:
    """One `PeriodCounts` per period, oldest first.

    The last period is the digest's own: its triaged/accepted/shipped are the headline's
    (`current_moves`) and its shiny objects the ones the digest lists (their origins,
    `current_shiny`), so the chart and the text cannot disagree. Earlier periods' shiny objects
    are found by the same rule among the ideas `rows` carries.
    """
    count = len(rows.bounds) - 1
    new: list[Counter[bool]] = [Counter() for _ in range(count)]
    for period, origin, ideas in rows.new:
        new[period][_is_problem_first(origin)] += ideas
    shiny: list[Counter[bool]] = [Counter() for _ in range(count)]
    for period, fields in rows.shiny_fields:
        if period < count - 1 and is_shiny(_shiny_input(fields)):
            shiny[period][_is_problem_first(str(fields.get("origin")))] += 1
    shiny[-1] = Counter(_is_problem_first(origin) for origin in current_shiny)
    moves = {period: values for period, *values in rows.moves}
    periods = []
    for n in range(count):
        triaged, accepted, shipped, opened, closed = moves.get(n, (0, 0, 0, 0, 0))
        if n == count - 1:
            triaged, accepted, shipped = current_moves
        periods.append(
            PeriodCounts(
                start=rows.bounds[n],
                end=rows.bounds[n + 1],
                problem_first=new[n][True],
                technology_first=new[n][False],
                shiny_problem_first=shiny[n][True],
                shiny_technology_first=shiny[n][False],
                triaged=triaged,
                accepted=accepted,
                shipped=shipped,
                opened=opened,
                closed=closed,
            )
        )
    return tuple(periods)


def shiny_checks_cut(rows: TrendRows) -> bool:
    """Whether the shiny rule ran on only the first `rows.shiny_limit` ideas of some earlier period."""
    checked = Counter(period for period, _ in rows.shiny_fields)
    return rows.shiny_limit > 0 and any(n >= rows.shiny_limit for n in checked.values())


def compose_pipeline(rows: Sequence[tuple[str, int]], *, window_days: int) -> Pipeline | None:
    """The pipeline from (status, ideas) rows; None when nothing was submitted in the window."""
    by_status = Counter({status: ideas for status, ideas in rows})
    submitted = sum(by_status.values())
    if not submitted:
        return None
    shipped = by_status[Status.SHIPPED]
    in_progress = by_status[Status.IN_PROGRESS] + shipped
    return Pipeline(
        submitted=submitted,
        triaged=submitted - by_status[Status.NEW],
        accepted=by_status[Status.ACCEPTED] + in_progress,
        in_progress=in_progress,
        shipped=shipped,
        parked=by_status[Status.PARKED],
        declined=by_status[Status.DECLINED],
        window_days=window_days,
    )


def compose_share_trend(trend: Sequence[PeriodCounts]) -> ShareTrend | None:
    """The problem-first share, first half of the periods against the second; None if too few ideas."""
    half = len(trend) // 2
    if half < 2:
        return None
    earlier, later = trend[:half], trend[len(trend) - half :]
    earlier_new = sum(p.new for p in earlier)
    later_new = sum(p.new for p in later)
    if earlier_new < MIN_IDEAS_FOR_TREND or later_new < MIN_IDEAS_FOR_TREND:
        return None
    full = trend[-2] if len(trend) > 1 else trend[-1]  # the digest's own period may still be under way
    return ShareTrend(
        earlier=sum(p.problem_first for p in earlier) / earlier_new,
        later=sum(p.problem_first for p in later) / later_new,
        half=half,
        noun=period_noun(full.start, full.end),
    )
