"""Block Kit for triage (pure): card actions, triage modals, notices, the leads' queue."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.coach import restate_advice
from bot.domain import Status, idea_ref
from bot.ids import Action
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.problem import read_problem
from bot.slack_text import escape, mrkdwn, one_line, truncate, user_mention
from bot.triage import MOVES, REASON_REQUIRED
from bot.views import Message, button, idea_link, plain
from models.store import ActivityNotice
from models.tables import Activity, Comment, Idea, Score

# --- card actions ----------------------------------------------------------------------------

DECISION_BUTTONS = (
    (Status.ACCEPTED, "Accept", Action.ACCEPT, "primary"),
    (Status.NEEDS_PROBLEM, "Needs problem", Action.NEEDS_PROBLEM, None),
    (Status.PARKED, "Park", Action.PARK, None),
    (Status.DECLINED, "Decline", Action.DECLINE, "danger"),
)
ACTION_TO_STATUS = {action: status for status, _, action, _ in DECISION_BUTTONS}
MORE_MOVES = (
    (Status.UNDER_REVIEW, "Move to Under review"),
    (Status.IN_PROGRESS, "Move to In progress"),
    (Status.SHIPPED, "Mark as Shipped"),
)
MERGE_OPTION = "merge"


def build_triage_actions(idea: Idea, *, block_id: str = "triage") -> list[dict[str, Any]]:
    """The card's buttons: decisions that are possible from the current status, then the rest."""
    assert idea.id is not None
    if idea.status == Status.MERGED:
        return []
    value = str(idea.id)
    current = Status(idea.status) if idea.status in Status._value2member_map_ else Status.NEW
    moves = MOVES[current]
    elements = [
        button(label, action, value, style) for status, label, action, style in DECISION_BUTTONS if status in moves
    ]
    elements += [
        button("Assign…", Action.ASSIGN, value),
        button("Score…", Action.SCORE, value),
        button("Support", Action.SUPPORT, value),
    ]
    options = [{"text": plain(label), "value": f"{idea.id}:{s.value}"} for s, label in MORE_MOVES if s in moves]
    options.append({"text": plain("Merge into another idea…"), "value": f"{idea.id}:{MERGE_OPTION}"})
    elements.append({"type": "overflow", "action_id": Action.MORE, "options": options})
    return [{"type": "actions", "block_id": block_id, "elements": elements}]


# --- modals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageContext:
    """What a triage modal carries between opening and submission (private_metadata)."""

    idea_id: int
    status: str = ""  # the decision a DECISION modal records
    channel: str = ""  # where to answer ephemerally (the card's channel), "" from the App Home
    from_home: bool = False

    def encode(self) -> str:
        """JSON for private_metadata."""
        return json.dumps(
            {"idea": self.idea_id, "to": self.status, "ch": self.channel, "home": self.from_home},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, raw: object) -> TriageContext | None:
        """Read private_metadata back; None when it is not one of ours."""
        try:
            data = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("idea"), int):
            return None
        return cls(
            idea_id=data["idea"],
            status=str(data.get("to") or ""),
            channel=str(data.get("ch") or ""),
            from_home=bool(data.get("home")),
        )


_DECISION_TITLES = {
    Status.ACCEPTED: "Accept idea",
    Status.NEEDS_PROBLEM: "Needs a clearer problem",
    Status.PARKED: "Park idea",
    Status.DECLINED: "Decline idea",
}
_REASON_LABELS = {
    Status.ACCEPTED: "A note for the submitter (optional)",
    Status.NEEDS_PROBLEM: "What is missing from the problem?",
    Status.PARKED: "Why park it, and until when?",
    Status.DECLINED: "Why decline it?",
}


def build_decision_modal(context: TriageContext) -> View:
    """Ask the lead for the reason behind a decision (required for decline, park, needs problem)."""
    status = Status(context.status)
    required = status in REASON_REQUIRED
    return View(
        type="modal",
        callback_id=ViewId.DECISION,
        title=_DECISION_TITLES.get(status, "Move idea"),
        submit="Save",
        close="Cancel",
        private_metadata=context.encode(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{idea_ref(context.idea_id)}* → *{status.label}*. The submitter gets your words "
                    "by direct message, and they appear in the card's thread."
                )
            ),
            InputBlock(
                block_id=B.REASON,
                label=_REASON_LABELS.get(status, "Why? (optional)"),
                optional=not required,
                element=PlainTextInputElement(
                    action_id=B.REASON,
                    multiline=True,
                    max_length=2000,
                    placeholder="Be specific: this is what the submitter will read",
                ),
            ),
        ],
    )


def build_loading_modal(*, title: str, callback_id: str, context: TriageContext, text: str = "") -> View:
    """A modal opened at once (a trigger id lives 3 s), updated with its form a moment later.

    With `text`, a modal that only says something (e.g. why the form can't be shown).
    """
    return View(
        type="modal",
        callback_id=callback_id,
        title=title,
        close="Close" if text else "Cancel",
        private_metadata=context.encode(),
        blocks=[SectionBlock(text=MarkdownTextObject(text=escape(text) or f"Loading *{idea_ref(context.idea_id)}*…"))],
    )


def build_already_supported(idea_id: int) -> Message:
    """Said to someone who presses Support again: counted once, and a way to take it back."""
    text = f"Your support for {idea_ref(idea_id)} is already counted (once per person)."
    button = ButtonElement(text="Withdraw my support", action_id=Action.WITHDRAW_SUPPORT, value=str(idea_id))
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text), accessory=button)])


def build_assign_modal(context: TriageContext, idea: Idea) -> View:
    """Pick the business sponsor and the tech partner."""
    return View(
        type="modal",
        callback_id=ViewId.ASSIGN,
        title="Assign people",
        submit="Save",
        close="Cancel",
        private_metadata=context.encode(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{idea_link(idea)}\nA good idea has a *business sponsor* who owns the need and a "
                    "*tech partner* who owns the how."
                )
            ),
            InputBlock(
                block_id=B.SPONSOR,
                label="Business sponsor",
                optional=True,
                element=UserSelectElement(action_id=B.SPONSOR, initial_user=idea.sponsor_id or None),
            ),
            InputBlock(
                block_id=B.PARTNER,
                label="Tech partner",
                optional=True,
                element=UserSelectElement(action_id=B.PARTNER, initial_user=idea.partner_id or None),
            ),
        ],
    )


SCORE_QUESTIONS = (
    (B.CUSTOMER_VALUE, "Customer value", "How much does solving it matter to customers?"),
    (B.STRATEGIC_FIT, "Strategic fit", "How well does it fit where the business is going?"),
    (B.FEASIBILITY, "Feasibility", "How doable is it with what we have?"),
)
_SCORE_OPTIONS = (("1", "1 — low"), ("2", "2"), ("3", "3 — medium"), ("4", "4"), ("5", "5 — high"))


def build_score_modal(context: TriageContext, idea: Idea, previous: Score | None) -> View:
    """Score customer value, strategic fit and feasibility, 1–5 each."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=idea_link(idea)))]
    for block_id, label, hint in SCORE_QUESTIONS:
        options = [Option(value=v, text=t) for v, t in _SCORE_OPTIONS]
        current = str(getattr(previous, block_id)) if previous is not None else None
        initial = next((o for o in options if o.value == current), None)
        blocks.append(
            InputBlock(
                block_id=block_id,
                label=label,
                hint=hint,
                element=StaticSelectElement(action_id=block_id, options=options, initial_option=initial),
            )
        )
    return View(
        type="modal",
        callback_id=ViewId.SCORE,
        title="Score idea",
        submit="Save",
        close="Cancel",
        private_metadata=context.encode(),
        blocks=blocks,
    )


def build_merge_modal(context: TriageContext) -> View:
    """Which idea to merge this one into."""
    return View(
        type="modal",
        callback_id=ViewId.MERGE,
        title="Merge idea",
        submit="Merge",
        close="Cancel",
        private_metadata=context.encode(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Merge *{idea_ref(context.idea_id)}* into another idea. Its supporters move over "
                    "(each person counted once) and both submitters are told."
                )
            ),
            InputBlock(
                block_id=B.MERGE_TARGET,
                label="Merge into",
                element=PlainTextInputElement(action_id=B.MERGE_TARGET, placeholder="e.g. IDEA-3", max_length=20),
            ),
        ],
    )


def idea_advice(idea: Idea) -> str:
    """The tailored advice (bot/coach.py) for restating an idea's problem, as mrkdwn."""
    return restate_advice(
        title=idea.title, affected=idea.affected, problem=idea.problem, has_number=read_problem(idea.problem).has_number
    )


def build_restate_modal(context: TriageContext, idea: Idea, note: str) -> View:
    """The submitter restates the problem; prefilled with the current wording."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"{idea_link(idea)}")),
    ]
    if note:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"*The triage lead asks:*\n>{mrkdwn(one_line(note), 1500)}"))
        )
    blocks.append(SectionBlock(text=MarkdownTextObject(text=idea_advice(idea))))
    blocks += [
        InputBlock(
            block_id=B.AFFECTED,
            label="Who has the problem?",
            element=PlainTextInputElement(
                action_id=B.AFFECTED, initial_value=truncate(idea.affected, 300) or None, max_length=300
            ),
        ),
        InputBlock(
            block_id=B.PROBLEM,
            label="What problem do they have?",
            element=PlainTextInputElement(
                action_id=B.PROBLEM,
                multiline=True,
                initial_value=truncate(idea.problem, 3000) or None,
                max_length=3000,
                placeholder="The pain, not the fix: what goes wrong today, how often, what it costs",
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ViewId.RESTATE,
        title="Restate the problem",
        submit="Send",
        close="Cancel",
        private_metadata=context.encode(),
        blocks=blocks,
    )


def selected_user(values: Mapping[str, Any], block_id: str) -> str | None:
    """A users_select's choice in view.state.values (None when empty or malformed)."""
    element = (values.get(block_id) or {}).get(block_id) if isinstance(values.get(block_id), Mapping) else None
    user = element.get("selected_user") if isinstance(element, Mapping) else None
    return user if isinstance(user, str) and user else None


def selected_number(values: Mapping[str, Any], block_id: str) -> int | None:
    """A static_select's 1–5 choice (None when empty or not 1–5)."""
    element = (values.get(block_id) or {}).get(block_id) if isinstance(values.get(block_id), Mapping) else None
    option = element.get("selected_option") if isinstance(element, Mapping) else None
    value = option.get("value") if isinstance(option, Mapping) else None
    return int(value) if isinstance(value, str) and value in ("1", "2", "3", "4", "5") else None


def text_value(values: Mapping[str, Any], block_id: str) -> str:
    """A plain_text_input's value, stripped ("" when empty or malformed)."""
    element = (values.get(block_id) or {}).get(block_id) if isinstance(values.get(block_id), Mapping) else None
    value = element.get("value") if isinstance(element, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


# --- notices: thread replies and direct messages ------------------------------------------------


def _status_label(value: str) -> str:
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
        return f"{who} moved {ref} to *{_status_label(activity.to_value)}*{_reason(activity.reason)}"
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
        return f"{ref} moved to {_status_label(activity.to_value)}"
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
        text = f"Your idea {title} is now *{_status_label(activity.to_value)}*. {describe_activity(activity, idea)}"
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


# --- lists: history, discussion, the leads' queue --------------------------------------------


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
            f"{idea_link(idea)} · {_status_label(idea.status)} · since {idea.created_at:%d %b}\n"
            f"*{mrkdwn(one_line(idea.affected), 200)}*: {mrkdwn(one_line(idea.problem), 400)}"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=summary)))
        blocks.extend(build_triage_actions(idea, block_id=f"triage-{idea.id}"))
    if len(queue) > limit:
        more = len(queue) - limit
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {more} more waiting, oldest first.")]))
    return blocks
