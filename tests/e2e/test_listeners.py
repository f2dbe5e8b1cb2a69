"""Listeners in Bolt's default mode: Slack has its answer at the ack, the work after it is waited
for at shutdown, and a failure is reported on whichever side of the ack it happens."""

from __future__ import annotations

import ast
import asyncio
import inspect
import logging
import textwrap
from collections.abc import Callable
from typing import Any

from bot.listener_work import ListenerWork
from bot.standin.driver import block_actions, global_shortcut, message_shortcut
from bot.standin.local import IDEAS_CHANNEL, LEAD, LocalSlack, idea_answers
from handlers import register_handlers
from tests.conftest import FAST
from tests.databases import database_url


class Registrations:
    """Stands in for the app in `register_handlers`: keeps every listener registered, by kind."""

    def __init__(self) -> None:
        self.listeners: list[tuple[str, Callable[..., Any]]] = []

    def __getattr__(self, kind: str) -> Callable[[Any], Callable[[Callable[..., Any]], Callable[..., Any]]]:
        def register(_id: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            def take(listener: Callable[..., Any]) -> Callable[..., Any]:
                self.listeners.append((kind, listener))
                return listener

            return take

        return register


def test_every_listener_runs_its_whole_body_in_deps_work() -> None:
    registered = Registrations()
    register_handlers(registered)  # type: ignore[arg-type]
    assert len(registered.listeners) > 20
    for kind, listener in registered.listeners:
        (function,) = ast.parse(textwrap.dedent(inspect.getsource(listener))).body
        assert isinstance(function, ast.AsyncFunctionDef)
        body = function.body[1:] if ast.get_docstring(function) else function.body
        assert len(body) == 1 and isinstance(body[0], ast.AsyncWith), f"{listener.__name__}: not all in deps.work()"
        (item,) = body[0].items
        call = item.context_expr
        assert isinstance(call, ast.Call) and ast.unparse(call.func) == "deps.work", listener.__name__
        if kind == "event":  # Bolt acks an event before its listener starts
            assert call.args == [] and item.optional_vars is None, listener.__name__
        else:  # the listener acks with the `ack` deps.work() hands back, so it knows which side a failure is on
            assert [ast.unparse(a) for a in call.args] == ["ack"], listener.__name__
            assert item.optional_vars is not None and ast.unparse(item.optional_vars) == "ack", listener.__name__


async def test_idle_waits_for_work_and_gives_up_at_the_timeout() -> None:
    work, release = ListenerWork(), asyncio.Event()

    async def listener() -> None:
        async with work.work():
            await release.wait()

    task = asyncio.create_task(listener())
    await asyncio.sleep(0)
    assert work.running == 1
    assert not await work.idle(0.05)
    release.set()
    assert await work.idle(2)
    await task
    assert work.running == 0 and await work.idle(0)


async def test_shutdown_waits_for_what_listeners_do_after_their_ack(tmp_path, caplog) -> None:
    caplog.set_level(logging.WARNING)
    async with LocalSlack(database_url(tmp_path / "ideabot.db"), options=FAST) as local:
        await local.submit_idea(idea_answers())
        card_ts = await local.card_ts(1)
        card = local.card_message(1).as_dict(with_metadata=False)
        container = {"type": "message", "channel_id": IDEAS_CHANNEL, "message_ts": card_ts}

        # What each listener does after its ack now takes a second: Slack calls and event writes.
        for method in ("views.open", "chat.postEphemeral", "views.publish"):
            local.standin.delay(1.0, method)
        finished: list[str] = []

        def slowed(name: str) -> Callable[..., Any]:
            original = getattr(local.store, name)

            async def slowly(**kwargs: Any) -> Any:
                await asyncio.sleep(1.0)
                result = await original(**kwargs)
                finished.append(name)
                return result

            return slowly

        local.store.set_support = slowed("set_support")
        local.store.add_comment = slowed("add_comment")

        def slow_calls() -> list:
            return [c for c in local.standin.calls if c.method in ("views.open", "chat.postEphemeral", "views.publish")]

        before = len(slow_calls())
        slack = local.slack
        replies = await asyncio.gather(
            slack.command(""),  # opens the modal
            slack.interactive(global_shortcut("submit_idea")),
            slack.interactive(message_shortcut("capture_as_idea", text="we keep losing orders")),
            slack.interactive(
                block_actions("triage_accept", value="1", user=LEAD, container=container, channel=IDEAS_CHANNEL)
            ),
            slack.interactive(
                block_actions(
                    "support", value="1", user="U0000FAN01", container=container, channel=IDEAS_CHANNEL, message=card
                )
            ),
            slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"}),
            slack.event(
                {
                    "type": "message",
                    "channel": IDEAS_CHANNEL,
                    "user": "U0000FAN02",
                    "text": "me too",
                    "ts": "2.000001",
                    "thread_ts": card_ts,
                }
            ),
            slack.event(
                {
                    "type": "reaction_added",
                    "user": "U0000FAN03",
                    "reaction": "+1",
                    "item": {"type": "message", "channel": IDEAS_CHANNEL, "ts": card_ts},
                }
            ),
        )
        assert [r.status for r in replies] == [200] * len(replies)
        assert finished == [] and not any(c.answered for c in slow_calls()[before:])  # Slack had its answers first

        await local.stop_app()

        def answered(method: str) -> int:
            return len(local.standin.calls_to(method))

        # Every listener finished before the runtime let go of its Slack session and its store.
        assert (answered("views.open"), answered("chat.postEphemeral"), answered("views.publish")) == (5, 1, 1)
        assert sorted(finished) == ["add_comment", "set_support", "set_support"]
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("ideabot")], "nothing went wrong"


async def test_a_failure_after_the_ack_is_logged_and_slack_keeps_its_answer(local: LocalSlack, caplog) -> None:
    await local.submit_idea(idea_answers())
    await local.card_ts(1)

    async def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    local.store.set_support = broken  # fails at once, right after the listener's ack
    with caplog.at_level(logging.ERROR, logger="ideabot"):
        reply = await local.click_card(1, "support", user="U0000FAN01")
        await local.settle()
    assert reply.status == 200 and reply.seconds < 2.0  # not Bolt's 404 after 3 s
    (record,) = [r for r in caplog.records if r.name == "ideabot"]
    assert record.getMessage() == "listener failed after Slack had its answer: the database went away"
    assert record.exc_info is not None


async def test_a_failure_before_the_ack_goes_to_the_error_handler(local: LocalSlack, caplog) -> None:
    async def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    local.store.recent_ideas = broken  # `/idea list` reads before it acks
    with caplog.at_level(logging.ERROR, logger="ideabot"):
        reply = await local.slack.command("list")
        await local.settle()
    assert reply.status == 500
    (record,) = [r for r in caplog.records if r.name == "ideabot"]
    assert record.getMessage() == "listener failed on a command /idea request: the database went away"
