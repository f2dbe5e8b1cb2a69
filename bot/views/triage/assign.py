"""The assign modal (pure): the business sponsor and the tech partner, built and read back here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, SectionBlock, UserSelectElement
from slack_sdk.models.views import View

from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.views import idea_link
from bot.views.triage.context import TriageContext, form_values
from models.tables import Idea


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


def selected_user(values: Mapping[str, Any], block_id: str) -> str | None:
    """A users_select's choice in view.state.values (None when empty or malformed)."""
    element = (values.get(block_id) or {}).get(block_id) if isinstance(values.get(block_id), Mapping) else None
    user = element.get("selected_user") if isinstance(element, Mapping) else None
    return user if isinstance(user, str) and user else None


def read_assign_form(view: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The business sponsor and the tech partner picked in the assign modal (None: not picked)."""
    values = form_values(view)
    return selected_user(values, B.SPONSOR), selected_user(values, B.PARTNER)
