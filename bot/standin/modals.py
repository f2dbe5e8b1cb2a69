"""The person at a modal, for the Slack stand-in: what they typed, and what Slack keeps of it.

Slack keeps a person's typed values across `views.update` only in input blocks whose id (and
element's action id) the new view still has; a block with a new id shows its initial value.
"""

from __future__ import annotations

import secrets
import time
from typing import Any


def _inputs(view: dict) -> dict[str, str]:
    """A view's input blocks: block id -> its element's action id."""
    return {
        str(b.get("block_id")): str((b.get("element") or {}).get("action_id"))
        for b in view.get("blocks") or []
        if isinstance(b, dict) and b.get("type") == "input"
    }


def kept_values(before: dict, after: dict) -> dict[str, dict[str, Any]]:
    """What Slack keeps of the typed values across an update: those of blocks whose id (and element's
    action id) the new view still has; a block with a new id shows its initial value instead."""
    old, new = _inputs(before), _inputs(after)
    values = before.get("state", {}).get("values", {})
    return {
        block_id: {action_id: values[block_id][action_id]}
        for block_id, action_id in new.items()
        if old.get(block_id) == action_id and action_id in values.get(block_id, {})
    }


class PersonAtTheModal:
    """Mixed into the stand-in: `views` holds each modal as Slack does (with `state` and `hash`)."""

    views: dict[str, dict]
    closed_views: set[str]

    def type_into(self, view_id: str, values: dict[str, dict[str, Any]]) -> None:
        """The person types: `values` as in `view.state.values` (block id -> action id -> value)."""
        view = self.views[view_id]
        view["state"] = {"values": {**view["state"]["values"], **values}}

    def close_view(self, view_id: str) -> None:
        """The modal is gone (submitted and closed, or cancelled): updating it finds nothing."""
        self.closed_views.add(view_id)

    def change_view(self, view_id: str) -> None:
        """Something else updated the modal (its hash is new), as another click of the person's would."""
        self.views[view_id]["hash"] = f"{int(time.time())}.{secrets.token_hex(4)}"

    def shown(self, view_id: str, block_id: str) -> str | None:
        """What the person sees in a text field: what they typed there, or else its initial value."""
        view = self.views[view_id]
        block = next((b for b in view.get("blocks", []) if b.get("block_id") == block_id), None)
        if block is None:
            raise KeyError(f"the modal has no block {block_id!r}")
        element = block.get("element") or {}
        typed = view["state"]["values"].get(block_id, {}).get(element.get("action_id"), {})
        return typed["value"] if typed.get("value") is not None else element.get("initial_value")
