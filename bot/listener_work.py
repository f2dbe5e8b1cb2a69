"""Listener work under way, counted, so a graceful shutdown (and a test's `settle()`) can wait for it.

Bolt, in its default mode, answers Slack as soon as a listener acks; what the listener does after
its ack carries on in a task of Bolt's. Bolt offers no way to wait for those tasks, so each
listener says itself when it works: its whole body runs in `deps.work(ack)` (tests/e2e/test_listeners.py
checks that every registered listener does).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

log = logging.getLogger("ideabot")  # where bot/app.py's error handler reports listeners that fail

Ack = Callable[..., Awaitable[Any]]  # Bolt's `ack`, or the one `ListenerWork.work` hands back


async def _acked_by_bolt(*_args: Any, **_options: Any) -> None:
    """An event's ack: Bolt acknowledged the event before its listener started."""


class ListenerWork:
    """How many listeners are working now; `idle()` waits until none is."""

    def __init__(self) -> None:
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def work(self, ack: Ack | None = None) -> AsyncIterator[Ack]:
        """Count a listener's work until it ends; yields the `ack` the listener is to call.

        A failure before the ack goes on to Bolt (its error handler, and a 500 for Slack). One after
        the ack is logged here and goes no further: Slack has its answer, and Bolt 1.30 throws that
        answer away when a listener raises within its 10 ms look for the ack (Slack would wait 3 s,
        then see an error). Without `ack` (an event, which Bolt acknowledges before the listener
        starts), every failure is after the ack.
        """
        answered = ack is None

        async def ack_and_note(*args: Any, **options: Any) -> Any:
            nonlocal answered
            assert ack is not None
            try:
                return await ack(*args, **options)
            finally:
                answered = True

        self.running += 1
        self._idle.clear()
        try:
            yield ack_and_note if ack is not None else _acked_by_bolt
        except Exception as error:
            if not answered:
                raise
            log.error("listener failed after Slack had its answer: %s", error, exc_info=error)
        finally:
            self.running -= 1
            if not self.running:
                self._idle.set()

    async def idle(self, timeout: float) -> bool:
        """True once no listener is working; False if some still are after `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                while self.running:
                    await self._idle.wait()
        except TimeoutError:
            return False
        return True
