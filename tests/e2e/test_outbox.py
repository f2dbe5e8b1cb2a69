"""The outbox: Slack failures delay messages but never lose or duplicate them."""

from __future__ import annotations

import asyncio
import json
import time

from bot.commands.outbox import print_outbox
from bot.config import Settings
from bot.delivery.outbox import ChannelPace
from bot.runtime.server import RuntimeOptions
from bot.standin.local import IDEAS_CHANNEL, LocalSlack, idea_answers
from bot.standin.messages import Message
from models.store import OutboxKind
from models.tables import utcnow
from tests.databases import database_url


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
    # The three 500s were all met (by the card, or by the receipt, which stops waiting for a card
    # Slack keeps failing after a few seconds), and each message went out once.
    assert sum(1 for c in local.standin.calls if c.method == "chat.postMessage" and c.answered == "500") == 3
    assert len(local.standin.channel_messages("D0000USER1")) == 1


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


def receipt_posts(local: LocalSlack, users: set[str]) -> list:
    return [c for c in local.standin.calls if c.method == "chat.postMessage" and c.args.get("channel") in users]


async def test_a_burst_goes_out_at_slacks_pace_per_channel_and_receipts_do_not_wait_for_it(tmp_path) -> None:
    # Slack's pace scaled 5x so the test takes seconds: the stand-in allows 5 posts a second per
    # channel in bursts of 3, as Slack allows 1; the bot spaces posts to a channel 0.2 s apart.
    options = RuntimeOptions(outbox_poll_interval=0.2)
    async with LocalSlack(database_url(tmp_path / "burst.db"), options=options, post_interval=0.2) as local:
        local.standin.post_rate, local.standin.post_burst = 5.0, 3
        users = [f"U00BURST{i:02d}" for i in range(40)]
        views = [await local.open_modal(user=user) for user in users]
        answers = [idea_answers(title=f"Burst idea number {i}") for i in range(40)]
        acked: dict[str, float] = {}

        async def submit(view: dict, answer: dict, user: str):
            reply = await local.submit(view, answer, user=user)
            acked[user] = time.monotonic()
            return reply

        replies = await asyncio.gather(*(submit(*args) for args in zip(views, answers, users, strict=True)))
        assert all(r.status == 200 and r.body == "" for r in replies)
        # Each ack waits for its write up to handlers._ack.ACK_BUDGET_S, then the write finishes after:
        # on a loaded machine (PostgreSQL, 40 at once) a few can still be writing here.
        await local.wait_for_ideas(40, timeout=10)
        assert len(await local.store.recent_ideas(limit=100)) == 40

        def sent() -> list:  # a call is recorded when it arrives, answered a moment later
            return [c for c in receipt_posts(local, set(users)) if c.answered == "ok"]

        await local.wait_for(lambda: len(sent()) >= 40, timeout=20, what="receipts")
        receipts = sorted(c.at - acked[c.args["channel"]] for c in sent())
        assert len(receipts) == 40
        assert receipts[int(0.95 * 40) - 1] <= 4.0, receipts  # the DMs did not queue behind the cards
        await local.wait_for(lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) == 40, timeout=30, what="cards")
        await local.settle(timeout=30)

        cards = local.standin.channel_messages(IDEAS_CHANNEL)
        titles = {m.text for m in cards}
        assert len(cards) == 40 and len(titles) == 40  # each card once
        posted = [c.at for c in card_posts(local) if c.answered == "ok"]
        assert posted[-1] - posted[0] >= 0.9 * 39 * 0.2  # at the channel's pace, not in a rush
        assert len(local.standin.rate_limited()) <= 40 // 4
        early = [c for c in receipt_posts(local, set(users)) if "shortly" in json.dumps(c.args.get("blocks"))]
        assert early, "some receipts should have gone before their cards"
        assert all("/idea show IDEA-" in json.dumps(c.args["blocks"]) for c in early)


async def test_a_429_pauses_only_its_channel_for_retry_after(local: LocalSlack) -> None:
    local.standin.fail("chat.postMessage", status=429, retry_after=5, times=1)  # the card's first try
    started = time.monotonic()
    await local.submit_idea(idea_answers())
    await local.wait_for(lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1, timeout=10, what="card")
    (limited,) = local.standin.rate_limited()
    card = next(c for c in card_posts(local) if c.answered == "ok")
    assert card.at - limited.at >= 5.0  # Retry-After honoured: the worker tried no earlier...
    assert [c.answered for c in card_posts(local)] == ["429", "ok"]  # ...and did not hammer meanwhile
    # The DM channel was not paused with the ideas channel: the receipt went after waiting a few
    # seconds for the card's link, without it, long before the ideas channel's Retry-After ran out.
    (receipt,) = receipt_posts(local, {"U0000USER1"})
    assert receipt.at - started < 4.5 and receipt.at < card.at
    assert "shortly" in json.dumps(receipt.args["blocks"])
    await local.settle()
    assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1


def test_channel_pace_spaces_posts_keeps_slots_and_pauses_one_channel() -> None:
    now = [100.0]
    pace = ChannelPace(interval=1.0, clock=lambda: now[0])
    assert pace.wait("C1", 1) == 0.0  # the first post goes at once
    assert pace.wait("C1", 2) == 1.0 and pace.wait("C1", 3) == 2.0  # the next ones a second apart
    assert pace.wait("C1", 2) == 1.0  # asking again keeps the slot it was given
    assert pace.wait("D1", 4) == 0.0  # another channel is not held back
    now[0] = 101.0
    assert pace.wait("C1", 2) == 0.0  # its slot has come
    pace.pause("C1", 5.0)  # Slack said 429, Retry-After 5
    assert pace.paused_for("C1") == 5.0 and pace.paused_for("D1") == 0.0
    assert pace.wait("C1", 3) == 5.0  # slots given before the pause are given again after it
    assert pace.wait("D1", 5) == 0.0
    now[0] = 106.5
    assert pace.paused_for("C1") == 0.0 and pace.wait("C1", 3) == 0.0
