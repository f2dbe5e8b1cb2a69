"""Socket Mode that stays connected: slack_sdk's reconnects, plus a watchdog of our own.

slack_sdk's client reconnects when Slack sends `disconnect`, when the connection closes, and
when pongs stop for four ping intervals. The watchdog covers what is left: if nothing at all
(no message, no pong) has been heard for `watchdog_after` seconds, it logs and opens a new
connection. Events that Slack redelivers after a reconnect are applied once (deduplicated on
their event_id in the store).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiohttp import WSMessage
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("ideabot.socket")

PING_INTERVAL_S = 5.0  # a dead connection is noticed after four missed pongs: 20 s
WATCHDOG_AFTER_S = 30.0


class SocketModeRunner:
    """Connects the app over Socket Mode and keeps it connected."""

    def __init__(
        self,
        app: AsyncApp,
        *,
        app_token: str,
        web_client: AsyncWebClient,
        ping_interval: float = PING_INTERVAL_S,
        watchdog_after: float = WATCHDOG_AFTER_S,
    ) -> None:
        self.handler = AsyncSocketModeHandler(app, app_token, web_client=web_client, ping_interval=ping_interval)
        self.client = self.handler.client
        self.watchdog_after = watchdog_after
        self.last_heard = time.monotonic()
        self.reconnects_by_watchdog = 0
        self.client.on_message_listeners.append(self._heard)
        self._watchdog: asyncio.Task | None = None

    async def _heard(self, _message: WSMessage) -> None:
        self.last_heard = time.monotonic()

    def silent_for(self) -> float:
        """Seconds since anything (a message or a pong) came over the connection."""
        silent = time.monotonic() - self.last_heard
        pong = self.client.last_ping_pong_time
        return min(silent, time.time() - pong) if pong is not None else silent

    async def start(self) -> None:
        """Connect, then watch the connection."""
        await self.handler.connect_async()
        self.last_heard = time.monotonic()
        self._watchdog = asyncio.create_task(self._watch(), name="socket-watchdog")

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(5.0, self.watchdog_after / 3))
            silent = self.silent_for()
            if silent <= self.watchdog_after:
                continue
            log.warning("Socket Mode: nothing heard from Slack for %.0f s; opening a new connection", silent)
            self.reconnects_by_watchdog += 1
            self.last_heard = time.monotonic()
            try:
                await self.client.connect_to_new_endpoint(force=True)
            except Exception:
                # The next round tries again; the watchdog itself must never stop.
                log.exception("Socket Mode: reconnecting failed; trying again shortly")

    async def close(self) -> None:
        """Stop watching and close the connection."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self.handler.close_async()
