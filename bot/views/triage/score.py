"""The score modal (pure): customer value, strategic fit and feasibility, 1–5 each, built and read back here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, MarkdownTextObject, Option, SectionBlock, StaticSelectElement
from slack_sdk.models.views import View

from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.views import idea_link
from bot.views.triage.context import TriageContext, form_values
from models.tables import Idea, Score

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


def selected_number(values: Mapping[str, Any], block_id: str) -> int | None:
    """A static_select's 1–5 choice (None when empty or not 1–5)."""
    element = (values.get(block_id) or {}).get(block_id) if isinstance(values.get(block_id), Mapping) else None
    option = element.get("selected_option") if isinstance(element, Mapping) else None
    value = option.get("value") if isinstance(option, Mapping) else None
    return int(value) if isinstance(value, str) and value in ("1", "2", "3", "4", "5") else None


def read_score_form(view: Mapping[str, Any]) -> dict[str, int | None]:
    """Each question's 1–5 answer in the score modal, by block id (None: not answered)."""
    values = form_values(view)
    return {block_id: selected_number(values, block_id) for block_id, _, _ in SCORE_QUESTIONS}
