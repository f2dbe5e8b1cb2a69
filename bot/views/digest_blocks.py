"""The digest as Slack messages (pure): `render_digest(digest)` turns a composed `Digest`
(bot/domain/digest.py) into messages within Slack's limits, each section left out when it is empty."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject, PlainTextObject, SectionBlock

from bot.domain.digest import Digest, period_label
from bot.domain.digest_trend import Pipeline, change
from bot.domain.ideas import Status
from bot.views import Message, idea_link
from bot.views.slack_text import escape, mrkdwn, one_line, user_mention

SHOW_PER_SECTION = 15  # ideas listed per section before "…and N more"
OLDEST_WAITING_SHOWN = 3  # ideas waiting for triage listed under "What needs a decision", oldest first
MESSAGE_BLOCKS = 45  # blocks per message (Slack allows 50)
MESSAGE_CHARS = 11_000  # characters of block text per message (Slack refuses around 13k)
SECTION_CHARS = 2_900  # characters per section block (Slack allows 3000)


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
