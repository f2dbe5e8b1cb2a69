"""The weekly leadership digest (pure): compose it from the period's data.

`compose_digest(inputs, …)` turns what the store read (a bounded number of queries, see
`Store.digest_inputs`) into a `Digest` value; `render_digest(digest)` (bot/views/digest_blocks.py) turns
that into Slack messages within Slack's limits — the first posted in the digest channel, any more
in its thread.

Sections, each left out when empty: headline numbers, each with how it moved since the period
before, and the pipeline of the last 90 days; what needs a decision (the oldest ideas waiting for
triage longer than `stale_after_days`, accepted ideas missing a sponsor or a partner); shiny
objects with their reasons; what moved this period; most supported; the balance of
problem-first vs technology-first (and how that share moved) and invent vs adopt.
The week-over-week numbers come from bot/domain/digest_trend.py; the chart (bot/views/digest_chart.py) is
drawn from the same `Digest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.digest_trend import (
    PeriodCounts,
    Pipeline,
    ShareTrend,
    compose_pipeline,
    compose_share_trend,
    compose_trend,
    period_noun,
    shiny_checks_cut,
)
from bot.domain.ideas import Kind, Origin, Status
from bot.domain.shiny import ShinyInput, check_shiny
from models.store import DigestInputs
from models.tables import Activity, Idea

BALANCE_WINDOW_DAYS = 90  # the balance looks at ideas submitted in this many days
MIN_IDEAS_FOR_BALANCE = 5  # fewer ideas than this in the window: no warning (too few to judge)


@dataclass(frozen=True)
class Headline:
    """The period's numbers."""

    new: int
    triaged: int
    accepted: int
    shipped: int
    open_total: int


@dataclass(frozen=True)
class Balance:
    """Front-end vs back-end driven, invent vs adopt, over the balance window."""

    total: int
    problem_first: int
    technology_first: int
    invent: int
    adopt: int
    window_days: int
    warning: str = ""

    def share(self, part: int) -> float:
        """`part` as a share of the ideas with that answer."""
        return part / self.total if self.total else 0.0


@dataclass(frozen=True)
class Digest:
    """One composed digest."""

    period_start: datetime
    period_end: datetime
    timezone: str
    headline: Headline
    shiny: Sequence[tuple[Idea, tuple[str, ...]]] = ()
    shiny_total: int = 0
    stale: Sequence[tuple[Idea, int]] = ()  # (idea, days waiting)
    stale_total: int = 0
    stale_after_days: int = 7
    moves: Sequence[tuple[Activity, Idea]] = ()
    moves_total: int = 0
    supported: Sequence[tuple[Idea, int]] = ()
    balance: Balance | None = None
    gaps: Sequence[tuple[Idea, tuple[str, ...]]] = ()
    gaps_total: int = 0
    notes: Sequence[str] = field(default_factory=tuple)
    trend: Sequence[PeriodCounts] = ()  # the last periods, oldest first; the last is this one
    pipeline: Pipeline | None = None
    share_trend: ShareTrend | None = None

    @property
    def previous(self) -> PeriodCounts | None:
        """The period before this one, if the trend was read."""
        return self.trend[-2] if len(self.trend) > 1 else None


def compose_balance(rows: Sequence[tuple[str, str, int]], *, warn_below: float, window_days: int) -> Balance | None:
    """The balance section from (origin, kind, count) rows; a warning when invention is rare."""
    total = sum(count for _, _, count in rows)
    if not total:
        return None
    problem_first = sum(c for origin, _, c in rows if origin == Origin.PROBLEM)
    invent = sum(c for _, kind, c in rows if kind == Kind.INVENT)
    warning = ""
    if total >= MIN_IDEAS_FOR_BALANCE and invent / total < warn_below:
        warning = (
            f"Only adopting, never inventing: {invent / total:.0%} of ideas in the last {window_days} days "
            f"invent something new (warning below {warn_below:.0%}). Adopting is fine; only adopting stagnates."
        )
    return Balance(
        total=total,
        problem_first=problem_first,
        technology_first=total - problem_first,
        invent=invent,
        adopt=total - invent,
        window_days=window_days,
        warning=warning,
    )


def compose_digest(
    inputs: DigestInputs,
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    timezone: str = "UTC",
    stale_after_days: int = 7,
    invent_share_warning: float = 0.2,
) -> Digest:
    """The digest for [period_start, period_end), as of `now`."""
    shiny = []
    for idea in inputs.new_ideas:
        if idea.status == Status.MERGED:
            continue
        verdict = check_shiny(ShinyInput.of(idea))
        if verdict.is_shiny:
            shiny.append((idea, verdict.reasons))

    stale = [(idea, max(0, (now - idea.status_changed_at).days)) for idea in inputs.stale]
    gaps = []
    for idea in inputs.gaps:
        missing = tuple(
            name for name, who in (("business sponsor", idea.sponsor_id), ("tech partner", idea.partner_id)) if not who
        )
        if missing:
            gaps.append((idea, missing))

    notes = []
    if inputs.new_count > len(inputs.new_ideas):
        notes.append(
            f"Shiny objects were checked among the first {len(inputs.new_ideas)} of {inputs.new_count} new ideas."
        )
    trend: tuple[PeriodCounts, ...] = ()
    if inputs.trend is not None:
        current = (inputs.triaged, inputs.accepted, inputs.shipped)
        trend = compose_trend(inputs.trend, current_moves=current, current_shiny=[i.origin for i, _ in shiny])
        if shiny_checks_cut(inputs.trend):
            noun = period_noun(trend[0].start, trend[0].end)
            notes.append(
                f"On the chart, shiny objects were checked among the first {inputs.trend.shiny_limit:,} "
                f"new ideas of each earlier {noun}."
            )
    return Digest(
        period_start=period_start,
        period_end=period_end,
        timezone=timezone,
        headline=Headline(
            new=inputs.new_count,
            triaged=inputs.triaged,
            accepted=inputs.accepted,
            shipped=inputs.shipped,
            open_total=inputs.open_total,
        ),
        shiny=shiny,
        shiny_total=len(shiny),
        stale=stale,
        stale_total=inputs.stale_count,
        stale_after_days=stale_after_days,
        moves=list(inputs.moves),
        moves_total=inputs.moves_count,
        supported=[(idea, count) for idea, count in inputs.supported if count > 0],
        balance=compose_balance(inputs.balance, warn_below=invent_share_warning, window_days=BALANCE_WINDOW_DAYS),
        gaps=gaps,
        gaps_total=max(inputs.gaps_count, len(gaps)),
        notes=tuple(notes),
        trend=trend,
        pipeline=compose_pipeline(inputs.pipeline, window_days=BALANCE_WINDOW_DAYS),
        share_trend=compose_share_trend(trend),
    )


def period_label(digest: Digest) -> str:
    """The period a digest covers, as its heading says it: "3 – 9 Nov 2026"."""
    zone = ZoneInfo(digest.timezone)
    start = digest.period_start.astimezone(zone)
    end = (digest.period_end - timedelta(seconds=1)).astimezone(zone)
    if start.year != end.year:
        return f"{start:%-d %b %Y} – {end:%-d %b %Y}"
    if start.month != end.month:
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d} – {end:%-d %b %Y}"
