"""Answer Slack the moment a listener acks.

Bolt's AsyncApp, by default, runs a listener as a task and looks every 10 ms whether it has
acked (`asyncio.sleep(0.01)` in its listener runner): every request waited up to 10 ms after its
ack — on average half of the 13 ms a `/idea` took end to end on an idle machine — and each
request in flight woke the event loop 100 times a second. With `process_before_response=True`
Bolt answers when the listener function returns; `answer_at_ack` makes that the moment of the
ack: the listener runs as a task of its own, and the wrapper returns as soon as the listener has
acked (or has finished, or failed before acking). What the listener does after its ack carries on
in the background, as it did before.

Events are acknowledged by Bolt itself (`events=True`): their listeners run in the background
and the wrapper returns at once, so Slack never waits for an event's work.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("ideabot")  # where bot/app.py's error handler reports listeners that fail

TASK_PREFIX = "ideabot-listener:"  # how `Runtime.wait_for_listeners` recognises these tasks
_RUNNING: set[asyncio.Task] = set()  # a reference to each task until it ends

Listener = Callable[..., Awaitable[None]]


def answer_at_ack(listener: Listener, *, events: bool = False) -> Listener:
    """`listener`, wrapped for an app with `process_before_response=True` (see above)."""

    @functools.wraps(listener)  # Bolt reads the wrapped listener's argument names
    async def run(**kwargs: Any) -> None:
        ack = kwargs.get("ack")
        acked = asyncio.Event()
        if ack is not None:

            async def ack_and_answer(*args: Any, **options: Any) -> Any:
                try:
                    return await ack(*args, **options)
                finally:
                    acked.set()

            kwargs["ack"] = ack_and_answer
        task = asyncio.create_task(listener(**kwargs), name=TASK_PREFIX + listener.__name__)
        _RUNNING.add(task)
        # A failure before the ack goes to Bolt (below); one after it, with nobody waiting, is logged.
        task.add_done_callback(functools.partial(_finished, answered=acked if not events else None))
        if events:
            return
        waiting = asyncio.ensure_future(acked.wait())
        try:
            await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        if not acked.is_set() and task.done() and task.exception() is not None:
            raise task.exception()  # failed before acking: Bolt's error handler and a 500, as before

    return run


def _finished(task: asyncio.Task, *, answered: asyncio.Event | None) -> None:
    _RUNNING.discard(task)
    if task.cancelled():
        return
    error = task.exception()
    if error is not None and (answered is None or answered.is_set()):
        name = task.get_name().removeprefix(TASK_PREFIX)
        log.error("listener failed on %s (after Slack had its answer): %s", name, error, exc_info=error)


def running() -> set[asyncio.Task]:
    """Listener tasks still running (for a graceful shutdown)."""
    return {task for task in _RUNNING if not task.done()}
