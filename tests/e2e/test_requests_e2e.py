"""Requests besides a submission, end to end: /idea's answers given only to you, forged and
unsigned requests, user text that tries to notify, and requests no listener wants."""

from __future__ import annotations

import json
import logging

from bot.standin.local import SUBMITTER, LocalSlack, idea_answers
from tests.conftest import all_ideas, mrkdwn_strings


async def test_subcommands_answer_ephemerally(local: LocalSlack) -> None:
    await local.submit_idea(idea_answers())
    await local.submit_idea(
        idea_answers(
            title="Laptop wait",
            problem="New hires wait three days for a laptop and accounts, so they sit idle",
        ),
        user="U0000OTHER",
    )
    await local.settle()
    modals_before = len(local.standin.calls_to("views.open"))

    def said(reply) -> str:
        assert reply.status == 200
        body = reply.json()
        assert body.get("response_type", "ephemeral") == "ephemeral"
        return body["text"] + json.dumps(body.get("blocks", []))

    assert "/idea search WORDS" in said(await local.slack.command("help"))
    listed = said(await local.slack.command("list"))
    assert "IDEA-1" in listed and "IDEA-2" in listed
    mine = said(await local.slack.command("mine"))
    assert "IDEA-1" in mine and "IDEA-2" not in mine
    found = said(await local.slack.command("search laptop"))
    assert "IDEA-2" in found and "IDEA-1" not in found
    assert "No idea matches" in said(await local.slack.command("search zeppelin"))
    shown = said(await local.slack.command("show IDEA-2"))
    assert "New hires wait three days" in shown
    assert "There is no IDEA-99" in said(await local.slack.command("show IDEA-99"))
    assert "isn't an `/idea` command" in said(await local.slack.command("stats"))
    assert "/idea show IDEA-42" in said(await local.slack.command("show"))
    assert len(local.standin.calls_to("views.open")) == modals_before  # answers, not modals


async def test_forged_signature_is_rejected_and_nothing_happens(local: LocalSlack) -> None:
    view = await local.open_modal()
    calls_before = len(local.standin.calls)
    from urllib.parse import urlencode

    from bot.standin.driver import sign, view_submission

    body = urlencode({"payload": json.dumps(view_submission(view, idea_answers()))})
    forged = sign(body, "not-the-signing-secret")
    reply = await local.slack.post_raw(body, content_type="application/x-www-form-urlencoded", headers=forged)
    assert reply.status == 401
    await local.settle()
    assert await all_ideas(local) == []
    assert len(local.standin.calls) == calls_before


async def test_slacks_unsigned_ssl_check_is_answered_200_and_nothing_runs(local: LocalSlack) -> None:
    calls_before = len(local.standin.calls)
    reply = await local.slack.post_raw(
        "ssl_check=1&token=legacy-verification-token", content_type="application/x-www-form-urlencoded"
    )
    assert reply.status == 200 and reply.body == ""
    await local.settle()
    later = [c.method for c in local.standin.calls[calls_before:] if c.method != "auth.test"]  # start-up's own
    assert later == [] and await all_ideas(local) == []


HOSTILE = "<!channel> <!here> <@U123> <https://evil.example|click> &amp; ‮"


async def test_user_text_never_notifies_anyone(local: LocalSlack) -> None:
    answers = {
        key: f"{value} {HOSTILE}" if key not in ("origin", "kind") else value for key, value in idea_answers().items()
    }
    reply = await local.submit_idea(answers)
    assert reply.body == ""
    await local.settle()
    (idea,) = await all_ideas(local)
    assert idea.title == answers["title"].strip() and idea.problem == answers["problem"].strip()  # byte-exact

    answers_from_acks = []
    for command in ("list", "mine", "show IDEA-1", "search channel"):
        answers_from_acks.append((await local.slack.command(command)).json())
    await local.slack.event({"type": "app_home_opened", "user": SUBMITTER, "tab": "home"})
    await local.wait_for_calls("views.publish", 1)

    outgoing = [c.args for c in local.standin.calls if c.method != "views.open"] + answers_from_acks
    texts = [t for args in outgoing for t in mrkdwn_strings(args)]
    assert any("&lt;!channel&gt;" in t for t in texts)
    for text in texts:
        for token in ("<!channel>", "<!here>", "<@U123>", "<https://evil.example"):
            assert token not in text, (token, text[:200])


async def test_a_request_no_listener_wants_is_answered_and_logged_by_kind_only(local: LocalSlack, caplog) -> None:
    caplog.set_level(logging.INFO, logger="ideabot")
    event = {"type": "message", "subtype": "channel_join", "channel": "C0000GNRL1", "user": "U0000USER1"}
    event["text"] = "secret words <@U0000USER1> joined"
    assert (await local.slack.event({**event, "type": "app_home_opened_x"})).status == 200
    await local.settle()
    logged = [r.getMessage() for r in caplog.records if "no listener" in r.getMessage()]
    assert logged == [
        "no listener for a event_callback app_home_opened_x/channel_join request: acknowledged, nothing done"
    ]
    assert "secret" not in caplog.text
