"""Crashes, signals and a second process, with `ideabot run` as a real process."""

from __future__ import annotations

import asyncio
import json
import signal
import time

from bot.standin import SlackWebAPIStandIn
from bot.standin.driver import view_submission
from bot.standin.local import IDEAS_CHANNEL, SUBMITTER, idea_answers
from tests.databases import database_url
from tests.processes import BotProcess


async def open_and_submit(bot: BotProcess, standin: SlackWebAPIStandIn, answers: dict) -> None:
    before = len(standin.calls_to("views.open"))
    assert (await bot.driver.command("")).status == 200
    deadline = time.monotonic() + 10
    while len(standin.calls_to("views.open")) <= before:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    view = standin.views[standin.calls_to("views.open")[before].result["view"]["id"]]
    reply = await bot.driver.interactive(view_submission(view, answers))
    assert reply.status == 200 and reply.body == "", reply.body


def card_calls(standin: SlackWebAPIStandIn) -> list:
    return [c for c in standin.calls if c.method == "chat.postMessage" and c.args.get("channel") == IDEAS_CHANNEL]


async def wait(condition, *, timeout: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_card_in_flight_when_the_process_is_killed_is_posted_exactly_once(standin, tmp_path) -> None:
    db = database_url(tmp_path / "kill.db")
    # The one process, delivering (DELIVERY=inline), dies mid-post; tests/system/test_delivery.py kills a deliverer.
    bot = BotProcess(standin, db, cwd=tmp_path, DELIVERY="inline")
    await bot.start()
    try:
        standin.delay(2.0, "chat.postMessage")  # the card post is still on its way when the process dies
        await open_and_submit(bot, standin, idea_answers())
        await wait(lambda: len(card_calls(standin)) == 1, what="the card post to start")
        assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        await bot.close()
    await wait(lambda: card_calls(standin)[0].answered == "ok", what="Slack to finish the post")
    assert len(standin.channel_messages(IDEAS_CHANNEL)) == 1  # it did reach Slack; the bot never learned
    standin.delay(0.0, "chat.postMessage")

    restarted = BotProcess(standin, db, cwd=tmp_path, DELIVERY="inline")
    await restarted.start()
    try:
        await wait(
            lambda: any(c.args.get("channel") == SUBMITTER for c in standin.calls_to("chat.postMessage")),
            what="the receipt after the restart",
        )
        await asyncio.sleep(0.5)
    finally:
        assert await restarted.stop() == 0
        await restarted.close()
    assert len(standin.channel_messages(IDEAS_CHANNEL)) == 1  # exactly one card
    assert len(standin.calls_to("conversations.history")) >= 1  # the restarted process looked before posting
    assert "in flight when a previous process stopped" in restarted.log


async def test_killed_before_the_card_was_tried_posts_it_after_restart(standin, tmp_path) -> None:
    db = database_url(tmp_path / "kill2.db")
    bot = BotProcess(standin, db, cwd=tmp_path, DELIVERY="inline")
    await bot.start()
    try:
        standin.fail("chat.postMessage", status=500, times=1000)  # nothing gets through before the kill
        await open_and_submit(bot, standin, idea_answers())
        assert await bot.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        await bot.close()
    standin.reset()
    restarted = BotProcess(standin, db, cwd=tmp_path)
    await restarted.start()
    try:
        await wait(lambda: len(standin.channel_messages(IDEAS_CHANNEL)) == 1, what="the card after the restart")
        await asyncio.sleep(0.5)
    finally:
        assert await restarted.stop() == 0
        await restarted.close()
    assert len(standin.channel_messages(IDEAS_CHANNEL)) == 1


async def test_sigterm_lets_work_in_flight_finish_and_exits_zero(standin, tmp_path) -> None:
    bot = BotProcess(standin, database_url(tmp_path / "term.db"), cwd=tmp_path)
    await bot.start()
    try:
        standin.delay(1.5, "chat.postMessage")
        await open_and_submit(bot, standin, idea_answers())
        await wait(lambda: len(card_calls(standin)) == 1, what="the card post to start")
        started = time.monotonic()
        code = await bot.stop(signal.SIGTERM)
        took = time.monotonic() - started
    finally:
        await bot.close()
    assert code == 0, bot.log
    assert card_calls(standin)[0].answered == "ok"  # the delivery under way finished before exiting
    assert took < 15
    assert "ideabot stopped" in bot.log
    # New work after SIGTERM is refused at the door (the port is closed).
    reply_error = None
    try:
        await bot.driver.command("")
    except Exception as error:
        reply_error = error
    assert reply_error is not None


async def test_no_token_or_secret_reaches_the_logs(standin, tmp_path) -> None:
    bot = BotProcess(standin, database_url(tmp_path / "logs.db"), cwd=tmp_path, LOG_LEVEL="DEBUG")
    await bot.start()
    try:
        await open_and_submit(bot, standin, idea_answers())
        from bot.standin.driver import sign

        body = json.dumps(
            {
                "type": "event_callback",
                "event": {"type": "app_home_opened", "user": "U1", "tab": "home", "token": standin.token},
            }
        )
        await bot.driver.post_raw(body, content_type="application/json", headers=sign(body, "wrong-secret"))
        await bot.driver.event({"type": "app_home_opened", "user": SUBMITTER, "tab": "home"})
        await wait(lambda: bool(standin.calls_to("views.publish")), what="the home tab")
        await asyncio.sleep(1.0)
    finally:
        assert await bot.stop() == 0
        await bot.close()
    assert len(bot.log) > 1000  # DEBUG logging really ran
    for secret in (standin.token, bot.env["SLACK_SIGNING_SECRET"]):
        assert secret not in bot.log
