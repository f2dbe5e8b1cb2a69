"""Notices of what happened to an idea (pure): replies in its card's thread, and direct messages to
the people involved."""

from __future__ import annotations

import json
from collections.abc import Mapping

from slack_sdk.models.blocks import Block, ButtonElement, MarkdownTextObject, SectionBlock

from bot.domain.ideas import Status, idea_ref
from bot.ids import Action
from bot.views import Message, idea_link
from bot.views.slack_text import escape, mrkdwn, one_line, user_mention
from bot.views.triage.restate import idea_advice
from bot.views.triage.score import SCORE_QUESTIONS
from models.store import ActivityNotice
from models.tables import Activity, Idea


def status_label(value: str) -> str:
    """A status value as its label (an unknown one escaped as it is)."""
    return Status(value).label if value in Status._value2member_map_ else escape(value)


def _reason(text: str) -> str:
    return f": “{mrkdwn(one_line(text), 1500)}”" if text else "."


def _people(data: Mapping[str, str]) -> str:
    parts = []
    if data.get("sponsor"):
        parts.append(f"business sponsor {user_mention(data['sponsor'])}")
    if data.get("partner"):
        parts.append(f"tech partner {user_mention(data['partner'])}")
    return " and ".join(parts) or "no sponsor or partner"


def _load(value: str) -> dict:
    try:
        data = json.loads(value) if value else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def describe_activity(activity: Activity, idea: Idea, other: Idea | None = None) -> str:
    """One line of mrkdwn saying what happened, e.g. "<@U1> moved IDEA-42 to Declined: “…”"."""
    who = user_mention(activity.actor_id)
    ref = idea_link(idea, with_title=False)
    if activity.action == "status":
        if activity.to_value == Status.MERGED:
            target = idea_link(other, with_title=False) if other else "another idea"
            return f"{who} merged {ref} into {target}."
        return f"{who} moved {ref} to *{status_label(activity.to_value)}*{_reason(activity.reason)}"
    if activity.action == "assign":
        return f"{who} set {_people(_load(activity.to_value))} for {ref}."
    if activity.action == "score":
        scores = _load(activity.to_value)
        parts = [f"{label.lower()} {scores.get(block_id, '?')}" for block_id, label, _ in SCORE_QUESTIONS]
        return f"{who} scored {ref}: " + " · ".join(parts) + "."
    if activity.action == "restate":
        new = _load(activity.to_value).get("problem", "")
        return f"{who} restated the problem of {ref}; it is back to *New*:\n>{mrkdwn(one_line(new), 1500)}"
    if activity.action == "merged_in":
        source = idea_link(other, with_title=False) if other else f"IDEA-{escape(activity.from_value)}"
        return f"{who} merged {source} into {ref}; supporters are combined, each person counted once."
    if activity.action == "created":
        return f"{who} submitted {ref}."
    return f"{who} changed {ref}."


def summary(activity: Activity, idea: Idea, other: Idea | None = None) -> str:
    """A plain one-line summary (no user text) for notifications: the `text` fallback."""
    assert idea.id is not None
    ref = idea_ref(idea.id)
    other_ref = idea_ref(other.id) if other is not None and other.id is not None else "another idea"
    if activity.action == "status" and activity.to_value == Status.MERGED:
        return f"{ref} was merged into {other_ref}"
    if activity.action == "status":
        return f"{ref} moved to {status_label(activity.to_value)}"
    return {
        "assign": f"{ref}: business sponsor and tech partner updated",
        "score": f"{ref} was scored by a triage lead",
        "restate": f"{ref}: the problem was restated; back to New",
        "merged_in": f"{other_ref} was merged into {ref}",
    }.get(activity.action, f"{ref} was updated")


def build_thread_reply(notice: ActivityNotice) -> Message:
    """The reply posted in the card's thread for an activity."""
    line = describe_activity(notice.activity, notice.idea, notice.other)
    text = escape(summary(notice.activity, notice.idea, notice.other))
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=line))])


def build_dm(notice: ActivityNotice, role: str) -> Message:
    """The direct message about an activity, for the submitter, a new sponsor or a new partner."""
    activity, idea = notice.activity, notice.idea
    title = idea_link(idea)
    blocks: list[Block] = []
    if role == "sponsor":
        text = f"{user_mention(activity.actor_id)} made you the *business sponsor* of {title}. You own the need: "
        text += "is the problem real, and what is solving it worth?"
    elif role == "partner":
        text = f"{user_mention(activity.actor_id)} made you the *tech partner* of {title}. You own the how."
    elif activity.action == "merged_in":
        source = idea_link(notice.other) if notice.other else "another idea"
        text = f"{source} was merged into your idea {title} by {user_mention(activity.actor_id)}. "
        text += "Its supporters now count for yours."
    elif activity.action == "status" and activity.to_value == Status.MERGED:
        target = idea_link(notice.other) if notice.other else "another idea"
        text = f"Your idea {title} was merged into {target} by {user_mention(activity.actor_id)}: it names the same "
        text += "problem. Your supporters count there, and the discussion continues in its thread."
    elif activity.action == "status":
        text = f"Your idea {title} is now *{status_label(activity.to_value)}*. {describe_activity(activity, idea)}"
    else:
        text = f"News on your idea {title}: {describe_activity(activity, idea, notice.other)}"
    blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    if role == "submitter" and activity.action == "status" and activity.to_value == Status.NEEDS_PROBLEM:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=idea_advice(idea))))
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="Restate who has the problem and what goes wrong for them; the idea goes back to the "
                    "triage queue as soon as you send it."
                ),
                accessory=ButtonElement(
                    text="Restate the problem", action_id=Action.RESTATE, value=str(idea.id), style="primary"
                ),
            )
        )
    return Message(text=escape(summary(activity, idea, notice.other)), blocks=blocks)
