"""The idea modal (pure): `build_idea_modal` builds it and `read_idea_form` reads its
`view.state.values` back, so what the form's block ids hold is known in one module."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.ideas import IdeaDraft, Kind, Origin, SourceMessage
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.views.blocks import INPUT_MAX, TITLE_MAX
from bot.views.slack_text import truncate


@dataclass(frozen=True)
class ModalContext:
    """What the modal carries in private_metadata between opening and submission."""

    source: SourceMessage | None = None

    def encode(self) -> str:
        """JSON for private_metadata (≤ 3000 characters)."""
        data: dict[str, Any] = {}
        if self.source:
            data["src"] = [self.source.channel, self.source.ts]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: object) -> ModalContext:
        """Read private_metadata back; anything unexpected yields an empty context."""
        try:
            data = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            return cls()
        src = data.get("src") if isinstance(data, dict) else None
        if isinstance(src, list) and len(src) == 2 and all(isinstance(x, str) and x for x in src):
            return cls(source=SourceMessage(channel=src[0], ts=src[1]))
        return cls()


def _text_input(
    block_id: str,
    label: str,
    *,
    placeholder: str,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    max_length: int = INPUT_MAX,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=block_id,
            placeholder=placeholder,
            initial_value=truncate(initial, max_length) if initial else None,
            multiline=multiline,
            max_length=max_length,
        ),
    )


def _radio(block_id: str, label: str, options: Sequence[tuple[str, str]], initial: str | None) -> InputBlock:
    choices = [Option(value=value, text=text) for value, text in options]
    selected = next((o for o in choices if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=label,
        element=RadioButtonsElement(action_id=block_id, options=choices, initial_option=selected),
    )


def build_idea_modal(*, draft: IdeaDraft | None = None, context: ModalContext | None = None) -> View:
    """The idea modal: the problem before the solution, block ids as in PRODUCT.md."""
    d = draft or IdeaDraft(title="", affected="", problem="")
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Start with the *problem*: who struggles, with what, and what it costs. "
                "The fix comes last — leads can often find a better one once the problem is clear."
            )
        ),
        _text_input(
            B.TITLE,
            "Idea in one line",
            placeholder="e.g. Customers can't see where their order is",
            initial=d.title,
            max_length=TITLE_MAX,
        ),
        _text_input(
            B.AFFECTED,
            "Who has the problem?",
            placeholder="A customer segment, a team or a role",
            initial=d.affected,
            max_length=300,
        ),
        _text_input(
            B.PROBLEM,
            "What problem do they have?",
            placeholder="The pain, not the fix: what goes wrong today, how often, what it costs",
            initial=d.problem,
            multiline=True,
        ),
        _text_input(
            B.EVIDENCE,
            "How do we know?",
            placeholder="Quotes, numbers, ticket links",
            initial=d.evidence,
            multiline=True,
            optional=True,
        ),
        _text_input(
            B.BUSINESS_VALUE,
            "What changes for the business if we solve it?",
            placeholder="Revenue, cost, risk, customer or staff time",
            initial=d.business_value,
            multiline=True,
            optional=True,
        ),
        _text_input(
            B.SOLUTION,
            "Your proposed solution",
            placeholder="Optional: how you would solve it",
            initial=d.solution,
            multiline=True,
            optional=True,
        ),
        _radio(B.ORIGIN, "What sparked this?", [(o.value, o.label) for o in Origin], d.origin),
        _radio(B.KIND, "New or adopted?", [(k.value, k.label) for k in Kind], d.kind),
    ]
    return View(
        type="modal",
        callback_id=ViewId.IDEA,
        title="Submit an idea",
        submit="Submit",
        close="Cancel",
        blocks=blocks,
        private_metadata=(context or ModalContext()).encode(),
    )


@functools.lru_cache(maxsize=256)
def idea_modal(draft: IdeaDraft | None = None, context: ModalContext | None = None) -> dict[str, Any]:
    """`build_idea_modal` as the dict Slack receives, checked once and remembered.

    Building and checking the modal with slack_sdk's models costs more than everything else
    `/idea` does; the modal depends only on these two frozen values, so each is built once.
    The dict is shared: treat it as read-only.
    """
    return build_idea_modal(draft=draft, context=context).to_dict()


def _value(values: Mapping[str, Any], block_id: str) -> str:
    block = values.get(block_id)
    element = block.get(block_id) if isinstance(block, Mapping) else None
    if not isinstance(element, Mapping):
        return ""
    value = element.get("value")
    if isinstance(value, str):
        return value.strip()
    selected = element.get("selected_option")
    if isinstance(selected, Mapping) and isinstance(selected.get("value"), str):
        return selected["value"]
    return ""


def read_idea_form(view: Mapping[str, Any]) -> IdeaDraft:
    """The draft a person submitted; missing or malformed fields read as empty."""
    state = view.get("state") if isinstance(view, Mapping) else None
    values = state.get("values") if isinstance(state, Mapping) else None
    values = values if isinstance(values, Mapping) else {}
    origin = _value(values, B.ORIGIN)
    kind = _value(values, B.KIND)
    return IdeaDraft(
        title=_value(values, B.TITLE),
        affected=_value(values, B.AFFECTED),
        problem=_value(values, B.PROBLEM) or _value(values, B.PROBLEM_REWORDED),
        evidence=_value(values, B.EVIDENCE),
        business_value=_value(values, B.BUSINESS_VALUE),
        solution=_value(values, B.SOLUTION),
        origin=Origin(origin) if origin in Origin._value2member_map_ else None,
        kind=Kind(kind) if kind in Kind._value2member_map_ else None,
    )


def missing_choices(draft: IdeaDraft) -> dict[str, str]:
    """Inline errors for radio questions left unanswered (Slack enforces them, but payloads vary)."""
    errors = {}
    if draft.origin is None:
        errors[B.ORIGIN] = "Pick what sparked this idea."
    if draft.kind is None:
        errors[B.KIND] = "Pick whether this is something new or something that exists."
    if not draft.title:
        errors[B.TITLE] = "Give the idea a one-line title."
    return errors
