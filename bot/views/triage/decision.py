"""The decision modal (pure): the reason behind accepting, parking, declining or asking for a clearer
problem (`B.REASON`, read back with `text_value`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot.domain.ideas import Status, idea_ref
from bot.domain.triage import REASON_REQUIRED
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.views.triage.context import TriageContext, form_values, text_value

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


def read_decision_form(view: Mapping[str, Any]) -> str:
    """The reason a lead gave in the decision modal ("" when none)."""
    return text_value(form_values(view), B.REASON)
