"""Acknowledge a modal submission once its write is stored — within a fixed budget."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.listener_work import Ack

log = logging.getLogger("ideabot.handlers")

T = TypeVar("T")

# Slack allows 3 s; we answer within this even when the database is slow (a writer holds the lock).
ACK_BUDGET_S = 0.3


async def ack_when_stored(
    ack: Ack, work: Coroutine[Any, Any, T], *, failure_errors: dict[str, str], what: str
) -> T | None:
    """Run `work` (the write a submission causes) and ack when it is done, or at the budget.

    Usually the write takes milliseconds, so a closed modal means the change is stored. If the
    write fails before the ack, the modal stays open with `failure_errors` and the person's text
    is kept. If it is still running at the budget, the modal closes and the write finishes after.
    """
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET_S)
    if task in done and task.exception() is not None:
        error = task.exception()
        log.error("could not store %s: %s", what, error, exc_info=error)
        await ack(response_action="errors", errors=failure_errors)
        return None
    await ack()
    try:
        return await task
    except Exception:
        # After the ack nothing may propagate (Bolt would discard the ack); log it for the admin.
        log.exception("storing %s failed after the modal closed", what)
        return None
