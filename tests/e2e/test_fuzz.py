"""Property-based: payloads shaped like Slack's, with keys missing, wrong types and huge strings.

Whatever arrives (signed), no listener crashes, every request is answered within 3 seconds,
and after each one the database is consistent (no idea without what it owes Slack): each example
checks all three itself, so no test depends on another having run first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.standin.driver import (
    block_actions,
    command_form,
    event_callback,
    global_shortcut,
    message_shortcut,
    view_submission,
)
from bot.standin.local import IDEAS_CHANNEL, LEAD, LocalSlack, idea_answers
from bot.views import build_idea_modal
from tests.conftest import FAST
from tests.databases import database_url


class ErrorRecorder(logging.Handler):
    """Keeps the records a crash leaves: a listener that raised, or a request the server failed on.

    (Other errors are fine here: a fuzzed user id makes a receipt fail with channel_not_found,
    which the outbox rightly reports.)
    """

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        crashed_listener = record.name == "ideabot" and record.getMessage().startswith("listener failed")
        if crashed_listener or record.name.startswith(("aiohttp.server", "slack_bolt", "ideabot.bolt")):
            self.records.append(record)


class ThreadedSlack:
    """LocalSlack on an event loop of its own thread, so hypothesis can drive it synchronously."""

    def __init__(self, path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.local = LocalSlack(path, options=FAST)

    def run(self, coro, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def __enter__(self) -> ThreadedSlack:
        self.thread.start()
        self.run(self.local.__aenter__())
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.local.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def slack(tmp_path_factory):
    recorder = ErrorRecorder()
    logging.getLogger().addHandler(recorder)
    with ThreadedSlack(database_url(tmp_path_factory.mktemp("fuzz") / "fuzz.db")) as threaded:
        threaded.recorder = recorder
        threaded.run(threaded.local.submit_idea(idea_answers()))
        threaded.card_ts = threaded.run(threaded.local.card_ts(1))
        yield threaded
    logging.getLogger().removeHandler(recorder)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["<" * 5000, "x" * 60000, "\u200b" * 100, "🙂" * 500, "IDEA-1", "1", "", " ", "V123", "T1.2"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


def mutate(data: st.DataObject, value: Any, depth: int = 0) -> Any:
    """Drop keys, swap values for junk of the wrong type, recurse — drawn by hypothesis."""
    if isinstance(value, dict) and depth < 6:
        out = {}
        for key, item in value.items():
            choice = data.draw(st.sampled_from(["keep", "keep", "keep", "recurse", "drop", "junk"]))
            if choice == "drop":
                continue
            out[key] = (
                data.draw(JUNK) if choice == "junk" else mutate(data, item, depth + 1) if choice == "recurse" else item
            )
        return out
    if isinstance(value, list) and depth < 6:
        return [mutate(data, item, depth + 1) for item in value]
    return value


def form(data: dict) -> str:
    return urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()})


def shapes(card_ts: str) -> dict[str, Callable[[], tuple[str, Any]]]:
    """Builders of Slack-shaped payloads ideabot listens for: (kind, payload)."""
    container = {"type": "message", "channel_id": IDEAS_CHANNEL, "message_ts": card_ts}

    def view(callback: str) -> dict:
        base = build_idea_modal().to_dict()
        base.update(id="VFUZZ00001", callback_id=callback, private_metadata=json.dumps({"idea": 1, "to": "declined"}))
        return base

    builders: dict[str, Callable[[], tuple[str, Any]]] = {
        "command": lambda: ("form", command_form("list")),
        "command submit": lambda: ("form", command_form("Some title")),
        "global shortcut": lambda: ("payload", global_shortcut("submit_idea")),
        "message shortcut": lambda: ("payload", message_shortcut("capture_as_idea", text="a message")),
        "idea submission": lambda: ("payload", view_submission(view("idea_modal"), idea_answers())),
        "decision submission": lambda: (
            "payload",
            view_submission(view("triage_decision"), {"reason": "x"}, user=LEAD),
        ),
        "restate submission": lambda: ("payload", view_submission(view("restate_problem"), idea_answers())),
        "merge submission": lambda: ("payload", view_submission(view("triage_merge"), {"merge_target": "IDEA-1"})),
        "event message": lambda: (
            "event",
            {
                "type": "message",
                "channel": IDEAS_CHANNEL,
                "user": "U1",
                "text": "hi",
                "ts": "1.2",
                "thread_ts": card_ts,
            },
        ),
        "event reaction": lambda: (
            "event",
            {
                "type": "reaction_added",
                "user": "U1",
                "reaction": "+1",
                "item": {"type": "message", "channel": IDEAS_CHANNEL, "ts": card_ts},
            },
        ),
        "event home": lambda: ("event", {"type": "app_home_opened", "user": "U1", "tab": "home"}),
    }
    for action in (
        "support",
        "withdraw_support",
        "triage_accept",
        "triage_decline",
        "triage_assign",
        "triage_score",
        "restate_problem",
        "open_idea_modal",
    ):
        builders[f"button {action}"] = lambda action=action: (
            "payload",
            block_actions(action, value="1", user=LEAD, container=container, channel=IDEAS_CHANNEL),
        )
    builders["overflow"] = lambda: (
        "payload",
        block_actions(
            "triage_more",
            user=LEAD,
            container=container,
            channel=IDEAS_CHANNEL,
            selected_option={"value": "1:under_review", "text": {"type": "plain_text", "text": "x"}},
        ),
    )
    return builders


async def owed_counts(local: LocalSlack) -> tuple[int, int, int]:
    """Ideas stored, ideas with a card owed or sent, receipts owed or sent (one transaction stores all three)."""
    from sqlalchemy import func, select

    from models.tables import Idea, OutboxItem

    async with local.store.engine.connect() as connection:
        ideas = await connection.scalar(select(func.count()).select_from(Idea))
        cards = await connection.scalar(
            select(func.count(func.distinct(OutboxItem.idea_id))).where(OutboxItem.kind == "card")
        )
        receipts = await connection.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.kind == "receipt")
        )
    return ideas, cards, receipts


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_payload_crashes_a_listener_or_goes_unanswered(slack, data) -> None:
    builders = shapes(slack.card_ts)
    name = data.draw(st.sampled_from(sorted(builders)))
    kind, payload = builders[name]()
    payload = mutate(data, payload)
    driver = slack.local.slack
    if kind == "form":
        call = driver.post_signed(form(payload), content_type="application/x-www-form-urlencoded")
    elif kind == "payload":
        call = driver.post_signed(
            urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded"
        )
    else:
        call = driver.post_signed(json.dumps(event_callback(payload)), content_type="application/json")
    reply = slack.run(call)
    assert reply.status in (200, 400), (name, reply.status, reply.body[:200])
    assert reply.seconds < 3.0, (name, reply.seconds)
    slack.run(slack.local.runtime.wait_for_listeners(10))
    crashes = [r.getMessage() for r in slack.recorder.records]
    assert crashes == [], (name, crashes[:3])
    ideas, cards, receipts = slack.run(owed_counts(slack.local))
    assert ideas >= 1 and cards == ideas and receipts == ideas, name  # each idea stored with what it owes Slack
