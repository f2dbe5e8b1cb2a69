"""The merge modal (pure): which idea to merge this one into (`B.MERGE_TARGET`, read back with `text_value`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock
from slack_sdk.models.views import View

from bot.domain.ideas import idea_ref
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.views.triage.context import TriageContext, form_values, text_value


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


def read_merge_form(view: Mapping[str, Any]) -> str:
    """What a lead typed as the idea to merge into (a reference such as "IDEA-3", unchecked)."""
    return text_value(form_values(view), B.MERGE_TARGET)
