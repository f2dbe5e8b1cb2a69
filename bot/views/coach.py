"""Block Kit for a suggested problem statement (pure): the coached modal, updated where it stands.

These work on the view as Slack holds it (the `view` of a submission or of a click), so they serve
every modal with a problem field — the idea modal and the restate modal alike — and change only
the blocks they own: every other block keeps its id, so Slack keeps what the person typed there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bot.domain.problem import GateResult
from bot.ids import Action
from bot.ids import Block as B
from bot.views import button, md
from bot.views.slack_text import escape, mrkdwn, truncate

# The fields of a view that views.update takes back (a payload's view also carries ids, state, hash…).
_VIEW_FIELDS = (
    "type",
    "callback_id",
    "title",
    "submit",
    "close",
    "private_metadata",
    "clear_on_close",
    "notify_on_close",
)
PROBLEM_IDS = (B.PROBLEM, B.PROBLEM_REWORDED)
_OURS = (B.COACH_NOTE, B.COACH_SUGGESTION)
NOTE_MAX = 1500
USED = "Using the suggested wording: change anything that isn't right, then submit."


def problem_block(view: Mapping[str, Any]) -> str:
    """The block id the problem field has in this view (it changes when a suggested wording is used)."""
    for block in view.get("blocks") or []:
        if isinstance(block, Mapping) and block.get("block_id") in PROBLEM_IDS:
            return str(block["block_id"])
    return B.PROBLEM


def on_problem_field(gate: GateResult, view: Mapping[str, Any]) -> GateResult:
    """The gate's messages for the problem on the block id the problem field has in this view."""
    block_id = problem_block(view)
    if block_id == B.PROBLEM:
        return gate

    def moved(messages: dict[str, str]) -> dict[str, str]:
        return {block_id if key == B.PROBLEM else key: value for key, value in messages.items()}

    return dataclasses.replace(gate, errors=moved(gate.errors), coaching=moved(gate.coaching))


def _blocks(view: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The view's blocks without the ones this module added before."""
    return [dict(b) for b in view.get("blocks") or [] if isinstance(b, Mapping) and b.get("block_id") not in _OURS]


def _updatable(view: Mapping[str, Any], blocks: list[dict[str, Any]]) -> dict[str, Any]:
    kept = {key: view[key] for key in _VIEW_FIELDS if key in view and view[key] is not None}
    return {**kept, "blocks": blocks}


def _after_problem(blocks: list[dict[str, Any]]) -> int:
    """Where blocks under the problem field go (the end, if the view has none)."""
    for index, block in enumerate(blocks):
        if block.get("block_id") in PROBLEM_IDS:
            return index + 1
    return len(blocks)


def with_suggestion(view: Mapping[str, Any], *, suggestion: str, coaching: str, source: str) -> dict[str, Any]:
    """The modal with the coaching repeated and "Suggested: …" under the problem field, and its button.

    `suggestion` is plain text already cleaned (bot/runtime/rewrite.py); it is escaped here for mrkdwn and
    travels raw in the button's value, which only fills a plain-text field.
    """
    blocks = _blocks(view)
    note = {"type": "context", "block_id": B.COACH_NOTE, "elements": [md(f":bulb: {mrkdwn(coaching, NOTE_MAX)}")]}
    offer = {
        "type": "section",
        "block_id": B.COACH_SUGGESTION,
        "text": md(f"*Suggested:* {mrkdwn(suggestion, 1000)}\n_{escape(source)}_"),
        "accessory": button("Use this wording", Action.USE_WORDING, truncate(suggestion, 2000)),
    }
    at = _after_problem(blocks)
    blocks[at:at] = [note, offer]
    return _updatable(view, blocks)


def with_wording(view: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The modal with `text` in the problem field — under a new block id, so Slack shows it instead of
    what was typed there — and everything else as it was."""
    blocks = _blocks(view)
    at = _after_problem(blocks)
    if at == len(blocks) and not any(b.get("block_id") in PROBLEM_IDS for b in blocks):
        return _updatable(view, blocks)
    field = dict(blocks[at - 1])
    new_id = B.PROBLEM if field.get("block_id") == B.PROBLEM_REWORDED else B.PROBLEM_REWORDED
    element = dict(field.get("element") or {})
    limit = element.get("max_length") if isinstance(element.get("max_length"), int) else 3000
    element.update(action_id=new_id, initial_value=truncate(text, limit))
    field.update(block_id=new_id, element=element)
    blocks[at - 1] = field
    blocks.insert(at, {"type": "context", "block_id": B.COACH_NOTE, "elements": [md(USED)]})
    return _updatable(view, blocks)
