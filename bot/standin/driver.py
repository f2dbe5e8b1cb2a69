"""Slack's side of the conversation: signed requests shaped like the ones Slack sends.

`SlackDriver` signs every body exactly as Slack does (v0 HMAC-SHA256 over `v0:{timestamp}:{body}`
with the `X-Slack-Request-Timestamp` and `X-Slack-Signature` headers) and posts it to the app's
`/slack/events`. Payload builders follow the shapes of Slack's real payloads (slash commands are
form-encoded; interactivity is a form field `payload` holding JSON; events are JSON).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

TEAM_ID = "T00000001"
TEAM_DOMAIN = "standin"
API_APP_ID = "A00000001"

_counter = itertools.count(1)


def new_trigger_id() -> str:
    """A trigger id that carries its issue time, as the stand-in checks its 3-second life."""
    return f"{int(time.time() * 1000)}.{next(_counter)}.{secrets.token_hex(8)}"


def sign(body: str | bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack adds to a request: timestamp and v0 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    """The app's HTTP answer to one request."""

    status: int
    body: str
    seconds: float

    def json(self) -> Any:
        """The body as JSON (empty body: {})."""
        return json.loads(self.body) if self.body.strip() else {}


# --- payload shapes ---------------------------------------------------------------------------


DEAD_RESPONSE_URL = "http://127.0.0.1:9/response"  # port 9 (discard): nothing listens there


def command_form(
    text: str,
    *,
    user: str = "U0000USER1",
    channel: str = "C0000GNRL1",
    command: str = "/idea",
    response_url: str = DEAD_RESPONSE_URL,
) -> dict[str, str]:
    """A slash command as Slack form-encodes it."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": "general",
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": new_trigger_id(),
    }


def _user(user: str) -> dict[str, str]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def global_shortcut(callback_id: str, *, user: str = "U0000USER1") -> dict[str, Any]:
    """A global shortcut payload."""
    return {
        "type": "shortcut",
        "token": "legacy-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "is_enterprise_install": False,
        "callback_id": callback_id,
        "trigger_id": new_trigger_id(),
    }


def message_shortcut(
    callback_id: str,
    *,
    text: str,
    user: str = "U0000USER1",
    channel: str = "C0000GNRL1",
    author: str = "U0000AUTH1",
) -> dict[str, Any]:
    """A message shortcut ("message_action") payload on a message in `channel`."""
    ts = f"{time.time():.6f}"
    return {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": ts,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "channel": {"id": channel, "name": "general"},
        "is_enterprise_install": False,
        "callback_id": callback_id,
        "trigger_id": new_trigger_id(),
        "message_ts": ts,
        "message": {"type": "message", "user": author, "ts": ts, "text": text},
        "response_url": DEAD_RESPONSE_URL,
    }


def block_actions(
    action_id: str,
    *,
    value: str = "",
    user: str = "U0000USER1",
    container: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    channel: str | None = None,
    view: Mapping[str, Any] | None = None,
    block_id: str = "actions",
    selected_option: Mapping[str, Any] | None = None,
    response_url: str = DEAD_RESPONSE_URL,
) -> dict[str, Any]:
    """A block_actions payload for one clicked element (a button, or an overflow option)."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "overflow" if selected_option else "button",
        "action_ts": f"{time.time():.6f}",
    }
    if selected_option is not None:
        action["selected_option"] = dict(selected_option)
    else:
        action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        action["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "token": "legacy-verification-token",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "api_app_id": API_APP_ID,
        "trigger_id": new_trigger_id(),
        "container": dict(container or {"type": "message"}),
        "actions": [action],
        "response_url": response_url,
    }
    if message is not None:
        payload["message"] = dict(message)
    if channel is not None:
        payload["channel"] = {"id": channel, "name": "ideas"}
    if view is not None:
        payload["view"] = dict(view)
    return payload


def form_values(view: Mapping[str, Any], answers: Mapping[str, str | None]) -> dict[str, dict[str, Any]]:
    """`view.state.values` for a view, filling each input block from `answers` by block id."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        block_id = block.get("block_id", "")
        element = block.get("element", {})
        action_id = element.get("action_id", "")
        answer = answers.get(block_id)
        kind = element.get("type")
        if kind == "plain_text_input":
            values[block_id] = {action_id: {"type": kind, "value": answer}}
        elif kind in ("radio_buttons", "static_select"):
            selected = None
            if answer is not None:
                option = next((o for o in element.get("options", []) if o.get("value") == answer), None)
                selected = option or {"value": answer, "text": {"type": "plain_text", "text": answer}}
            values[block_id] = {action_id: {"type": kind, "selected_option": selected}}
        elif kind == "users_select":
            values[block_id] = {action_id: {"type": kind, "selected_user": answer}}
        elif kind == "number_input":
            values[block_id] = {action_id: {"type": kind, "value": answer}}
    return values


def view_submission(view: Mapping[str, Any], answers: Mapping[str, str | None], *, user: str = "U0000USER1") -> dict:
    """A view_submission payload for a view the app opened (as the stand-in stored it)."""
    submitted = dict(view)
    submitted["state"] = {"values": form_values(view, answers)}
    submitted.setdefault("id", f"V{secrets.token_hex(5).upper()}")
    submitted.setdefault("team_id", TEAM_ID)
    submitted.setdefault("hash", secrets.token_hex(8))
    return {
        "type": "view_submission",
        "token": "legacy-verification-token",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user),
        "api_app_id": API_APP_ID,
        "trigger_id": new_trigger_id(),
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
    }


def event_callback(event: Mapping[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": API_APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(6).upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT000001", "is_bot": True}],
    }


# --- the driver -------------------------------------------------------------------------------


class SlackDriver:
    """Sends signed requests to an app's `/slack/events`, as Slack would."""

    def __init__(
        self, url: str, signing_secret: str, *, timeout: float = 10.0, response_url: Callable[[], str] | None = None
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.response_url = response_url or (lambda: DEAD_RESPONSE_URL)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._session.close()

    async def post_raw(
        self, body: str | bytes, *, content_type: str, headers: Mapping[str, str] | None = None
    ) -> Reply:
        """POST a body with exactly the given headers (no signature added)."""
        started = time.monotonic()
        all_headers = {"Content-Type": content_type, **(headers or {})}
        async with self._session.post(self.url, data=body, headers=all_headers) as response:
            text = await response.text()
        return Reply(status=response.status, body=text, seconds=time.monotonic() - started)

    async def post_signed(self, body: str, *, content_type: str, timestamp: int | None = None) -> Reply:
        """POST a body signed with the app's signing secret."""
        return await self.post_raw(body, content_type=content_type, headers=sign(body, self.signing_secret, timestamp))

    async def command(self, text: str, *, user: str = "U0000USER1", channel: str = "C0000GNRL1") -> Reply:
        """Run `/idea text`."""
        body = urlencode(command_form(text, user=user, channel=channel, response_url=self.response_url()))
        return await self.post_signed(body, content_type="application/x-www-form-urlencoded")

    async def interactive(self, payload: Mapping[str, Any]) -> Reply:
        """Send an interactivity payload (shortcut, block action, view submission)."""
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post_signed(body, content_type="application/x-www-form-urlencoded")

    async def event(self, event: Mapping[str, Any], *, event_id: str | None = None) -> Reply:
        """Deliver an Events API event."""
        body = json.dumps(event_callback(event, event_id=event_id))
        return await self.post_signed(body, content_type="application/json")
