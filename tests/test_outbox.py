"""The outbox: Slack failures delay messages but never lose or duplicate them."""

from __future__ import annotations

import asyncio
import json
import time

from bot.config import Settings
from bot.outbox_report import print_outbox
from bot.standin.local import IDEAS_CHANNEL, LocalSlack, idea_answers
from bot.standin.webapi import Message
from models.store import OutboxKind
from models.tables import utcnow


def card_posts(local: LocalSlack) -> list:
    return [c for c in local.standin.calls if c.method == "chat.postMessage" and c.args.get("channel") == IDEAS_CHANNEL]


async def test_rate_limits_are_honoured_and_the_card_is_posted_once(local: LocalSlack) -> None:
    local.standin.fail("chat.postMessage", status=429, retry_after=1, times=2)
    reply = await local.submit_idea(idea_answers())
    assert reply.body == ""
    assert len(await local.store.recent_ideas()) == 1  # stored before any Slack call succeeded
    await local.wait_for(lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1, timeout=10, what="card")
    attempts = card_posts(local)
    assert [c.answered for c in attempts[:2]] == ["429", "429"]
    assert attempts[1].at - attempts[0].at >= 1.0 and attempts[2].at - attempts[1].at >= 1.0  # Retry-After: 1
    await local.settle()
    assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1


async def test_server_errors_then_refused_connections_then_recovery(local: LocalSlack) -> None:
    view = await local.open_modal()
    local.standin.fail("chat.postMessage", status=500, times=3)
    await local.standin.refuse_connections()
    reply = await local.submit(view, idea_answers())
    assert reply.status == 200
    (idea,) = await local.store.recent_ideas()
    assert not idea.card_ts

    async def card_item():
        return next(i for i in await local.store.outbox_items(states=("pending",)) if i.kind == OutboxKind.CARD)

    deadline = time.monotonic() + 10
    while (await card_item()).attempts < 2:  # the worker keeps failing to connect, backing off
        assert time.monotonic() < deadline, "the worker did not retry"
        await asyncio.sleep(0.05)
    assert "ClientConnectorError" in (await card_item()).last_error
    await local.standin.accept_connections()
    await local.wait_for(lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1, timeout=10, what="card")
    await local.settle()
    assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1
    assert sum(1 for c in card_posts(local) if c.answered == "500") == 3


async def test_a_permanent_error_fails_the_item_and_is_listed(local: LocalSlack, capsys, caplog) -> None:
    local.standin.missing_channels.add(IDEAS_CHANNEL)
    await local.submit_idea(idea_answers())
    await local.wait_for(lambda: any(c.answered == "channel_not_found" for c in card_posts(local)), what="refusal")
    await local.settle()
    counts = await local.store.outbox_counts()
    assert counts.get("failed") == 1
    assert "giving up on card item" in caplog.text and "channel_not_found" in caplog.text
    assert len(card_posts(local)) == 1  # no retry of a permanent error

    settings = Settings(database_url=local.settings.database_url)
    status = await print_outbox(settings)
    out = capsys.readouterr().out
    assert status == 1 and "failed" in out and "channel_not_found" in out and "IDEA-1" in out


async def test_the_receipt_still_goes_out_when_the_card_failed(local: LocalSlack) -> None:
    local.standin.missing_channels.add(IDEAS_CHANNEL)
    await local.submit_idea(idea_answers())

    def receipts() -> list:
        return [c for c in local.standin.calls_to("chat.postMessage") if c.args.get("channel") == "U0000USER1"]

    await local.wait_for(lambda: bool(receipts()), what="receipt")
    (receipt,) = receipts()
    assert "IDEA-1" in receipt.args["text"] and "It is in the ideas channel" in json.dumps(receipt.args["blocks"])


async def test_an_uncertain_post_is_found_in_history_not_posted_again(local: LocalSlack) -> None:
    await local.pause_outbox()
    assert (await local.submit_idea(idea_answers())).status == 200
    (item,) = [i for i in await local.store.outbox_items(states=("pending",)) if i.kind == OutboxKind.CARD]
    # An earlier attempt reached Slack, then the process died before it could record the post:
    posted = Message(
        channel=IDEAS_CHANNEL,
        ts=f"{time.time():.6f}",
        text="IDEA-1",
        blocks=[],
        metadata={"event_type": "ideabot_outbox", "event_payload": {"outbox_id": item.id, "kind": "card"}},
        user=local.standin.bot_user_id,
    )
    local.standin.messages[IDEAS_CHANNEL].append(posted)
    await local.store.outbox_retry(item_id=item.id, error="crashed mid-call", at=utcnow(), uncertain=True)
    await local.settle()
    (idea,) = await local.store.recent_ideas()
    assert idea.card_ts == posted.ts
    assert not [c for c in card_posts(local) if c.answered == "ok"]  # never posted a second time
    assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1
    history = local.standin.calls_to("conversations.history")[0]
    assert str(history.args.get("include_all_metadata")).lower() in ("true", "1")


async def test_429_then_500_then_an_outage_the_idea_is_stored_at_once_and_posted_once(local: LocalSlack) -> None:
    view = await local.open_modal()
    local.standin.fail("chat.postMessage", status=429, retry_after=1, times=2)  # slack_sdk retries once itself
    local.standin.fail("chat.postMessage", status=500, times=2)
    reply = await local.submit(view, idea_answers())
    assert reply.status == 200 and reply.body == ""
    (idea,) = await local.store.recent_ideas()  # stored before the ack
    await local.wait_for(lambda: sum(c.answered == "500" for c in card_posts(local)) == 2, timeout=15, what="500s")
    await local.standin.refuse_connections()
    await asyncio.sleep(1.5)  # an outage: the worker backs off and keeps trying
    await local.standin.accept_connections()
    await local.wait_for(lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1, timeout=15, what="card")
    await local.settle()
    answers = [c.answered for c in card_posts(local)]
    assert answers[:4] == ["429", "429", "500", "500"] and answers.count("ok") == 1
    first_429, second_429 = (c for c in card_posts(local) if c.answered == "429")
    assert second_429.at - first_429.at >= 1.0  # Retry-After: 1 honoured
    assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1
    assert (await local.store.get_idea(idea_id=idea.id)).card_ts
