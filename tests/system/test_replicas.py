"""Two copies of `ideabot run` (two OS processes) on one database, as replicas behind a load
balancer: concurrent submissions, Slack's retries landing on the other copy, and a digest period
both race to post → every idea once, every card once, one digest. Runs on SQLite and, in CI, on
PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime

from bot.standin.driver import view_submission
from bot.standin.local import IDEAS_CHANNEL, idea_answers
from bot.standin.messages import Message
from models.schema import prepare_schema
from models.store import Store
from tests.databases import database_url
from tests.processes import BotProcess
from tests.system.test_reliability import fresh_view

DIGEST_CHANNEL = "C0000LEADS"
SUBMISSIONS = 120
RETRIED = 30  # of them delivered again, to the other copy (Slack retrying after a slow ack)


def _outbox_id(message: Message) -> int | None:
    payload = (message.metadata or {}).get("event_payload") or {}
    return payload.get("outbox_id")


async def test_two_processes_on_one_database_store_every_idea_once_and_post_one_digest(standin, tmp_path) -> None:
    url = database_url(tmp_path / "replicas.db")
    store = Store.from_url(url)
    try:
        await prepare_schema(store)
        # The bot has run before (an old period is recorded), so at start-up both copies find the
        # latest weekly period unposted and race to claim it.
        old = datetime(2020, 1, 6, 9, tzinfo=UTC)
        assert await store.skip_digest(key="2020-01-06T09:00:00Z", period_start=old, period_end=old, note="test")
    finally:
        await store.close()

    settings = {"DIGEST_CHANNEL": DIGEST_CHANNEL, "DIGEST_SCHEDULE": "0 9 * * mon", "DIGEST_TIMEZONE": "UTC"}
    bots = [BotProcess(standin, url, cwd=tmp_path, **settings) for _ in range(2)]
    try:
        await asyncio.gather(*(bot.start() for bot in bots))

        views = [fresh_view() for _ in range(SUBMISSIONS)]

        async def submit(n: int, bot: BotProcess) -> int:
            answers = idea_answers(title=f"Replica idea {n}")
            reply = await bot.driver.interactive(view_submission(views[n], answers, user=f"U{n:09d}"))
            return reply.status

        deliveries = [submit(n, bots[n % 2]) for n in range(SUBMISSIONS)]
        deliveries += [submit(n, bots[(n + 1) % 2]) for n in range(RETRIED)]  # the same view, the other copy
        statuses = await asyncio.gather(*deliveries)
        assert statuses == [200] * (SUBMISSIONS + RETRIED)

        deadline = time.monotonic() + 60
        while True:
            cards = [m for m in standin.channel_messages(IDEAS_CHANNEL) if not m.thread_ts]
            digests = standin.channel_messages(DIGEST_CHANNEL)
            if len(cards) >= SUBMISSIONS and digests and standin.shared_files(DIGEST_CHANNEL):
                break
            assert time.monotonic() < deadline, f"{len(cards)} cards, {len(digests)} digest messages after 60 s"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)  # anything posted twice would arrive by now
    finally:
        codes = await asyncio.gather(*(bot.stop() for bot in bots), return_exceptions=True)
        for bot in bots:
            await bot.close()
    assert codes == [0, 0], [bot.log[-2000:] for bot in bots]

    store = Store.from_url(url)
    try:
        ideas = await store.recent_ideas(limit=1000)
        runs = await store.digest_runs(limit=10)
    finally:
        await store.close()

    titles = sorted(i.title for i in ideas)
    assert len(ideas) == SUBMISSIONS and len(set(titles)) == SUBMISSIONS  # every idea once
    assert all(i.card_ts for i in ideas) and len({i.card_ts for i in ideas}) == SUBMISSIONS
    cards = [m for m in standin.channel_messages(IDEAS_CHANNEL) if not m.thread_ts]
    assert len(cards) == SUBMISSIONS and len({_outbox_id(m) for m in cards}) == SUBMISSIONS  # every card once
    receipts = [c for c in standin.calls_to("chat.postMessage") if c.args.get("channel", "").startswith("U")]
    assert len(receipts) == SUBMISSIONS

    posted = [r for r in runs if r.state == "posted"]
    assert len(posted) == 1, [(r.key, r.state, r.owner) for r in runs]  # one digest for the period
    parts = len(json.loads(posted[0].content))
    digests = [m for m in standin.channel_messages(DIGEST_CHANNEL) if not m.files]
    assert len(digests) == parts and len({_outbox_id(m) for m in digests}) == parts
    assert len(standin.shared_files(DIGEST_CHANNEL)) == 1  # and its chart once
    claimed_in = [bot for bot in bots if f"digest {posted[0].key} claimed" in bot.log]
    assert len(claimed_in) == 1  # exactly one copy claimed it; the other found it taken
    handled = [bot.log.count("stored IDEA-") for bot in bots]
    assert sum(handled) == SUBMISSIONS and min(handled) > 0, handled  # both copies took submissions
    print(
        f"\ntwo processes: {SUBMISSIONS} submissions (+{RETRIED} redelivered to the other copy) → {len(ideas)} ideas, "
        f"{len(cards)} cards, {len(receipts)} receipts, {len(posted)} digest ({parts} message(s)); "
        f"stored by copy: {handled}"
    )
