"""Hostile and odd text in every field: stored as typed, shown literally, notifying nobody."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.delivery.scheduler import make_trigger
from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack, idea_answers
from tests.conftest import FAST, FakeClock, mrkdwn_strings
from tests.databases import database_url
from tests.e2e.triage_steps import decide

HOSTILE = {
    "channel": "<!channel>",
    "here": "<!here>",
    "subteam": "<!subteam^S1>",
    "user mention": "<@U123>",
    "link": "<https://evil.example|click>",
    "ampersand entity": "&amp;",
    "pre-escaped": "&lt;!channel&gt; &lt;@U123&gt;",
    "zero-width": "a\u200bb\u200c\u200dc\ufeff",
    "non-BMP emoji": "🙂 👩‍👩‍👧 🦄 \U0001f9ea",
    "3000 <": "<" * 3000,
}
NOTIFYING = ("<!channel>", "<!here>", "<!subteam^S1>", "<@U123>", "<https://evil.example")
REFUSALS = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "invalid_arguments"}
LIMITS = {"title": 150, "affected": 300}


def hostile_answers(value: str) -> dict[str, str]:
    """Every text field carries `value` after enough real words to pass the gate, cut to the field's limit."""
    answers = idea_answers()
    for key in ("title", "affected", "problem", "evidence", "business_value", "solution"):
        answers[key] = f"{answers[key]} {value}"[: LIMITS.get(key, 3000)]
    return answers


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_text_in_every_field(tmp_path, name: str) -> None:
    value = HOSTILE[name]
    clock = FakeClock()
    options = dataclasses.replace(FAST, clock=clock)
    async with LocalSlack(database_url(tmp_path / "h.db"), options=options, digest_channel="C0000LEADS") as local:
        answers = hostile_answers(value)
        reply = await local.submit_idea(answers)
        assert reply.status == 200 and reply.body == "", reply.body[:300]
        (idea,) = await local.store.recent_ideas()
        for key in ("title", "affected", "problem", "evidence", "business_value", "solution"):
            assert getattr(idea, key) == answers[key].strip(), key  # stored as typed

        card_ts = await local.card_ts(idea.id)
        await decide(local, idea.id, "triage_park", f"Not now {value}"[:2000])
        await local.slack.event(
            {
                "type": "message",
                "channel": IDEAS_CHANNEL,
                "user": "U0000OTHER",
                "ts": "1.000001",
                "text": f"reply {value}",
                "thread_ts": card_ts,
            }
        )
        acks = [
            (await local.slack.command(c, user=SUBMITTER)).json()
            for c in ("list", "mine", f"show IDEA-{idea.id}", "search customers")
        ]
        await local.slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})
        await local.settle()
        clock.set(make_trigger(local.settings).get_next_fire_time(None, clock()) + timedelta(seconds=1))
        assert await local.runtime.digests.run_due()
        await local.settle()
        await local.wait_for(lambda: bool(local.standin.channel_messages("C0000LEADS")), what="the digest")

        refused = [(c.method, c.answered) for c in local.standin.calls if c.answered in REFUSALS]
        assert refused == []
        outgoing = [c.args for c in local.standin.calls] + acks + local.standin.responses
        texts = [t for args in outgoing for t in mrkdwn_strings(args)]
        assert len(texts) > 20
        for text in texts:
            for token in NOTIFYING:
                assert token not in text, (name, token, text[:160])
        if name == "ampersand entity":
            assert any("&amp;amp;" in t for t in texts)  # shown as typed, not as "&"
        if name == "channel":
            assert any("&lt;!channel&gt;" in t for t in texts)


async def test_ids_that_are_not_slacks_are_refused_before_anything_is_stored(local: LocalSlack) -> None:
    """Slack's ids are short letters and digits; a payload with 500 emoji as a user id is not Slack's
    (PostgreSQL would refuse to store it in the 32-character column, after the ack)."""
    assert (await local.submit_idea(idea_answers())).status == 200
    card_ts = await local.card_ts(1)
    odd = "🙂" * 500
    reaction = {
        "type": "reaction_added",
        "user": odd,
        "reaction": "+1",
        "item": {"type": "message", "channel": IDEAS_CHANNEL, "ts": card_ts},
    }
    assert (await local.slack.event(reaction)).status == 400
    assert (await local.click_card(1, "support", user="U0000FINE1")).status == 200
    long_user = "U" + "1" * 40
    assert (await local.slack.command("", user=long_user)).status == 400
    await local.settle()
    data = await local.store.card_data(idea_id=1)
    assert data is not None and data.supporters == 1  # only the well-formed click counted
