"""The weekly leadership digest (pure): compose it from the period's data, render it for Slack.

`compose_digest(inputs, …)` turns what the store read (a bounded number of queries, see
`Store.digest_inputs`) into a `Digest` value; `render_digest(digest)` turns that into Slack
messages within Slack's limits — the first posted in the digest channel, any more in its thread.

Sections, each left out when empty: headline numbers, each with how it moved since the period
before, and the pipeline of the last 90 days; what needs a decision (the oldest ideas waiting for
triage longer than `stale_after_days`, accepted ideas missing a sponsor or a partner); shiny
objects with their reasons; what moved this period; most supported; the balance of
problem-first vs technology-first (and how that share moved) and invent vs adopt.
The week-over-week numbers come from bot/digest_trend.py; the chart (bot/digest_chart.py) is
drawn from the same `Digest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.digest_trend import (
    PeriodCounts,
    Pipeline,
    ShareTrend,
    change,
    compose_pipeline,
    compose_share_trend,
    compose_trend,
    period_noun,
    shiny_checks_cut,
)
from bot.domain import Kind, Origin, Status
from bot.shiny import ShinyInput, check_shiny
from bot.slack_text import escape, mrkdwn, one_line, user_mention
from bot.views import Message, idea_link
from models.store import DigestInputs
from models.tables import Activity, Idea

SHOW_PER_SECTION = 15  # ideas listed per section before "…and N more"
OLDEST_WAITING_SHOWN = 3  # ideas waiting for triage listed under "What needs a decision", oldest first
BALANCE_WINDOW_DAYS = 90  # the balance looks at ideas submitted in this many days
MIN_IDEAS_FOR_BALANCE = 5  # fewer ideas than this in the window: no warning (too few to judge)
MESSAGE_BLOCKS = 45  # blocks per message (Slack allows 50)
MESSAGE_CHARS = 11_000  # characters of block text per message (Slack refuses around 13k)
SECTION_CHARS = 2_900  # characters per section block (Slack allows 3000)


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


# --- rendering -----------------------------------------------------------------------------------


def period_label(digest: Digest) -> str:
    zone = ZoneInfo(digest.timezone)
    start = digest.period_start.astimezone(zone)
    end = (digest.period_end - timedelta(seconds=1)).astimezone(zone)
    if start.year != end.year:
        return f"{start:%-d %b %Y} – {end:%-d %b %Y}"
    if start.month != end.month:
        return f"{start:%-d %b} – {end:%-d %b %Y}"
    return f"{start:%-d} – {end:%-d %b %Y}"


def _status(value: str) -> str:
    return Status(value).label if value in Status._value2member_map_ else escape(value)


def _more(shown: int, total: int) -> list[str]:
    return [f"_…and {total - shown} more_"] if total > shown else []


def _section(title: str, lines: Sequence[str], intro: str = "") -> list[Block]:
    """A titled section whose lines are packed into as few ≤ 3000-character blocks as fit."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=title))]
    if intro:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=intro)]))
    chunk: list[str] = []
    for line in lines:
        line = line if len(line) <= SECTION_CHARS else line[: SECTION_CHARS - 1] + "…"
        if chunk and sum(len(x) + 1 for x in chunk) + len(line) > SECTION_CHARS:
            blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
    return blocks


def _count(name: str, now: int, before: int | None) -> MarkdownTextObject:
    moved = f" ({change(now, before)})" if before is not None else ""
    return MarkdownTextObject(text=f"*{name}*\n{now:,}{moved}")


def _headline_blocks(digest: Digest) -> list[Block]:
    """The title, the period's counts (each with how it moved since the period before) and the pipeline."""
    h, before = digest.headline, digest.previous
    opened_net = digest.trend[-1].opened - digest.trend[-1].closed if digest.trend else 0
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"Ideas digest · {period_label(digest)}")),
        SectionBlock(
            fields=[
                _count("New", h.new, before.new if before else None),
                _count("Triaged", h.triaged, before.triaged if before else None),
                _count("Accepted", h.accepted, before.accepted if before else None),
                _count("Shipped", h.shipped, before.shipped if before else None),
                _count("Open in total", h.open_total, h.open_total - opened_net if before else None),
            ]
        ),
    ]
    if digest.pipeline is not None:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=pipeline_line(digest.pipeline))))
    return blocks


def pipeline_line(p: Pipeline) -> str:
    """The pipeline in one line, the same numbers as the chart's right-hand side."""
    funnel = " → ".join(f"{count:,} {label.lower()}" for label, count in p.stages()[:5])
    return (
        f":bar_chart: *Pipeline, last {p.window_days} days:* {funnel} · {p.parked:,} parked · {p.declined:,} declined"
    )


def _decision_blocks(digest: Digest) -> list[Block]:
    """What needs a decision: the oldest ideas waiting for triage, and accepted ideas missing a partner."""
    lines: list[str] = []
    if digest.stale:
        shown = digest.stale[:OLDEST_WAITING_SHOWN]
        oldest = f" · the {len(shown)} oldest" if digest.stale_total > len(shown) else ""
        lines.append(f"*Waiting for triage more than {digest.stale_after_days} days: {digest.stale_total:,}*{oldest}")
        lines += [
            f"• {idea_link(idea)} · {_status(idea.status)} for {days} day{'s' * (days != 1)}" for idea, days in shown
        ]
        lines += _more(len(shown), digest.stale_total)
    if digest.gaps:
        shown_gaps = digest.gaps[:SHOW_PER_SECTION]
        lines.append(
            "*Partnership gaps:* accepted ideas need a business sponsor (the need) and a tech partner (the how)"
        )
        lines += [
            f"• {idea_link(idea)} · {_status(idea.status)} · no {' and no '.join(missing)}"
            for idea, missing in shown_gaps
        ]
        lines += _more(len(shown_gaps), digest.gaps_total)
    return _section(":point_right: What needs a decision", lines) if lines else []


def _shiny_blocks(digest: Digest) -> list[Block]:
    if not digest.shiny:
        return []
    lines = [f"• {idea_link(idea)} — {escape('; '.join(reasons))}" for idea, reasons in digest.shiny[:SHOW_PER_SECTION]]
    return _section(
        ":sparkles: Shiny objects",
        lines + _more(min(len(digest.shiny), SHOW_PER_SECTION), digest.shiny_total),
        "New ideas that state no business need and start from a technology, or whose problem is a solution.",
    )


def _moves_blocks(digest: Digest) -> list[Block]:
    if not digest.moves:
        return []
    shown = digest.moves[:SHOW_PER_SECTION]
    lines = []
    for activity, idea in shown:
        reason = f": “{mrkdwn(one_line(activity.reason), 200)}”" if activity.reason else ""
        lines.append(
            f"• {idea_link(idea)} → *{_status(activity.to_value)}* by {user_mention(activity.actor_id)}{reason}"
        )
    return _section(":arrows_counterclockwise: Moved this period", lines + _more(len(shown), digest.moves_total))


def _supported_blocks(digest: Digest) -> list[Block]:
    if not digest.supported:
        return []
    lines = [
        f"• {idea_link(idea)} · {count} supporter{'s' * (count != 1)} · {_status(idea.status)}"
        for idea, count in digest.supported
    ]
    return _section(":raised_hands: Most supported", lines)


def _balance_blocks(digest: Digest) -> list[Block]:
    b = digest.balance
    if b is None:
        return []
    lines = [
        f"• *{b.share(b.problem_first):.0%} problem-first* (front-end driven) · "
        f"{b.share(b.technology_first):.0%} technology-first (back-end driven)",
    ]
    if digest.share_trend is not None:
        lines.append(f"• {digest.share_trend.words()}")
    lines.append(
        f"• *{b.share(b.invent):.0%} invent* something new · {b.share(b.adopt):.0%} adopt something that exists"
    )
    if b.warning:
        lines.append(f":warning: {escape(b.warning)}")
    return _section(
        ":scales: Balance", lines, f"{b.total} idea{'s' * (b.total != 1)} submitted in the last {b.window_days} days"
    )


def digest_blocks(digest: Digest) -> list[Block]:
    """Every block of the digest, in order (split into messages by `render_digest`)."""
    blocks = _headline_blocks(digest) + _decision_blocks(digest)
    blocks += _shiny_blocks(digest) + _moves_blocks(digest) + _supported_blocks(digest) + _balance_blocks(digest)
    quiet = not (digest.shiny or digest.stale or digest.moves or digest.supported or digest.gaps)
    if quiet and not digest.headline.new:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="A quiet period: no new ideas and nothing moved.")))
    if digest.notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(n)) for n in digest.notes]))
    return blocks


def _block_chars(block: Block) -> int:
    return len(str(block.to_dict()))


def render_digest(digest: Digest) -> list[Message]:
    """The digest as Slack messages: the first for the channel, the rest for its thread.

    Each message stays under `MESSAGE_BLOCKS` blocks and `MESSAGE_CHARS` characters, and a
    section's header never ends a message on its own.
    """
    h = digest.headline
    summary = (
        f"Ideas digest for {period_label(digest)}: {h.new} new, {h.triaged} triaged, {h.accepted} accepted, "
        f"{h.shipped} shipped, {h.open_total} open"
    )
    if digest.shiny_total:
        summary += f", {digest.shiny_total} shiny object{'s' * (digest.shiny_total != 1)}"
    messages: list[list[Block]] = [[]]
    size = 0
    blocks = digest_blocks(digest)
    for index, block in enumerate(blocks):
        chars = _block_chars(block)
        ends_with_header = isinstance(block, HeaderBlock) and index + 1 < len(blocks)
        room_blocks = MESSAGE_BLOCKS - (1 if ends_with_header else 0)
        if messages[-1] and (len(messages[-1]) >= room_blocks or size + chars > MESSAGE_CHARS):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += chars
    total = len(messages)
    rendered = []
    for number, message_blocks in enumerate(messages, start=1):
        text = summary if number == 1 else f"Ideas digest, part {number} of {total}"
        if total > 1 and number == 1:
            message_blocks.append(
                ContextBlock(elements=[MarkdownTextObject(text=f"Continued in the thread ({total - 1} more).")])
            )
        rendered.append(Message(text=text, blocks=message_blocks))
    return rendered
