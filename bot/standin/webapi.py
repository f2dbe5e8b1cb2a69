"""A local stand-in for the Slack Web API: an aiohttp server on 127.0.0.1.

It answers the methods ideabot calls the way Slack does (unique message `ts`, view ids,
permalinks, conversation history with metadata; a modal's `hash`, with `hash_conflict` for an update
made against an older one and `not_found` once it is closed; what the person typed, kept across an
update only in blocks whose id is unchanged), enforces Slack's documented limits (so a
message Slack would reject fails here too), records every call, and fails on demand: 429 with
Retry-After, `ok: false` errors, HTTP 500, added latency, refused connections; with `post_rate`
set it paces chat.postMessage per channel as Slack does (429 beyond it). This module is the server
and its controls; the methods live beside it, mixed into `SlackWebAPIStandIn`: messages and
conversations in messages.py, modals in modals.py, Socket Mode in sockets.py, file uploads
(`files_upload_v2`'s three steps) in files.py, and Slack's limits in limits.py. The tests, the
benchmark and `ideabot demo` all use it; nothing here talks to the internet.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.standin.files import FileUploads
from bot.standin.limits import check_message
from bot.standin.messages import ChannelMessages, Message
from bot.standin.modals import PersonAtTheModal
from bot.standin.sockets import SocketMode

_TRIGGERED = ("views.open", "views.push")  # methods that spend a trigger id


@dataclass
class Call:
    """One recorded Web API call."""

    method: str
    args: dict[str, Any]
    at: float  # time.monotonic() when it arrived
    token: str
    answered: str = ""  # "ok", an error code, or an HTTP status like "429"
    result: dict = field(default_factory=dict)  # what the stand-in answered


@dataclass
class Failure:
    """A failure to serve instead of an answer."""

    status: int = 200
    error: str = ""
    retry_after: int | None = None
    times: int = 1
    done: bool = False  # the call takes effect, but this is what the caller hears (an answer lost on the way)


@dataclass
class SlackWebAPIStandIn(PersonAtTheModal, ChannelMessages, SocketMode, FileUploads):
    """The stand-in server; `await start()`, point `SLACK_API_URL` at `.url`, `await stop()`."""

    token: str = "xoxb-standin-token"
    app_token: str = "xapp-standin-token"
    latency: float = 0.003
    team_url: str = "https://standin.slack.com/"
    bot_user_id: str = "UBOT000001"
    bot_id: str = "BBOT000001"
    team_id: str = "T00000001"
    socket_mode: bool = False  # answer apps.connections.open with this server's WebSocket URL
    # Slack's per-channel pace for chat.postMessage: `post_rate` messages a second per channel
    # (0: no limit) with bursts of `post_burst`; beyond it, 429 with Retry-After.
    post_rate: float = 0.0
    post_burst: int = 3
    missing_channels: set[str] = field(default_factory=set)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[Message]] = field(default_factory=lambda: defaultdict(list))
    views: dict[str, dict] = field(default_factory=dict)
    published: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, when counted)
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)
        self._used_triggers: set[str] = set()
        self.closed_views: set[str] = set()  # modals the person submitted or closed
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0
        self.responses: list[dict] = []  # bodies posted to response_url, with "_token"
        self._init_sockets()
        self._init_files()

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on 127.0.0.1 (a free port by default)."""
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/respond/{token}", self._handle_respond)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await self._site.start()
        sockets = getattr(self._site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening, drop open connections and release the port."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def refuse_connections(self) -> None:
        """Go away entirely: open connections drop, new ones are refused until `accept_connections()`."""
        await self.stop()

    async def accept_connections(self) -> None:
        """Listen again on the same port."""
        if self._runner is None:
            await self.start(port=self.port)

    @property
    def url(self) -> str:
        """The base URL to give `SLACK_API_URL`."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, token: str = "") -> str:
        """A response_url for a slash command or an action, answered by this server."""
        return f"http://127.0.0.1:{self.port}/respond/{token or next(self._ts)}"

    async def _handle_respond(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict) or check_message(body):
            return web.Response(status=400, text=check_message(body) if isinstance(body, dict) else "invalid_payload")
        self.responses.append({**body, "_token": request.match_info["token"]})
        return web.Response(text="ok")

    # --- control ---------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "",
        retry_after: int | None = None,
        times: int = 1,
        done: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` ("*" for any) with a failure instead.

        With `done`, each call takes effect all the same: Slack did it, but its answer was lost.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if status == 200 and not error:
            raise ValueError("a failure needs an HTTP status other than 200 or an error code")
        self._failures[method].append(
            Failure(status=status, error=error, retry_after=retry_after, times=times, done=done)
        )

    def delay(self, seconds: float, method: str = "*") -> None:
        """Answer every call of `method` ("*" for all) `seconds` later."""
        self._delays[method] = seconds

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method that Slack accepted."""
        return [c for c in self.calls if c.method == method and c.answered == "ok"]

    def channel_messages(self, channel: str) -> list[Message]:
        """Top-level messages and replies posted in `channel`, oldest first."""
        return list(self.messages.get(channel, []))

    def reset(self) -> None:
        """Forget calls, messages, views and pending failures."""
        self.calls.clear()
        self.messages.clear()
        self.views.clear()
        self.published.clear()
        self.files.clear()
        self._failures.clear()
        self._delays.clear()
        self._buckets.clear()

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _read_args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or str(args.pop("token", ""))
        call = self._record(method, args, token=token)
        # Slack checks a trigger id when the request arrives, however long it then takes to answer.
        trigger_error = self._check_trigger(str(args.get("trigger_id") or "")) if method in _TRIGGERED else None
        pause = self._delays.get(method, self._delays.get("*", 0.0)) + self.latency
        if pause:
            await asyncio.sleep(pause)

        failure = self._next_failure(method)
        if failure is not None and failure.done:
            handler = getattr(self, "_m_" + method.replace(".", "_"), None)
            call.result = handler(args) if handler is not None else {}
        if failure is not None:
            call.answered = str(failure.status) if failure.status != 200 else failure.error
            if failure.status == 429:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(failure.retry_after)},
                )
            if failure.status >= 500:
                return web.Response(status=failure.status, text="upstream error", content_type="text/plain")
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status)

        if method == "chat.postMessage" and self.post_rate:
            wait = self._take_post_slot(self._channel_for(str(args.get("channel") or "")))
            if wait:
                call.answered = "429"
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)

        expected = self.app_token if method == "apps.connections.open" else self.token
        if token != expected:
            call.answered = "invalid_auth"
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            call.answered = "unknown_method"
            return web.json_response({"ok": False, "error": "unknown_method"})
        result = {"ok": False, "error": trigger_error} if trigger_error else handler(args)
        call.answered = "ok" if result.get("ok") else str(result.get("error"))
        call.result = result
        return web.json_response(result)

    def _record(self, method: str, args: dict[str, Any], *, token: str = "") -> Call:
        call = Call(method=method, args=args, at=time.monotonic(), token=token)
        self.calls.append(call)
        return call

    def _take_post_slot(self, channel: str) -> float:
        """Take one post from `channel`'s token bucket: 0, or how long until one is free."""
        now = time.monotonic()
        tokens, then = self._buckets.get(channel, (float(self.post_burst), now))
        tokens = min(float(self.post_burst), tokens + (now - then) * self.post_rate)
        if tokens < 1.0:
            self._buckets[channel] = (tokens, now)
            return (1.0 - tokens) / self.post_rate
        self._buckets[channel] = (tokens - 1.0, now)
        return 0.0

    def rate_limited(self, method: str = "chat.postMessage") -> list[Call]:
        """Calls of `method` answered 429."""
        return [c for c in self.calls if c.method == method and c.answered == "429"]

    def _next_failure(self, method: str) -> Failure | None:
        for key in (method, "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.popleft()
                return failure
        return None

    def _new_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    # --- methods ---------------------------------------------------------------------------

    def _m_auth_test(self, _args: dict) -> dict:
        return {
            "ok": True,
            "url": self.team_url,
            "team": "Stand-in",
            "user": "ideabot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _m_usergroups_users_list(self, args: dict) -> dict:
        group = str(args.get("usergroup") or "")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _m_apps_connections_open(self, _args: dict) -> dict:
        if not self.socket_mode:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket_url}

    def _m_users_info(self, args: dict) -> dict:
        user = str(args.get("user") or "")
        return {"ok": True, "user": {"id": user, "name": user.lower(), "real_name": f"User {user}"}}


async def _read_args(request: web.Request) -> dict[str, Any]:
    """Arguments as Slack reads them: query string, then a JSON or form body; JSON-in-form decoded."""
    args: dict[str, Any] = dict(request.query)
    raw = await request.read()
    if raw:
        if request.content_type == "application/json":
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            if isinstance(body, dict):
                args.update(body)
        else:
            args.update(dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
    for key in ("blocks", "view", "metadata", "attachments"):
        value = args.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            try:
                args[key] = json.loads(value)
            except ValueError:
                args[key] = None
    return args
