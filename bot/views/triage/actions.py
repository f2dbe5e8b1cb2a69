"""The triage buttons on an idea card, and the answer to a second Support (pure)."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ButtonElement, MarkdownTextObject, SectionBlock

from bot.domain.ideas import Status, idea_ref
from bot.domain.triage import MOVES
from bot.ids import Action
from bot.views import Message, button, plain
from models.tables import Idea

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


def build_already_supported(idea_id: int) -> Message:
    """Said to someone who presses Support again: counted once, and a way to take it back."""
    text = f"Your support for {idea_ref(idea_id)} is already counted (once per person)."
    button = ButtonElement(text="Withdraw my support", action_id=Action.WITHDRAW_SUPPORT, value=str(idea_id))
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text), accessory=button)])
