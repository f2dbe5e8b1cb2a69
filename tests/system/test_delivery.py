"""DELIVERY=external: `ideabot run` serves and stores; `ideabot deliver` processes post (bot/delivery/deliverer.py)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, Settings
from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack, idea_answers
from tests.conftest import FAST
from tests.databases import database_url
from tests.processes import BotProcess
from tests.system.test_processes import card_calls

ENV = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "IDEAS_CHANNEL": "C0123456789"}


async def deliverer(local: LocalSlack, tmp_path: Path) -> BotProcess:
    """A running `ideabot deliver` on the app's database, against its stand-in."""
    process = BotProcess(local.standin, local.database_url, cwd=tmp_path, command="deliver")
    await process.start()
    return process


def receipts(local: LocalSlack) -> list:
    return [c for c in local.standin.calls_to("chat.postMessage") if c.args.get("channel") == SUBMITTER]


async def health(local: LocalSlack) -> dict:
    assert local.runtime is not None
    url = f"http://127.0.0.1:{local.runtime.port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return await response.json()


def test_the_setting_is_read_and_checked() -> None:
    assert Settings.from_env(ENV).delivery == "inline"  # `ideabot run` delivers, in its own process
    assert Settings.from_env({**ENV, "DELIVERY": "External"}).delivery == "external"
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**ENV, "DELIVERY": "threads"})
    assert "DELIVERY must be one of inline, external" in error.value.message()
    for removed in ("process", "auto"):  # the supervised child process of earlier versions
        with pytest.raises(ConfigError) as error:
            Settings.from_env({**ENV, "DELIVERY": removed})
        assert "ideabot deliver" in error.value.message()


async def test_with_external_delivery_ideabot_run_stores_and_ideabot_deliver_posts(tmp_path) -> None:
    async with LocalSlack(database_url(tmp_path / "x.db"), options=FAST, delivery="external") as local:
        assert local.runtime is not None and local.runtime.worker is None
        for n in range(3):
            assert (await local.submit_idea(idea_answers(title=f"Idea {n}"))).status == 200
        await asyncio.sleep(1.0)
        assert not card_calls(local.standin) and not receipts(local)  # nobody delivers yet: all owed
        assert (await health(local))["delivery"] == "external"
        assert (await health(local))["outbox"]["pending"] == 6
        running = await deliverer(local, tmp_path)
        try:
            await local.wait_for(lambda: len(receipts(local)) == 3, timeout=30, what="three receipts")
            assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 3
            updates = len(local.standin.calls_to("chat.update"))
            assert (await local.click_card(1, "support", user=LEAD)).status == 200
            await local.wait_for(lambda: len(local.standin.calls_to("chat.update")) > updates, what="the card update")
            assert "1 supporter" in str(local.standin.calls_to("chat.update")[-1].args)
            await local.settle()
            assert await local.store.outbox_counts() == {"sent": 7}
        finally:
            code = await running.stop(signal.SIGTERM)
            await running.close()
        assert code == 0, running.log
        assert "ideabot deliver stopped" in running.log and "Traceback" not in running.log


async def test_a_killed_deliverers_message_is_posted_once_by_the_next(tmp_path) -> None:
    async with LocalSlack(database_url(tmp_path / "k.db"), options=FAST, delivery="external") as local:
        first = await deliverer(local, tmp_path)
        local.standin.delay(1.5, "chat.postMessage")  # the card is on its way when the deliverer dies
        assert (await local.submit_idea(idea_answers())).status == 200
        await local.wait_for(lambda: len(card_calls(local.standin)) == 1, timeout=20, what="the card post")
        assert await first.stop(signal.SIGKILL) == -signal.SIGKILL
        await first.close()
        await local.wait_for(lambda: card_calls(local.standin)[0].answered == "ok", what="Slack to finish the post")
        local.standin.delay(0.0, "chat.postMessage")
        second = await deliverer(local, tmp_path)
        try:
            await local.wait_for(lambda: len(receipts(local)) == 1, timeout=30, what="the receipt from the next")
            await local.settle()
            assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1  # found by its metadata, not again
            assert len(local.standin.calls_to("conversations.history")) >= 1
        finally:
            await second.stop()
            await second.close()
        assert "in flight when a previous process stopped" in second.log


async def test_two_deliverers_post_each_message_once(tmp_path) -> None:
    async with LocalSlack(database_url(tmp_path / "two.db"), options=FAST, delivery="external") as local:
        deliverers = [await deliverer(local, tmp_path) for _ in range(2)]
        try:
            for n in range(12):
                assert (
                    await local.submit_idea(idea_answers(title=f"Shared {n}"), user=f"U000SHAR{n:02d}")
                ).status == 200
            await local.wait_for(
                lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) >= 12, timeout=40, what="cards"
            )
            await local.settle(timeout=30)
        finally:
            codes = [await d.stop() for d in deliverers]
            for d in deliverers:
                await d.close()
        assert codes == [0, 0]
        cards = local.standin.channel_messages(IDEAS_CHANNEL)
        assert len(cards) == 12 and len({m.text for m in cards}) == 12
        assert await local.store.outbox_counts() == {"sent": 24}
