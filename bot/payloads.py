"""The shape of Slack's payloads, checked before Bolt reads them (pure).

Bolt indexes payloads directly (`body["actions"][0]`, `payload["user"].get("id")`): a signed
request whose structure is wrong would crash inside the framework. Slack never sends such
payloads, so one that arrives is answered 400 and dropped, with a short log line.
"""

from __future__ import annotations

from typing import Any

# Keys that, when present, must hold an object (a dict) wherever they appear.
OBJECT_KEYS = frozenset(
    {
        "user",
        "team",
        "channel",
        "enterprise",
        "container",
        "view",
        "event",
        "message",
        "previous_message",
        "item",
        "state",
        "function_data",
        "assistant_thread",
        "selected_option",
        "app_installed_team",
        "organization",
    }
)
# Keys that, when present, must hold a list of objects.
OBJECT_LIST_KEYS = frozenset({"actions", "authorizations", "response_urls"})
# Keys that, when present at the top of a payload or an event, must hold a string.
STRING_KEYS = frozenset(
    {
        "type",
        "callback_id",
        "action_id",
        "command",
        "trigger_id",
        "response_url",
        "api_app_id",
        "team_id",
        "user_id",
        "channel_id",
        "enterprise_id",
        "event_id",
        "text",
        "subtype",
        "ts",
        "thread_ts",
        "reaction",
        "tab",
    }
)
MAX_DEPTH = 12


def malformed(body: Any) -> str:
    """Why `body` is not a well-formed Slack payload ("" when it is)."""
    if not isinstance(body, dict):
        return "the payload is not an object"
    if body.get("type") == "block_actions" and not body.get("actions"):
        return "block_actions without actions"
    if body.get("type") == "event_callback" and not isinstance(body.get("event"), dict):
        return "event_callback without an event"
    if body.get("type") in ("view_submission", "view_closed") and not isinstance(body.get("view"), dict):
        return f"{body['type']} without a view"
    return _walk(body, depth=0, top=True)


def _walk(value: Any, *, depth: int, top: bool = False) -> str:
    if depth > MAX_DEPTH:
        return ""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in OBJECT_KEYS and item is not None and not isinstance(item, dict):
                return f"“{key}” is not an object"
            if (
                key in OBJECT_LIST_KEYS
                and item is not None
                and (not isinstance(item, list) or not all(isinstance(x, dict) for x in item))
            ):
                return f"“{key}” is not a list of objects"
            if top and key in STRING_KEYS and item is not None and not isinstance(item, str):
                return f"“{key}” is not a string"
            reason = _walk(item, depth=depth + 1, top=key in ("event", "view", "message", "item") or False)
            if reason:
                return reason
    elif isinstance(value, list):
        for item in value:
            reason = _walk(item, depth=depth + 1)
            if reason:
                return reason
    return ""
