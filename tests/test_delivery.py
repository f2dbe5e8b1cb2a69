"""DELIVERY=process: the outbox worker in a child process (bot/delivery.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import aiohttp
import pytest

from bot.config import ConfigError, Settings
from bot.delivery import wanted
from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack, idea_answers
from tests.conftest import FAST
from tests.databases import database_url
from tests.processes import BotProcess
from tests.test_processes import card_calls, open_and_submit, wait


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def children(pid: int) -> list[int]:
    """The delivery processes (`python -m bot.delivery`) that `pid` started."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                command = (entry / "cmdline").read_bytes()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[1]) == pid and b"bot.delivery" in command:
                found.append(int(entry.name))
    return found


async def started_with_child(standin, db: Path) -> tuple[BotProcess, int]:
    """`ideabot run` with DELIVERY=process, and the pid of its delivery process."""
    bot = BotProcess(standin, database_url(db), cwd=db.parent, DELIVERY="process")
    await bot.start()
    assert bot.process is not None
    pid = bot.process.pid
    try:
        await wait(lambda: len(children(pid)) == 1, what="the delivery process")
    except BaseException:
        await bot.close()
        raise
    return bot, children(pid)[0]


async def health(local: LocalSlack) -> dict:
    """The delivery part of `GET /healthz`."""
    assert local.runtime is not None
    url = f"http://127.0.0.1:{local.runtime.port}/healthz"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return (await response.json())["delivery"]


def receipts(local: LocalSlack) -> list:
    return [c for c in local.standin.calls_to("chat.postMessage") if c.args.get("channel") == SUBMITTER]


def test_the_setting_is_read_and_checked() -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "IDEAS_CHANNEL": "C0123456789"}
    assert Settings.from_env(env).delivery == "auto"
    assert Settings.from_env({**env, "DELIVERY": "Inline"}).delivery == "inline"
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**env, "DELIVERY": "threads"})
    assert "DELIVERY must be one of auto, process, inline" in error.value.message()
    sqlite, postgres = "sqlite+aiosqlite:///x.db", "postgresql+asyncpg://u:p@h/db"
    assert wanted("process", sqlite) and wanted("process", postgres) and not wanted("inline", sqlite)
    assert wanted("auto", sqlite) == (len(os.sched_getaffinity(0)) >= 2)
    assert not wanted("auto", postgres)


async def test_cards_receipts_and_updates_come_from_the_child(tmp_path) -> None:
    async with LocalSlack(database_url(tmp_path / "d.db"), options=FAST, delivery="process") as local:
        runtime = local.runtime
        assert runtime is not None and runtime.worker is None and runtime.delivery is not None
        child = runtime.delivery.pid
        assert child is not None and child != os.getpid() and alive(child)
        for n in range(3):
            assert (await local.submit_idea(idea_answers(title=f"Idea {n}"))).status == 200
        await local.wait_for(lambda: len(receipts(local)) == 3, timeout=20, what="three receipts")
        assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 3
        # A click: the card update is delivered by the child as well.
        updates = len(local.standin.calls_to("chat.update"))
        assert (await local.click_card(1, "support", user=LEAD)).status == 200
        await local.wait_for(lambda: len(local.standin.calls_to("chat.update")) > updates, what="the card update")
        assert "1 supporter" in str(local.standin.calls_to("chat.update")[-1].args)
        await local.settle()
        assert await local.store.outbox_counts() == {"sent": 7}
        await local.stop_app()
        assert not alive(child)  # stopping the app stops its child


async def test_a_killed_child_is_replaced_and_posts_what_it_held_exactly_once(tmp_path) -> None:
    async with LocalSlack(database_url(tmp_path / "k.db"), options=FAST, delivery="process") as local:
        assert local.runtime is not None and local.runtime.delivery is not None
        first = local.runtime.delivery.pid
        assert first is not None
        assert (await health(local)) == {"process": first, "running": True, "restarts": 0}
        local.standin.delay(1.5, "chat.postMessage")  # the card is on its way when the child dies
        assert (await local.submit_idea(idea_answers())).status == 200
        await local.wait_for(lambda: len(card_calls(local.standin)) == 1, timeout=10, what="the card post")
        os.kill(first, signal.SIGKILL)
        await local.wait_for(lambda: card_calls(local.standin)[0].answered == "ok", what="Slack to finish the post")
        local.standin.delay(0.0, "chat.postMessage")
        await local.wait_for(
            lambda: local.runtime.delivery.pid not in (None, first), timeout=10, what="a new delivery process"
        )
        await local.wait_for(lambda: len(receipts(local)) == 1, timeout=20, what="the receipt from the new child")
        await local.settle()
        assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1  # found by its metadata, not posted again
        assert len(local.standin.calls_to("conversations.history")) >= 1
        assert local.runtime.delivery.restarts == 1
        assert (await health(local)) == {"process": local.runtime.delivery.pid, "running": True, "restarts": 1}
        # The new child takes new work.
        assert (await local.submit_idea(idea_answers(title="After the restart"))).status == 200
        await local.wait_for(lambda: len(receipts(local)) == 2, timeout=20, what="the second receipt")
        assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 2


async def test_the_child_never_outlives_ideabot_run(standin, tmp_path) -> None:
    """SIGKILL to `ideabot run`: its child finishes the post under way, then exits on its own."""
    bot, child = await started_with_child(standin, tmp_path / "p.db")
    try:
        standin.delay(1.5, "chat.postMessage")
        await open_and_submit(bot, standin, idea_answers())
        await wait(lambda: len(card_calls(standin)) == 1, what="the card post to start")
        assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        await bot.close()
    await wait(lambda: not alive(child), timeout=20, what="the orphaned child to exit")
    assert card_calls(standin)[0].answered == "ok"
    assert len(standin.channel_messages(IDEAS_CHANNEL)) == 1


async def test_sigterm_stops_both_processes_cleanly(standin, tmp_path) -> None:
    bot, child = await started_with_child(standin, tmp_path / "t.db")
    try:
        await open_and_submit(bot, standin, idea_answers())
        await wait(lambda: len(standin.channel_messages(IDEAS_CHANNEL)) == 1, what="the card")
        code = await bot.stop(signal.SIGTERM)
    finally:
        await bot.close()
    assert code == 0, bot.log
    assert not alive(child)
    assert "delivery process" in bot.log and "Traceback" not in bot.log
