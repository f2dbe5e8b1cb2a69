"""The idea card posted in the ideas channel (and updated in place), and the submitter's receipt (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

from bot.domain.ideas import Kind, Origin, Status, idea_ref
from bot.views.blocks import FALLBACK_MAX, FIELD_MAX, TITLE_MAX, Message, context, md, section
from bot.views.slack_text import escape, link, mrkdwn, one_line, truncate, user_mention
from models.store import CardData
from models.tables import Idea


def status_text(status: str) -> str:
    """A status as the card shows it: its emoji and label (an unknown one as it is)."""
    try:
        s = Status(status)
    except ValueError:
        return escape(status)
    return f"{s.emoji} {s.label}"


def idea_link(idea: Idea, *, with_title: bool = True, title_max: int = 80) -> str:
    """`IDEA-42: title` linked to the idea's card when it has one."""
    assert idea.id is not None
    label = idea_ref(idea.id) + (f": {truncate(one_line(idea.title), title_max)}" if with_title else "")
    return link(idea.card_permalink, label) if idea.card_permalink else escape(label)


def flag_lines(idea: Idea) -> list[str]:
    """The gate's flags, in words a reader understands."""
    lines = []
    if idea.problem_is_solution:
        quote = f": “{mrkdwn(idea.gate_quote, 200)}”" if idea.gate_quote else ""
        lines.append(f":warning: The problem reads like a solution{quote}")
    if idea.problem_is_vague:
        lines.append(":warning: The problem is vague")
    return lines


def build_idea_card(data: CardData, *, actions: Sequence[Block | dict[str, Any]] = ()) -> Message:
    """The card posted in the ideas channel (and updated in place), with `actions` at the bottom."""
    idea = data.idea
    assert idea.id is not None
    ref = idea_ref(idea.id)
    title = one_line(idea.title)
    blocks: list[Block | dict[str, Any]] = [
        section(f"*{ref}* · *{mrkdwn(title, TITLE_MAX)}*"),
        {
            "type": "section",
            "fields": [
                md(f"*Who is affected*\n{mrkdwn(idea.affected, FIELD_MAX - 40)}"),
                md(f"*Status*\n{status_text(idea.status)}"),
            ],
        },
        section(f"*Problem*\n{mrkdwn(idea.problem, 1800)}"),
    ]
    value = mrkdwn(idea.business_value, 900) if idea.business_value else "_Not stated_"
    blocks.append(section(f"*Business value*\n{value}"))
    if idea.evidence:
        blocks.append(section(f"*Evidence*\n{mrkdwn(idea.evidence, 600)}"))
    if idea.solution:
        blocks.append(section(f"*Proposed solution*\n{mrkdwn(idea.solution, 900)}"))

    origin = Origin(idea.origin).tag if idea.origin in Origin._value2member_map_ else escape(idea.origin)
    kind = Kind(idea.kind).tag if idea.kind in Kind._value2member_map_ else escape(idea.kind)
    meta = [f"`{origin}` `{kind}`", f"by {user_mention(idea.submitter_id)}"]
    if idea.source_permalink:
        meta.append(link(idea.source_permalink, "from a message"))
    meta.append(f":raised_hands: {data.supporters} supporter{'s' if data.supporters != 1 else ''}")
    if data.score_count:
        meta.append(
            f":bar_chart: {data.score_average:.1f}/5 from {data.score_count} lead{'s' * (data.score_count > 1)}"
        )
    if idea.sponsor_id:
        meta.append(f"sponsor {user_mention(idea.sponsor_id)}")
    if idea.partner_id:
        meta.append(f"tech partner {user_mention(idea.partner_id)}")
    lines: list[str] = [" · ".join(meta)]
    lines.extend(flag_lines(idea))
    if data.similar:
        lines.append(":mag: Similar to " + ", ".join(idea_link(i, title_max=60) for i in data.similar))
    if data.merged_into is not None:
        lines.append(f":twisted_rightwards_arrows: Merged into {idea_link(data.merged_into)}")
    blocks.append(context(lines))
    blocks.extend(actions)

    fallback = f"{ref}: {truncate(title, 120)} — {truncate(one_line(idea.problem), 160)}"
    return Message(text=mrkdwn(fallback, FALLBACK_MAX), blocks=blocks)


def build_receipt(data: CardData, *, card_queued: bool = False) -> Message:
    """The DM a submitter gets once the card is posted (or while Slack's pace still holds it)."""
    idea = data.idea
    assert idea.id is not None
    ref = idea_ref(idea.id)
    if idea.card_permalink:
        where = link(idea.card_permalink, "See the card")
    elif card_queued:
        where = f"Its card will be in the ideas channel shortly; `/idea show {ref}` has it now"
    else:
        where = "It is in the ideas channel"
    lines = [
        f":bulb: Thanks — *{ref}* “{mrkdwn(one_line(idea.title), TITLE_MAX)}” is in. {where}.",
        "Triage leads review new ideas in the card's thread; you'll get a message here when its status "
        "changes. Use `/idea mine` to see all your ideas.",
    ]
    flags = flag_lines(idea)
    if flags:
        lines.append("\n".join(flags) + "\n_Leads may ask you to restate the problem._")
    blocks: list[Block | dict[str, Any]] = [section(lines[0] + "\n" + lines[1])]
    if len(lines) > 2:
        blocks.append(section(lines[2]))
    if data.similar:
        named = "; ".join(f"{idea_link(i)} ({status_text(i.status)})" for i in data.similar)
        opening = "A similar idea already exists" if len(data.similar) == 1 else "Similar ideas already exist"
        blocks.append(
            section(
                f":mag: {opening}: {named}. They may state the same problem in other words: leads may merge "
                "them, and your support counts either way."
            )
        )
    text = f"Thanks — {ref} “{truncate(one_line(idea.title), 100)}” is in."
    return Message(text=mrkdwn(text, FALLBACK_MAX), blocks=blocks)
