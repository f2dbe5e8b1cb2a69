"""The shape of Slack's payloads, checked before Bolt reads them (pure).

Bolt indexes payloads directly (`body["actions"][0]`, `payload["user"].get("id")`): a signed
request whose structure is wrong would crash inside the framework. Slack never sends such
payloads, so one that arrives is answered 400 and dropped, with a short log line.
"""

from __future__ import annotations

import binascii
import json
import re
from typing import Any
from urllib.parse import parse_qsl

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


def malformed(body: Any) -> str:
    """Why `body` is not a well-formed Slack payload ("" when it is)."""
    if not isinstance(body, dict):
        return "the payload is not an object"
    kind = body.get("type")
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
    if kind in INTERACTIVE:
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
            view = body.get("view")
            if not isinstance(view, dict):
                return f"{kind} without a view"
            if not isinstance(view.get("callback_id"), str):
                return "a view without a callback_id"
            state = view.get("state")
            if _not(dict, state) or (isinstance(state, dict) and _not(dict, state.get("values"))):
                return "the view's state is not an object"
    if kind == "event_callback":
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


_FORM_PAYLOAD = b"payload="
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def parse_slack_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """A request body as Bolt reads it (JSON, a form, or a form's JSON `payload`), only faster.

    Interactivity payloads arrive form-encoded: `payload=` and the whole view or message as
    percent-encoded JSON. Python's unquoting is a loop in Python, ~0.9 ms for a 7 KB view
    submission (a third of what bare Bolt spends on the request). `binascii.a2b_qp` decodes
    quoted-printable's `=XX` escapes in C; once `%` is written as `=` the two encodings are the
    same, provided the body has no raw `=`, `&`, line breaks or non-ASCII and every `%` is
    followed by two hex digits. Anything else is read as Bolt reads it (`parse_form_or_json`,
    without Bolt's "payload" bug). Raises ValueError for invalid JSON.
    """
    if raw.startswith(_FORM_PAYLOAD) and content_type != "application/json":
        data = raw[len(_FORM_PAYLOAD) :]
        if data.isascii() and not any(c in data for c in (b"=", b"&", b"\n", b"\r")) and not _BAD_ESCAPE.search(data):
            text = binascii.a2b_qp(data.replace(b"+", b" ").replace(b"%", b"=")).decode("utf-8", errors="replace")
            return json.loads(text)
    return parse_form_or_json(raw.decode("utf-8", errors="replace"), content_type or None)


def parse_form_or_json(body: str, content_type: str | None) -> dict[str, Any]:
    """Bolt's `parse_body`, but a form is an interactivity payload only when it has a `payload`
    *field*: Bolt (1.x, request/internals.py) takes any form containing the word "payload" for
    one and, finding no such field, returns {} — so `/idea payload tracking`, a channel named
    payload-team or a user named payload.admin made a slash command vanish."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return json.loads(body)
    params = dict(parse_qsl(body, keep_blank_values=True))
    payload = params.get("payload")
    return json.loads(payload) if payload is not None else params


def is_ssl_check(raw: bytes, content_type: str) -> bool:
    """Slack's unsigned check of a request URL (`ssl_check=1&token=…`), answered 200 and nothing else."""
    if content_type == "application/json" or b"ssl_check=" not in raw[:200]:
        return False
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"))).get("ssl_check") == "1"


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
        detail = event.get("type", "") + (f"/{event['subtype']}" if isinstance(event.get("subtype"), str) else "")
    elif kind == "block_actions" and isinstance(body.get("actions"), list) and body["actions"]:
        detail = body["actions"][0].get("action_id", "") if isinstance(body["actions"][0], dict) else ""
    elif kind in ("view_submission", "view_closed") and isinstance(body.get("view"), dict):
        detail = body["view"].get("callback_id", "")
    elif kind in ("shortcut", "message_action"):
        detail = body.get("callback_id", "")
    detail = detail if isinstance(detail, str) else ""
    return f"{kind} {_SLACK_NAME.sub('?', detail[:60])}".strip()


_SLACK_NAME = re.compile(r"[^A-Za-z0-9_./:-]")
