"""Socket Mode: the same app over a WebSocket to the stand-in, every Web API call to SLACK_API_URL."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.standin.driver import command_form, event_callback, view_submission
from bot.standin.local import IDEAS_CHANNEL, LocalSlack, idea_answers
from tests.conftest import FAST
from tests.databases import database_url


@pytest.fixture
async def socket_local(tmp_path):
    async with LocalSlack(database_url(tmp_path / "ideabot.db"), options=FAST, socket_mode=True) as slack:
        await slack.wait_for(lambda: slack.standin.open_sockets == 1, what="the WebSocket connection")
        yield slack


async def test_socket_mode_connects_through_slack_api_url_with_the_app_token(socket_local: LocalSlack) -> None:
    (call,) = socket_local.standin.calls_to("apps.connections.open")
    assert call.token == socket_local.standin.app_token
    assert socket_local.runtime.port is None  # no HTTP server in Socket Mode


async def test_a_whole_capture_over_the_socket(socket_local: LocalSlack) -> None:
    standin = socket_local.standin
    form = dict(parse_qsl(urlencode(command_form(""))))
    envelope = await standin.socket_send("slash_commands", form)
    await socket_local.wait_for(lambda: standin.socket_ack(envelope) is not None, what="the command's ack")
    (opened,) = await socket_local.wait_for_calls("views.open", 1)
    view = standin.views[opened.result["view"]["id"]]

    submitted = await standin.socket_send("interactive", view_submission(view, idea_answers()))
    await socket_local.wait_for(lambda: standin.socket_ack(submitted) is not None, what="the submission's ack")
    await socket_local.settle()
    assert len(standin.channel_messages(IDEAS_CHANNEL)) == 1
    (idea,) = await socket_local.store.recent_ideas()
    assert idea.card_ts

    event = event_callback({"type": "app_home_opened", "user": "U0000USER1", "tab": "home"})
    await standin.socket_send("events_api", event)
    (published,) = await socket_local.wait_for_calls("views.publish", 1)
    assert "IDEA-1" in str(published.args["view"])


async def test_coaching_comes_back_over_the_socket(socket_local: LocalSlack) -> None:
    standin = socket_local.standin
    form = dict(parse_qsl(urlencode(command_form(""))))
    await standin.socket_send("slash_commands", form)
    (opened,) = await socket_local.wait_for_calls("views.open", 1)
    view = standin.views[opened.result["view"]["id"]]
    answers = idea_answers(problem="We should buy a CRM for the whole sales team")
    envelope = await standin.socket_send("interactive", view_submission(view, answers))
    await socket_local.wait_for(lambda: standin.socket_ack(envelope) is not None, what="ack")
    payload = standin.socket_ack(envelope)["payload"]
    assert payload["response_action"] == "errors" and "problem" in payload["errors"]


def reconnect_options(**kw):
    import dataclasses

    return dataclasses.replace(FAST, **kw)


async def connected_again(local: LocalSlack, *, connections: int, timeout: float = 30.0) -> None:
    standin = local.standin
    await local.wait_for(
        lambda: standin.socket_connections >= connections and standin.open_sockets == 1,
        timeout=timeout,
        what=f"connection number {connections}",
    )


async def test_a_disconnect_message_leads_to_a_new_connection(socket_local: LocalSlack) -> None:
    started = time.monotonic()
    await socket_local.standin.socket_disconnect("refresh_requested")
    await connected_again(socket_local, connections=2)
    assert time.monotonic() - started < 30
    assert len(socket_local.standin.calls_to("apps.connections.open")) == 2


async def test_a_dropped_connection_is_reopened(socket_local: LocalSlack) -> None:
    started = time.monotonic()
    await socket_local.standin.socket_drop()
    await connected_again(socket_local, connections=2)
    assert time.monotonic() - started < 30


async def test_missing_pongs_lead_to_a_new_connection(tmp_path) -> None:
    options = reconnect_options(socket_ping_interval=0.5)
    async with LocalSlack(database_url(tmp_path / "p.db"), options=options, socket_mode=True) as local:
        await local.wait_for(lambda: local.standin.open_sockets == 1, what="the first connection")
        local.standin.socket_silent = True  # the connection looks open, but nothing answers pings
        started = time.monotonic()
        await local.wait_for(lambda: local.standin.socket_connections >= 2, timeout=30, what="a reconnect")
        local.standin.socket_silent = False
        await connected_again(local, connections=2)
        assert time.monotonic() - started < 30


async def test_the_watchdog_reconnects_when_nothing_is_heard(tmp_path, caplog) -> None:
    options = reconnect_options(socket_ping_interval=60, socket_watchdog_after=1.0)  # the SDK's pings won't notice
    async with LocalSlack(database_url(tmp_path / "w.db"), options=options, socket_mode=True) as local:
        await local.wait_for(lambda: local.standin.open_sockets == 1, what="the first connection")
        await local.wait_for(lambda: local.standin.socket_connections >= 2, timeout=10, what="the watchdog")
        assert local.runtime.socket.reconnects_by_watchdog >= 1
        assert "nothing heard from Slack" in caplog.text


async def test_an_event_redelivered_after_a_reconnect_is_applied_once(socket_local: LocalSlack) -> None:
    standin = socket_local.standin
    form = dict(parse_qsl(urlencode(command_form(""))))
    await standin.socket_send("slash_commands", form)
    (opened,) = await socket_local.wait_for_calls("views.open", 1)
    view = standin.views[opened.result["view"]["id"]]
    submitted = await standin.socket_send("interactive", view_submission(view, idea_answers()))
    await socket_local.wait_for(lambda: standin.socket_ack(submitted) is not None, what="the submission's ack")
    await socket_local.settle()
    (idea,) = await socket_local.store.recent_ideas()
    event = event_callback(
        {
            "type": "reaction_added",
            "user": "U0000FAN01",
            "reaction": "+1",
            "item": {"type": "message", "channel": IDEAS_CHANNEL, "ts": idea.card_ts},
        },
        event_id="EvREDELIVERED",
    )
    first = await standin.socket_send("events_api", event)
    await socket_local.wait_for(lambda: standin.socket_ack(first) is not None, what="the first ack")
    await standin.socket_disconnect()
    await connected_again(socket_local, connections=2)
    again = await standin.socket_send("events_api", event, retry_attempt=0)  # seen redelivered with attempt 0
    await socket_local.wait_for(lambda: standin.socket_ack(again) is not None, what="the second ack")
    await socket_local.settle()
    assert (await socket_local.store.card_data(idea_id=idea.id)).supporters == 1
