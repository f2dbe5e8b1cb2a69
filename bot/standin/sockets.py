"""The stand-in's Socket Mode: the WebSocket apps.connections.open hands out, and envelopes sent on it.

Mixed into `SlackWebAPIStandIn`, which routes `/socket` to `_handle_socket`. The app acks each
envelope on the socket (kept in `socket_acks`); `socket_silent` stops answering pings, as a
half-dead connection does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from aiohttp import web


class SocketMode:
    """Mixed into the stand-in: its Socket Mode connections and the envelopes sent on them."""

    port: int
    _ts: Iterator[int]  # the stand-in's counter, shared with message ts and response URLs

    def _init_sockets(self) -> None:
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[dict] = []
        self.socket_connections = 0  # WebSocket connections accepted so far
        self.socket_silent = False  # stop answering pings (a half-dead connection)

    @property
    def socket_url(self) -> str:
        """The Socket Mode WebSocket URL apps.connections.open hands out."""
        return f"ws://127.0.0.1:{self.port}/socket"

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
