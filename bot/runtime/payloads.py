"""The shape of Slack's payloads, checked before Bolt reads them (pure).

Bolt indexes payloads directly (`body["actions"][0]`, `payload["user"].get("id")`): a signed
request whose structure is wrong would crash inside the framework. Slack never sends such
payloads, so one that arrives is answered 400 and dropped, with a short log line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from slack_bolt.request.async_request import AsyncBoltRequest

INTERACTIVE = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "interactive_message",
    }
)
# In interactivity payloads these hold objects; in events some of the same names hold strings.
INTERACTIVE_OBJECTS = ("user", "team", "channel", "container", "view", "message", "enterprise")
EVENT_OBJECTS = ("item", "message", "previous_message")
LISTS_OF_OBJECTS = ("actions", "authorizations", "response_urls")
TOP_STRINGS = (
    "type",
    "callback_id",
    "trigger_id",
    "command",
    "response_url",
    "api_app_id",
    "event_id",
    "user_id",
    "channel_id",
    "team_id",
    "text",
)
EVENT_STRINGS = ("type", "user", "channel", "ts", "thread_ts", "subtype", "reaction", "tab", "text")


def _not(kind: type, value: Any) -> bool:
    return value is not None and not isinstance(value, kind)


# Where Slack puts the ids of users, channels and messages ideabot stores. Slack's ids are short
# runs of letters and digits (a message ts digits and a dot); ideabot's columns hold 32 characters.
# A payload with anything else there is not Slack's (PostgreSQL would refuse the value, after
# the ack; SQLite would store it).
ID_PATHS = (
    ("event_id",),
    ("view", "id"),
    ("user_id",),
    ("channel_id",),
    ("team_id",),
    ("user", "id"),
    ("channel", "id"),
    ("team", "id"),
    ("container", "channel_id"),
    ("container", "message_ts"),
    ("message", "ts"),
    ("message", "thread_ts"),
    ("event", "user"),
    ("event", "channel"),
    ("event", "ts"),
    ("event", "thread_ts"),
    ("event", "deleted_ts"),
    ("event", "message", "ts"),
    ("event", "message", "thread_ts"),
    ("event", "previous_message", "ts"),
    ("event", "item_user"),
    ("event", "item", "channel"),
    ("event", "item", "ts"),
)
_SLACK_ID = re.compile(r"[A-Za-z0-9.]{0,32}")


def _bad_id(body: dict, path: tuple[str, ...]) -> bool:
    value: Any = body
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return isinstance(value, str) and not _SLACK_ID.fullmatch(value)


def _what_bolt_indexes(body: dict) -> str:
    """Bolt builds every listener's, middleware's and error handler's arguments from the body
    (slack_bolt/request/payload_utils.py) before any of them runs, indexing these directly."""
    kind = body.get("type")
    if kind in ("block_actions", "interactive_message") and "actions" in body and not body["actions"]:
        return f"{kind} with an empty list of actions"
    if kind == "interactive_message" and "callback_id" in body and "actions" not in body:
        return "interactive_message without actions"
    view = body.get("view")
    if kind in ("view_submission", "view_closed") and isinstance(view, dict) and not isinstance(view.get("type"), str):
        return "a view without a type"
    steps = kind == "workflow_step_edit" or (isinstance(view, dict) and view.get("type") == "workflow_step")
    if steps and not isinstance(body.get("workflow_step"), dict):
        return "a workflow step payload without its step"
    return ""


def malformed(body: Any) -> str:
    """Why `body` is not a well-formed Slack payload ("" when it is)."""
    if not isinstance(body, dict):
        return "the payload is not an object"
    reason = _what_bolt_indexes(body) or _top_level_error(body)
    if not reason and body.get("type") in INTERACTIVE:
        reason = _interactive_error(body)
    elif not reason and body.get("type") == "event_callback":
        reason = _event_error(body)
    return reason


def _top_level_error(body: dict) -> str:
    """What is wrong with the ids, strings and lists any payload may carry at its top ("" if nothing)."""
    for path in ID_PATHS:
        if _bad_id(body, path):
            return f"“{'.'.join(path)}” is not a Slack id"
    for key in TOP_STRINGS:
        if _not(str, body.get(key)):
            return f"“{key}” is not a string"
    for key in LISTS_OF_OBJECTS:
        value = body.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(x, dict) for x in value)):
            return f"“{key}” is not a list of objects"
    return ""


def _interactive_error(body: dict) -> str:
    """What is wrong with an interactivity payload's objects, actions and view ("" if nothing)."""
    kind = body.get("type")
    for key in INTERACTIVE_OBJECTS:
        if _not(dict, body.get(key)):
            return f"“{key}” is not an object"
    if kind == "block_actions":
        actions = body.get("actions")
        if not actions:
            return "block_actions without actions"
        if not all(isinstance(a.get("action_id"), str) for a in actions):
            return "an action without an action_id"
    if kind in ("shortcut", "message_action") and not isinstance(body.get("callback_id"), str):
        return f"{kind} without a callback_id"
    if kind in ("view_submission", "view_closed"):
        return _view_error(kind, body.get("view"))
    return ""


def _view_error(kind: str, view: Any) -> str:
    """What is wrong with a view_submission's or view_closed's view ("" if nothing)."""
    if not isinstance(view, dict):
        return f"{kind} without a view"
    if not isinstance(view.get("callback_id"), str):
        return "a view without a callback_id"
    state = view.get("state")
    if _not(dict, state) or (isinstance(state, dict) and _not(dict, state.get("values"))):
        return "the view's state is not an object"
    if _not(list, view.get("blocks")):
        return "the view's blocks are not a list"
    return ""


def _event_error(body: dict) -> str:
    """What is wrong with an event_callback's event ("" if nothing)."""
    event = body.get("event")
    if not isinstance(event, dict):
        return "event_callback without an event"
    for key in EVENT_STRINGS:
        if _not(str, event.get(key)):
            return f"the event's “{key}” is not a string"
    for key in EVENT_OBJECTS:
        if _not(dict, event.get(key)):
            return f"the event's “{key}” is not an object"
    return ""


def reread_form(request: AsyncBoltRequest) -> None:
    """Read a form that mentions "payload" but has no `payload` field as its fields.

    Bolt 1.x (`parse_body` in slack_bolt/request/internals.py) takes any form body containing the
    word "payload" for an interactivity payload and, finding no such field, reads it as {}: so
    `/idea payload tracking`, a channel named payload-team or a user named payload.admin made a
    slash command vanish. Here such a request gets the body and the context Bolt gives the same
    form without the word (tests/unit/test_parse_body.py compares the two and fails once Bolt is fixed).
    """
    raw = request.raw_body
    if request.body or not raw or raw.startswith("{") or request.content_type == "application/json":
        return
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if not fields or "payload" in fields:
        return
    request.body = fields
    context = request.context
    context["is_enterprise_install"] = fields.get("is_enterprise_install") == "true"
    for key in ("enterprise_id", "team_id", "user_id"):
        if fields.get(key):
            context[key] = context["actor_" + key] = fields[key]  # a command's actor is its user
    for key in ("channel_id", "response_url"):
        if fields.get(key):
            context[key] = fields[key]


def request_kind(body: Any) -> str:
    """What kind of request a payload is, in ids only — never what anyone wrote — for logs:
    "event_callback reaction_removed", "block_actions some_action", "command /other"."""
    if not isinstance(body, dict):
        return "unknown"
    if isinstance(body.get("command"), str):
        return f"command {body['command'][:40]}"
    kind = str(body.get("type") or "unknown")[:40]
    detail: Any = ""
    if kind == "event_callback" and isinstance(body.get("event"), dict):
        event = body["event"]
        kind_of_event = event.get("type") if isinstance(event.get("type"), str) else "?"
        detail = kind_of_event + (f"/{event['subtype']}" if isinstance(event.get("subtype"), str) else "")
    elif kind == "block_actions" and isinstance(body.get("actions"), list) and body["actions"]:
        detail = body["actions"][0].get("action_id", "") if isinstance(body["actions"][0], dict) else ""
    elif kind in ("view_submission", "view_closed") and isinstance(body.get("view"), dict):
        detail = body["view"].get("callback_id", "")
    elif kind in ("shortcut", "message_action"):
        detail = body.get("callback_id", "")
    detail = detail if isinstance(detail, str) else ""
    return f"{kind} {_SLACK_NAME.sub('?', detail[:60])}".strip()


_SLACK_NAME = re.compile(r"[^A-Za-z0-9_./:-]")
