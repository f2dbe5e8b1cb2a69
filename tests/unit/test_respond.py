"""handlers/_respond.py: Slack gets its answer at the listener's ack; the rest carries on."""

from __future__ import annotations

import asyncio
import logging

import pytest
from slack_bolt.util.utils import get_arg_names_of_callable

from bot.server import _is_listener
from handlers._respond import answer_at_ack, running


class Ack:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    async def __call__(self, **options) -> None:
        self.calls.append(options)


async def test_the_wrapper_returns_at_the_ack_and_the_listener_carries_on() -> None:
    release, finished = asyncio.Event(), asyncio.Event()

    async def listener(ack, body, client) -> None:
        await ack(text="thanks")
        await release.wait()  # a slow Slack call after the ack
        finished.set()

    wrapped, before = answer_at_ack(listener), running()  # (other tests' loops may have left some)
    assert get_arg_names_of_callable(wrapped) == ["ack", "body", "client"]  # what Bolt injects
    ack = Ack()
    await asyncio.wait_for(wrapped(ack=ack, body={}, client=None), timeout=2)
    assert ack.calls == [{"text": "thanks"}] and not finished.is_set()
    (task,) = running() - before
    assert _is_listener(task)  # a graceful shutdown waits for it
    release.set()
    await asyncio.wait_for(finished.wait(), timeout=2)
    await asyncio.sleep(0)
    assert task.done() and task not in running()


async def test_a_failure_before_the_ack_reaches_bolt() -> None:
    async def listener(ack) -> None:
        raise KeyError("broken payload")

    with pytest.raises(KeyError):
        await answer_at_ack(listener)(ack=Ack())


async def test_a_failure_after_the_ack_is_logged_not_raised(caplog) -> None:
    async def listener(ack) -> None:
        await ack()
        await asyncio.sleep(0.01)
        raise RuntimeError("Slack went away")

    with caplog.at_level(logging.ERROR, logger="ideabot"):
        before = running()
        await answer_at_ack(listener)(ack=Ack())
        await asyncio.wait(running() - before, timeout=2)
        await asyncio.sleep(0)  # the done-callback that logs runs after the task ends
    (record,) = [r for r in caplog.records if r.name == "ideabot"]
    assert record.getMessage().startswith("listener failed on listener") and "Slack went away" in record.getMessage()


async def test_an_event_is_answered_at_once() -> None:
    release = asyncio.Event()

    async def listener(event) -> None:
        await release.wait()

    before = running()
    await asyncio.wait_for(answer_at_ack(listener, events=True)(event={}), timeout=1)
    (task,) = running() - before
    release.set()
    await asyncio.wait({task}, timeout=2)
    assert task.done()
