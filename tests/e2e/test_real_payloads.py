"""Real Slack payload shapes (tests/fixtures/payloads/) sent, signed, to the running app (issue 16).

Each fixture keeps the structure of a payload from Slack's SDK test suites or documentation, with
ideabot's ids where it should reach a listener. Every one must be answered with the documented
status well inside Slack's 3 seconds, log nothing at ERROR, and have exactly the effect its
`expect` names (see tests/fixtures/payloads/README.md); one the app has no listener for is answered 200 and
logged at INFO as not understood.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from typing import Any

import pytest

from bot.standin.driver import new_trigger_id, sign
from bot.standin.local import IDEAS_CHANNEL, LocalSlack, idea_answers
from tests.fixtures.payloads import KINDS, Fixture, load_all, placeholders, render

FIXTURES = load_all()

ANSWER_WITHIN_S = 1.5  # Slack allows 3 s; a local answer should be far inside that
REPLY_TS = "1700000001.000200"  # the ts of the thread reply the "reply" setup step posts
REPLY_TEXT = "First reply in the thread"
REPLY_USER = "U0000USER2"


def accepted_calls(local: LocalSlack, start: int) -> list:
    """Web API calls Slack accepted since `start` (auth.test aside: it is the app's own start-up)."""
    return [c for c in local.standin.calls[start:] if c.answered == "ok" and c.method != "auth.test"]


async def prepare(local: LocalSlack, fixture: Fixture) -> dict[str, Any]:
    """Create the state a fixture needs; the placeholder values for its body."""
    values: dict[str, Any] = {
        "trigger_id": new_trigger_id,
        "response_url": local.standin.response_url,
        "ideas_channel": IDEAS_CHANNEL,
        "reply_ts": REPLY_TS,
    }
    idea_id = None
    for step in fixture.setup:
        name, _, arg = step.partition(":")
        if name == "idea":
            reply = await local.submit_idea(idea_answers())
            assert reply.status == 200 and reply.body == "", reply.body
            (idea,) = await local.store.recent_ideas(limit=1)
            idea_id = idea.id
            assert idea_id is not None
            values["idea_id"] = str(idea_id)
            values["card_ts"] = await local.card_ts(idea_id)
        elif name == "reply":
            assert idea_id is not None, "the reply step needs the idea step first"
            event = {
                "type": "message",
                "user": REPLY_USER,
                "text": REPLY_TEXT,
                "ts": REPLY_TS,
                "thread_ts": values["card_ts"],
                "channel": IDEAS_CHANNEL,
                "channel_type": "channel",
                "event_ts": REPLY_TS,
            }
            reply = await local.slack.event(event)
            assert reply.status == 200
            await local.settle()
            assert len(await local.store.comments(idea_id=idea_id)) == 1
        elif name == "support":
            assert idea_id is not None, "the support step needs the idea step first"
            change = await local.store.set_support(idea_id=idea_id, user_id=arg, on=True, via="reaction")
            assert change.applied
    await local.settle()
    missing = placeholders(fixture) - set(values)
    assert not missing, f"{fixture.id} needs {sorted(missing)}: add the setup step that provides them"
    return values


async def send(local: LocalSlack, fixture: Fixture, values: dict[str, Any], *, retry_headers: bool = True):
    body = render(fixture, values)
    headers: dict[str, str] = {}
    if fixture.signed is True:
        headers.update(sign(body, local.slack.signing_secret))
    elif fixture.signed == "bad":
        headers.update({"X-Slack-Request-Timestamp": "0", "X-Slack-Signature": "v0=invalid"})
    if retry_headers:
        headers.update(fixture.headers)
    return await local.slack.post_raw(body, content_type=fixture.content_type, headers=headers)


# What a fixture's `expect` may say (tests/fixtures/payloads/README.md); anything else is a typo.
EXPECT_KEYS = {
    "status", "body_empty", "body_contains", "json", "calls", "no_calls", "opened_view", "published_for",
    "ephemeral_to", "dm_to", "responses", "response_contains", "ideas", "submitter", "idea_status",
    "supporters", "comments", "comment_text", "comment_deleted", "unhandled",
}  # fmt: skip


def not_understood(caplog) -> list[str]:
    """The INFO lines bot/app.py writes for a request no listener wanted."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "ideabot" and r.levelno == logging.INFO and "no listener for a" in r.getMessage()
    ]


async def check(local: LocalSlack, fixture: Fixture, reply, calls_before: int, responses_before: int, caplog) -> None:
    """Compare what the app did with the fixture's `expect`."""
    expect = fixture.expect
    new_calls = accepted_calls(local, calls_before)
    delta = dict(Counter(c.method for c in new_calls))
    context = f"{fixture.id}: reply {reply.status} {reply.body[:300]!r}; calls {delta}"
    check_reply(expect, reply, context)
    check_calls(local, expect, new_calls, delta, responses_before, context)
    await check_stored(local, expect, context)
    check_logged(expect, caplog, context)


def check_reply(expect: dict, reply, context: str) -> None:
    """The HTTP answer: its status and body."""
    assert reply.status == expect.get("status", 200), context
    if expect.get("body_empty"):
        assert reply.body == "", context
    for text in expect.get("body_contains", []):
        assert text in reply.body, context
    for key, value in expect.get("json", {}).items():
        assert reply.json().get(key) == value, context


def check_calls(
    local: LocalSlack, expect: dict, new_calls: list, delta: dict, responses_before: int, context: str
) -> None:
    """The Web API calls the app made, and what it posted to response_url."""
    for method, count in expect.get("calls", {}).items():
        assert delta.get(method, 0) == count, context
    if expect.get("no_calls"):
        assert delta == {}, context
    if "opened_view" in expect:
        opened = [c.args["view"]["callback_id"] for c in new_calls if c.method == "views.open"]
        assert opened[:1] == [expect["opened_view"]], context
    if "published_for" in expect:
        assert [c.args["user_id"] for c in new_calls if c.method == "views.publish"] == [expect["published_for"]], (
            context
        )
    if "ephemeral_to" in expect:
        assert [c.args["user"] for c in new_calls if c.method == "chat.postEphemeral"] == [expect["ephemeral_to"]], (
            context
        )
    if "dm_to" in expect:
        assert expect["dm_to"] in [c.args["channel"] for c in new_calls if c.method == "chat.postMessage"], context
    if "responses" in expect:
        responses = local.standin.responses[responses_before:]
        assert len(responses) == expect["responses"], context
        assert all(expect.get("response_contains", "") in json.dumps(r) for r in responses), context


async def check_stored(local: LocalSlack, expect: dict, context: str) -> None:
    """The ideas, supporters and comments in the database."""
    ideas = await local.store.recent_ideas(limit=100)  # newest first
    if "ideas" in expect:
        assert len(ideas) == expect["ideas"], context
    if "submitter" in expect:
        assert ideas and ideas[0].submitter_id == expect["submitter"], context
    idea = ideas[-1] if ideas else None  # the one the "idea" setup step submitted
    if "idea_status" in expect:
        assert idea is not None and idea.status == expect["idea_status"], context
    if "supporters" in expect:
        data = await local.store.card_data(idea_id=idea.id) if idea is not None else None
        assert data is not None and data.supporters == expect["supporters"], context
    if {"comments", "comment_text", "comment_deleted"} & set(expect):
        assert idea is not None, context
        comments = await local.store.comments(idea_id=idea.id, limit=100)  # newest first
        if "comments" in expect:
            assert len(comments) == expect["comments"], context
        if "comment_text" in expect:
            assert comments and comments[-1].text == expect["comment_text"], context
        if "comment_deleted" in expect:
            assert comments and comments[-1].deleted is expect["comment_deleted"], context


def check_logged(expect: dict, caplog, context: str) -> None:
    """Whether the app logged the payload as not understood."""
    logged = not_understood(caplog)
    if expect.get("unhandled"):
        assert logged, f"{context}: no INFO line saying it was not understood"
    else:
        assert not logged, f"{context}: logged as not understood: {logged[0]}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.id)
async def test_a_real_payload_shape_is_answered_as_expected(local: LocalSlack, caplog, fixture: Fixture) -> None:
    caplog.set_level(logging.INFO)
    await local.wait_for(lambda: local.runtime is not None and local.runtime.identity.known, what="auth.test")
    values = await prepare(local, fixture)
    if fixture.original:
        first = await send(local, fixture, values, retry_headers=False)
        assert first.status == 200, first.body
        await local.settle()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]  # during setup (and the original delivery)
    caplog.clear()
    calls_before = len(local.standin.calls)
    responses_before = len(local.standin.responses)
    reply = await send(local, fixture, values)
    await local.settle()
    assert reply.seconds < ANSWER_WITHIN_S, f"{fixture.id} took {reply.seconds:.2f}s"
    await check(local, fixture, reply, calls_before, responses_before, caplog)
    errors += [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"{fixture.id} logged: " + "; ".join(r.getMessage() for r in errors)


def test_every_kind_has_fixtures() -> None:
    counts = Counter(f.kind for f in FIXTURES)
    print("\nreal payload fixtures per kind:")
    for kind in KINDS:
        print(f"  {kind:<18} {counts[kind]}")
    print(f"  {'total':<18} {sum(counts.values())}")
    assert set(counts) <= set(KINDS)
    assert [k for k in KINDS if counts[k] == 0] == []


def test_every_fixture_is_well_formed() -> None:
    """A source to trace it to, only known expectations (a typo would make a test vacuous), no real tokens."""
    for fixture in FIXTURES:
        assert fixture.source.startswith(("slackapi/", "https://")), fixture.id
        assert fixture.expect and set(fixture.expect) <= EXPECT_KEYS, (
            f"{fixture.id}: {set(fixture.expect) - EXPECT_KEYS}"
        )
        assert fixture.expect.get("unhandled") or fixture.expect.get("status", 200) != 200 or len(fixture.expect) > 1, (
            f"{fixture.id} expects only a status: say what the app must (not) do"
        )
        text = json.dumps(fixture.body)
        assert not re.search(r"xox[abposr]-", text), f"{fixture.id} carries a token-like string"
        assert not set(fixture.headers) - {"X-Slack-Retry-Num", "X-Slack-Retry-Reason"}, fixture.id
        assert (fixture.kind == "retry") == bool(fixture.headers), fixture.id
        if fixture.setup:
            assert fixture.setup[0] == "idea", fixture.id
