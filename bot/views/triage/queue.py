"""Lists for triage (pure): an idea's history and discussion, and the leads' queue."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.views import idea_link
from bot.views.slack_text import mrkdwn, one_line, truncate, user_mention
from bot.views.triage.actions import build_triage_actions
from bot.views.triage.notices import describe_activity, status_label
from models.tables import Activity, Comment, Idea


def history_lines(activities: Sequence[Activity], idea: Idea) -> list[str]:
    """Recent decisions, newest first."""
    return [
        f"• {a.created_at:%d %b} — {describe_activity(a, idea)}"
        for a in activities
        if a.action in ("status", "assign", "score", "restate", "merged_in")
    ]


def comment_lines(comments: Sequence[Comment]) -> list[str]:
    """Latest thread replies, newest first."""
    return [
        f"• {user_mention(c.user_id)}: " + ("_deleted a reply_" if c.deleted else mrkdwn(one_line(c.text), 300))
        for c in comments
    ]


def build_detail_extras(activities: Sequence[Activity], comments: Sequence[Comment], idea: Idea) -> list[Block]:
    """The "Recent decisions" and "Latest replies" sections of `/idea show`."""
    blocks: list[Block] = []
    history = history_lines(activities, idea)
    if history:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=truncate("*Recent decisions*\n" + "\n".join(history), 2900)))
        )
    replies = comment_lines(comments)
    if replies:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=truncate("*Latest replies*\n" + "\n".join(replies), 2900)))
        )
    if not history and not replies:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="No decisions or replies yet.")]))
    return blocks


def build_queue_blocks(queue: Sequence[Idea], *, limit: int = 15) -> list[Block]:
    """The leads' triage queue for the App Home: each idea with the card's actions."""
    if not queue:
        return [SectionBlock(text=MarkdownTextObject(text="Nothing waiting for triage. :tada:"))]
    blocks: list[Block] = []
    for idea in list(queue)[:limit]:
        assert idea.id is not None
        summary = (
            f"{idea_link(idea)} · {status_label(idea.status)} · since {idea.created_at:%d %b}\n"
            f"*{mrkdwn(one_line(idea.affected), 200)}*: {mrkdwn(one_line(idea.problem), 400)}"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=summary)))
        blocks.extend(build_triage_actions(idea, block_id=f"triage-{idea.id}"))
    if len(queue) > limit:
        more = len(queue) - limit
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {more} more waiting, oldest first.")]))
    return blocks
