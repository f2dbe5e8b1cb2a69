"""What every triage modal shares (pure): the context it carries in private_metadata, the modal
shown while its form loads, and reading a text field back from `view.state.values`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.domain.ideas import idea_ref
from bot.views.slack_text import escape


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


def text_value(values: Mapping[str, Any], block_id: str) -> str:
    """A plain_text_input's value, stripped ("" when empty or malformed)."""
    element = (values.get(block_id) or {}).get(block_id) if isinstance(values.get(block_id), Mapping) else None
    value = element.get("value") if isinstance(element, Mapping) else None
    return value.strip() if isinstance(value, str) else ""


def form_values(view: Mapping[str, Any]) -> Mapping[str, Any]:
    """A submitted view's `state.values` ({} when it is missing or malformed)."""
    state = view.get("state") if isinstance(view, Mapping) else None
    values = state.get("values") if isinstance(state, Mapping) else None
    return values if isinstance(values, Mapping) else {}
