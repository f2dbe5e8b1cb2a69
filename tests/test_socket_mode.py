"""Socket Mode: the same app over a WebSocket to the stand-in, every Web API call to SLACK_API_URL."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from bot.standin.driver import command_form, event_callback, view_submission
from bot.standin.local import IDEAS_CHANNEL, LocalSlack, idea_answers
from tests.conftest import FAST


@pytest.fixture
async def socket_local(tmp_path):
    async with LocalSlack(tmp_path / "ideabot.db", options=FAST, socket_mode=True) as slack:
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
