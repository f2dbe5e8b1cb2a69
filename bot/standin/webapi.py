"""A local stand-in for the Slack Web API: an aiohttp server on 127.0.0.1.

It answers the methods ideabot calls the way Slack does (unique message `ts`, view ids,
permalinks, conversation history with metadata; a modal's `hash`, with `hash_conflict` for an update
made against an older one and `not_found` once it is closed; what the person typed, kept across an
update only in blocks whose id is unchanged), enforces Slack's documented limits (so a
message Slack would reject fails here too), records every call, and fails on demand: 429 with
Retry-After, `ok: false` errors, HTTP 500, added latency, refused connections; with `post_rate`
set it paces chat.postMessage per channel as Slack does (429 beyond it). File uploads
(`files_upload_v2`'s three steps) are in files.py. The tests, the benchmark and `ideabot demo`
all use it; nothing here talks to the internet.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from bot.standin.files import FileUploads
from bot.standin.modals import PersonAtTheModal, kept_values

TRIGGER_TTL_S = 3.0  # a trigger_id is valid for 3 seconds, once
_TRIGGERED = ("views.open", "views.push")  # methods that spend a trigger id

# Slack's limits (docs.slack.dev), enforced on every surface.
MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
MESSAGE_TEXT_MAX = 40_000
MESSAGE_BLOCK_TEXT_MAX = 13_000  # msg_blocks_too_long has been seen around 13k characters of block text


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
class Message:
    """A message the stand-in holds."""

    channel: str
    ts: str
    text: str
    blocks: list
    thread_ts: str | None = None
    metadata: dict | None = None
    user: str = ""
    bot_id: str = ""
    edited: bool = False
    files: list | None = None  # a file share (files.completeUploadExternal)

    def as_dict(self, *, with_metadata: bool) -> dict:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "blocks": self.blocks}
        if self.files:
            data.update(files=self.files, upload=True)
        if self.user:
            data["user"] = self.user
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            data["metadata"] = self.metadata
        return data


@dataclass
class SlackWebAPIStandIn(PersonAtTheModal, FileUploads):
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
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict] = []
        self.socket_connections = 0  # WebSocket connections accepted so far
        self.socket_silent = False  # stop answering pings (a half-dead connection)
        self.responses: list[dict] = []  # bodies posted to response_url, with "_token"
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

    @property
    def socket_url(self) -> str:
        """The Socket Mode WebSocket URL apps.connections.open hands out."""
        return f"ws://127.0.0.1:{self.port}/socket"

    # --- Socket Mode -----------------------------------------------------------------------

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "connection_info": {"app_id": "A00000001"},
                "debug_info": {"host": "standin"},
            }
        )
        try:
            async for message in ws:
                if message.type == web.WSMsgType.PING:
                    if not self.socket_silent:
                        await ws.pong(message.data)
                elif message.type == web.WSMsgType.TEXT:
                    try:
                        data = json.loads(message.data)
                    except ValueError:
                        continue
                    if isinstance(data, dict) and data.get("envelope_id"):
                        self.socket_acks.append(data)
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    @property
    def open_sockets(self) -> int:
        """How many Socket Mode connections are open now."""
        return sum(1 for ws in self._sockets if not ws.closed)

    async def socket_send(self, kind: str, payload: dict, *, envelope_id: str = "", retry_attempt: int = 0) -> str:
        """Send an envelope (events_api, interactive, slash_commands) on the newest connection."""
        envelope_id = envelope_id or f"env-{next(self._ts)}"
        ws = next(ws for ws in reversed(self._sockets) if not ws.closed)
        await ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": "",
            }
        )
        return envelope_id

    def socket_ack(self, envelope_id: str) -> dict | None:
        """The app's ack of an envelope, if it arrived."""
        return next((a for a in self.socket_acks if a.get("envelope_id") == envelope_id), None)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does before it recycles a connection."""
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}})

    async def socket_drop(self) -> None:
        """Close every Socket Mode connection without warning."""
        for ws in list(self._sockets):
            await ws.close()

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

    def _channel_for(self, channel: str) -> str:
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _m_chat_postMessage(self, args: dict) -> dict:
        channel = str(args.get("channel") or "")
        if not channel or channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        error = check_message(args)
        if error:
            return {"ok": False, "error": error}
        metadata = args.get("metadata")
        if metadata is not None and (not isinstance(metadata, dict) or "event_type" not in metadata):
            return {"ok": False, "error": "invalid_metadata_format"}
        channel = self._channel_for(channel)
        thread_ts = args.get("thread_ts") or None
        if thread_ts and not any(m.ts == thread_ts for m in self.messages[channel]):
            return {"ok": False, "error": "thread_not_found"}
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=str(args.get("text") or ""),
            blocks=list(args.get("blocks") or []),
            thread_ts=str(thread_ts) if thread_ts else None,
            metadata=metadata,
            user=self.bot_user_id,
            bot_id=self.bot_id,
        )
        self.messages[channel].append(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": message.ts,
            "message": message.as_dict(with_metadata=True),
        }

    def _share(self, channel: str, *, text: str, files: list, thread_ts: str = "") -> Message:
        """The message a file share posts (files.completeUploadExternal)."""
        message = Message(
            channel=channel,
            ts=self._new_ts(),
            text=text,
            blocks=[],
            thread_ts=thread_ts or None,
            user=self.bot_user_id,
            bot_id=self.bot_id,
            files=files,
        )
        self.messages[channel].append(message)
        return message

    def _m_chat_update(self, args: dict) -> dict:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        found = next((m for m in self.messages.get(channel, []) if m.ts == ts), None)
        if found is None:
            return {"ok": False, "error": "message_not_found"}
        error = check_message(args)
        if error:
            return {"ok": False, "error": error}
        found.text = str(args.get("text") or "")
        found.blocks = list(args.get("blocks") or [])
        found.edited = True
        return {"ok": True, "channel": channel, "ts": ts, "text": found.text}

    def _m_chat_postEphemeral(self, args: dict) -> dict:
        if not args.get("channel") or not args.get("user"):
            return {"ok": False, "error": "invalid_arguments"}
        error = check_message(args)
        if error:
            return {"ok": False, "error": error}
        return {"ok": True, "message_ts": self._new_ts()}

    def _m_chat_getPermalink(self, args: dict) -> dict:
        channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
        if not channel or not ts or channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"{self.team_url}archives/{channel}/p{ts.replace('.', '')}",
        }

    def _m_conversations_history(self, args: dict) -> dict:
        channel = str(args.get("channel") or "")
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        top = [m for m in self.messages.get(channel, []) if not m.thread_ts and float(m.ts) >= oldest]
        top.sort(key=lambda m: float(m.ts), reverse=True)
        limit = int(args.get("limit") or 100)
        return {
            "ok": True,
            "messages": [m.as_dict(with_metadata=with_metadata) for m in top[:limit]],
            "has_more": False,
        }

    def _m_conversations_replies(self, args: dict) -> dict:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = [m for m in self.messages.get(channel, []) if m.ts == ts or m.thread_ts == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return {
            "ok": True,
            "messages": [m.as_dict(with_metadata=with_metadata) for m in thread],
            "has_more": False,
        }

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


# --- Slack's limits ---------------------------------------------------------------------------


def _text_of(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) and isinstance(obj.get("text"), str) else ""


def _block_text_length(block: dict) -> int:
    total = len(_text_of(block.get("text")))
    for f in block.get("fields") or []:
        total += len(_text_of(f))
    for e in block.get("elements") or []:
        total += len(_text_of(e)) + len(_text_of(e.get("text") if isinstance(e, dict) else None))
    return total


def check_blocks(blocks: Any, *, max_blocks: int) -> str:
    """ "" if Slack would accept these blocks, else the error code it answers."""
    if not isinstance(blocks, list):
        return "invalid_blocks_format"
    if len(blocks) > max_blocks:
        return "invalid_blocks"
    seen_ids: set[str] = set()
    for block in blocks:
        if not isinstance(block, dict) or "type" not in block:
            return "invalid_blocks"
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > 255 or block_id in seen_ids:
                return "invalid_blocks"
            seen_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                return "invalid_blocks"
            if len(_text_of(block.get("text"))) > 3000:
                return "invalid_blocks"
            fields = block.get("fields") or []
            if len(fields) > 10 or any(len(_text_of(f)) > 2000 for f in fields):
                return "invalid_blocks"
            accessory = block.get("accessory")
            if accessory is not None and _element_error(accessory):
                return "invalid_blocks"
        elif kind == "header":
            if not (1 <= len(_text_of(block.get("text"))) <= 150):
                return "invalid_blocks"
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > 10 or any(len(_text_of(e)) > 3000 for e in elements):
                return "invalid_blocks"
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > 25 or any(_element_error(e) for e in elements):
                return "invalid_blocks"
        elif kind == "input":
            label = _text_of(block.get("label"))
            if not label or len(label) > 2000 or _element_error(block.get("element")):
                return "invalid_blocks"
        elif kind not in ("divider", "image", "rich_text", "markdown"):
            return "invalid_blocks"
    return ""


def _element_error(element: Any) -> bool:
    if not isinstance(element, dict) or "type" not in element:
        return True
    if len(str(element.get("action_id", ""))) > 255:
        return True
    kind = element["type"]
    if kind == "button":
        return not (1 <= len(_text_of(element.get("text"))) <= 75) or len(str(element.get("value", ""))) > 2000
    if kind == "plain_text_input":
        max_length = element.get("max_length", 3000)
        initial = element.get("initial_value")
        return (
            not isinstance(max_length, int)
            or not (1 <= max_length <= 3000)
            or (isinstance(initial, str) and len(initial) > max_length)
        )
    if kind in ("radio_buttons", "static_select", "overflow", "checkboxes"):
        options = element.get("options") or []
        limit = 5 if kind == "overflow" else 100
        return not options or len(options) > limit or any(len(_text_of(o.get("text"))) > 75 for o in options)
    return False


def check_message(args: dict) -> str:
    """ "" if Slack would accept this message body, else its error code."""
    text = args.get("text")
    blocks = args.get("blocks")
    if not text and not blocks:
        return "no_text"
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
        return "msg_too_long"
    if blocks:
        error = check_blocks(blocks, max_blocks=MESSAGE_BLOCKS_MAX)
        if error:
            return error
        if sum(_block_text_length(b) for b in blocks) > MESSAGE_BLOCK_TEXT_MAX:
            return "msg_blocks_too_long"
    return ""


def check_view(view: Any) -> str:
    """ "" if Slack would accept this view, else its error code."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return "invalid_arguments"
    if view["type"] == "modal":
        for key in ("title", "submit", "close"):
            value = view.get(key)
            if value is not None and not (1 <= len(_text_of(value)) <= 24):
                return "invalid_arguments"
        if not view.get("title"):
            return "invalid_arguments"
    metadata = view.get("private_metadata")
    if metadata is not None and (not isinstance(metadata, str) or len(metadata) > 3000):
        return "invalid_arguments"
    return check_blocks(view.get("blocks") or [], max_blocks=VIEW_BLOCKS_MAX)
