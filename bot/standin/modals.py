"""The person at a modal, for the Slack stand-in: what they typed, and what Slack keeps of it.

Slack keeps a person's typed values across `views.update` only in input blocks whose id (and
element's action id) the new view still has; a block with a new id shows its initial value.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot.standin.limits import check_view

TRIGGER_TTL_S = 3.0  # a trigger_id is valid for 3 seconds, once


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

    def _check_trigger(self, trigger_id: str) -> str:
        """ "" if the trigger id is fresh and unused, else Slack's error code."""
        try:
            issued_ms = int(trigger_id.split(".")[0])
        except ValueError:
            return "invalid_trigger_id"
        if trigger_id in self._used_triggers:
            return "invalid_trigger_id"
        if time.time() * 1000 - issued_ms > TRIGGER_TTL_S * 1000:
            return "expired_trigger_id"
        self._used_triggers.add(trigger_id)
        return ""

    def _store_view(self, view: Any, *, view_id: str | None = None) -> dict:
        stored = dict(view)
        stored["id"] = view_id or f"V{next(self._view_ids):08d}"
        stored["hash"] = f"{int(time.time())}.{secrets.token_hex(4)}"  # a new one with every change
        before = self.views.get(stored["id"])
        stored["state"] = {"values": kept_values(before, stored) if before else {}}
        self.views[stored["id"]] = stored
        return stored

    def _m_views_open(self, args: dict) -> dict:
        view = args.get("view")
        error = check_view(view)
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "view": self._store_view(view)}

    def _m_views_push(self, args: dict) -> dict:
        return self._m_views_open(args)

    def _m_views_update(self, args: dict) -> dict:
        view_id = str(args.get("view_id") or "")
        if view_id not in self.views or view_id in self.closed_views:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        view = args.get("view")
        error = check_view(view)
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "view": self._store_view(view, view_id=view_id)}

    def _m_views_publish(self, args: dict) -> dict:
        user_id = str(args.get("user_id") or "")
        view = args.get("view")
        error = check_view(view) if user_id else "invalid_arguments"
        if error:
            return {"ok": False, "error": error}
        self.published[user_id] = view
        return {"ok": True, "view": self._store_view(view)}
