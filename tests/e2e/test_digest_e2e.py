"""The digest end to end: ideas captured and triaged over HTTP, then posted by the scheduler, once."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.delivery.scheduler import last_fire, make_trigger
from bot.runtime.server import Runtime
from bot.standin.local import LEAD, LocalSlack, idea_answers
from tests.conftest import FAST, FakeClock
from tests.databases import database_url
from tests.processes import ideabot

DIGEST_CHANNEL = "C0000LEADS"


def options(clock: FakeClock, **kw):
    return dataclasses.replace(FAST, clock=clock, **kw)


def digest_posts(local: LocalSlack) -> list:
    """The digests' first messages (the chart, shared after each, is a message of its own: `chart_shares`)."""
    return [m for m in local.standin.channel_messages(DIGEST_CHANNEL) if not m.thread_ts and not m.files]


def chart_shares(local: LocalSlack) -> list:
    """The digests' charts as shared in the channel."""
    return [m for m in local.standin.channel_messages(DIGEST_CHANNEL) if m.files]


async def capture_and_triage(local: LocalSlack) -> None:
    await local.submit_idea(idea_answers())  # IDEA-1: problem-first, with business value
    shiny = idea_answers(
        title="Blockchain for invoices",
        affected="Finance",
        problem="Let's use blockchain for all our invoices",
        business_value="",
        evidence="",
        solution="",
        origin="technology",
        kind="adopt",
    )
    view = await local.open_modal(user="U0000USER2")
    await local.submit(view, shiny, user="U0000USER2")
    await local.submit(view, shiny, user="U0000USER2")  # coached, then kept: IDEA-2 is flagged
    await local.submit_idea(
        idea_answers(
            title="Laptops", problem="New hires wait three days for a laptop and accounts, so their first week is idle"
        ),
        user="U0000USER3",
    )
    await local.settle()
    opened = len(local.standin.calls_to("views.open"))
    await local.click_card(1, "triage_accept", user=LEAD)
    view = await local.modal_after(opened)
    await local.submit(view, {"reason": "Strong numbers"}, user=LEAD)
    await local.click_card(3, "support", user="U0000FAN01")
    await local.click_card(3, "support", user="U0000FAN02")
    await local.settle()


async def test_the_scheduled_digest_has_the_right_ideas_in_the_right_sections(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "d.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await local.settle()
        await capture_and_triage(local)
        trigger = make_trigger(local.settings)
        next_fire = trigger.get_next_fire_time(None, clock())
        clock.set(next_fire + timedelta(seconds=5))

        assert await local.runtime.digests.run_due() is True
        await local.settle()
        (post,) = digest_posts(local)
        text = json.dumps(post.blocks, ensure_ascii=False)
        assert "*New*\\n3" in text and "*Triaged*\\n1" in text and "*Accepted*\\n1" in text
        shiny = text[text.index("Shiny objects") : text.index("Moved this period")]
        assert "IDEA-2" in shiny and "started from a technology" in shiny and "names a solution" in shiny
        assert "IDEA-1" not in shiny and "IDEA-3" not in shiny
        moved = text[text.index("Moved this period") :]
        assert "IDEA-1" in moved and "Accepted" in moved and "Strong numbers" in moved
        supported = text[text.index("Most supported") :]
        assert "IDEA-3" in supported and "2 supporters" in supported
        gaps = text[text.index("Partnership gaps") :]
        assert "IDEA-1" in gaps and "no business sponsor and no tech partner" in gaps
        assert "Balance" in text

        (run,) = [r for r in await local.store.digest_runs() if r.state == "posted"]
        assert run.message_ts == post.ts and run.key == next_fire.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert await local.runtime.digests.run_due() is False  # the period is taken
        await local.settle()
        assert len(digest_posts(local)) == 1


async def test_a_run_missed_while_down_is_posted_once_on_restart(tmp_path) -> None:
    clock = FakeClock()
    local = LocalSlack(database_url(tmp_path / "m.db"), options=options(clock), digest_channel=DIGEST_CHANNEL)
    async with local:
        await local.submit_idea(idea_answers())
        await local.settle()
        await local.stop_app()  # down over the weekend …
        trigger = make_trigger(local.settings)
        clock.set(trigger.get_next_fire_time(None, clock()) + timedelta(hours=2))
        await local.start_app()  # … back two hours after the digest was due
        await local.wait_for(lambda: len(digest_posts(local)) == 1, timeout=10, what="the caught-up digest")
        await local.stop_app()
        await local.start_app()  # another restart: nothing more
        await asyncio.sleep(0.5)
        await local.settle()
        assert len(digest_posts(local)) == 1
        assert "*New*\\n1" in json.dumps(digest_posts(local)[0].blocks)


async def test_two_running_copies_post_one_digest_per_period(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "two.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await local.settle()
        second = Runtime(local.settings, options(clock))
        await second.start()
        try:
            await local.submit_idea(idea_answers())
            await local.settle()
            clock.set(make_trigger(local.settings).get_next_fire_time(None, clock()) + timedelta(seconds=1))
            results = await asyncio.gather(
                local.runtime.digests.run_due(),
                second.digests.run_due(),
                local.runtime.digests.run_due(),
                second.digests.run_due(),
            )
            assert sorted(results) == [False, False, False, True]
            await asyncio.gather(local.settle(), second.worker.drain())
            await asyncio.sleep(0.3)
            assert len(digest_posts(local)) == 1
        finally:
            await second.stop()


async def test_apscheduler_fires_the_job_and_every_period_posts_once(tmp_path) -> None:
    every_second = CronTrigger(second="*")
    async with LocalSlack(
        database_url(tmp_path / "s.db"),
        options=dataclasses.replace(FAST, digest_trigger=every_second),
        digest_channel=DIGEST_CHANNEL,
    ) as local:
        await local.wait_for(lambda: len(digest_posts(local)) >= 2, timeout=10, what="two scheduled digests")
        local.runtime.digests.shutdown()
        await asyncio.sleep(0.3)
        await local.settle()
        runs = [r for r in await local.store.digest_runs(limit=100) if r.state == "posted"]
        assert len(runs) == len(digest_posts(local)) >= 2
        assert len({r.key for r in runs}) == len(runs)
        await local.wait_for(lambda: len(chart_shares(local)) >= len(runs), timeout=10, what="every digest's chart")
        assert len(chart_shares(local)) == len(runs)  # one chart a period, too


async def test_the_default_schedule_is_monday_nine_in_the_digest_time_zone(tmp_path) -> None:
    async with LocalSlack(database_url(tmp_path / "w.db"), options=FAST, digest_timezone="Europe/London") as local:
        next_run = local.runtime.digests.next_run_time()
        assert next_run is not None and (next_run.weekday(), next_run.hour, next_run.minute) == (0, 9, 0)
        assert str(next_run.tzinfo) == "Europe/London"


def test_last_fire_finds_the_latest_scheduled_time() -> None:
    from datetime import UTC, datetime

    trigger = CronTrigger.from_crontab("0 9 * * mon", timezone="UTC")
    assert last_fire(trigger, datetime(2026, 11, 25, 12, tzinfo=UTC)) == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert last_fire(trigger, datetime(2026, 11, 23, 9, tzinfo=UTC)) == datetime(2026, 11, 23, 9, tzinfo=UTC)
    monthly = CronTrigger.from_crontab("0 9 1 * *", timezone="UTC")
    assert last_fire(monthly, datetime(2026, 11, 25, tzinfo=UTC)) == datetime(2026, 11, 1, 9, tzinfo=UTC)


async def test_preview_prints_the_digest_without_slack(tmp_path) -> None:
    db = database_url(tmp_path / "p.db")
    async with LocalSlack(db, options=FAST) as local:
        await capture_and_triage(local)
    result = await ideabot("digest", "--preview", DATABASE_URL=db)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "IDEAS DIGEST" in out and "New: 3" in out and "SHINY OBJECTS" in out and "Blockchain for invoices" in out
    assert "nothing was posted" in out


async def test_post_now_posts_to_the_digest_channel(tmp_path) -> None:
    db = database_url(tmp_path / "post.db")
    async with LocalSlack(db, options=FAST, digest_channel=DIGEST_CHANNEL) as local:
        await local.submit_idea(idea_answers())
        await local.settle()
        await local.stop_app()
        result = await ideabot(
            "digest",
            "--post",
            DATABASE_URL=db,
            SLACK_BOT_TOKEN=local.standin.token,
            SLACK_SIGNING_SECRET="x" * 12,
            SLACK_API_URL=local.standin.url,
            IDEAS_CHANNEL="C0000IDEAS",
            DIGEST_CHANNEL=DIGEST_CHANNEL,
        )
        assert result.returncode == 0, result.stderr
        assert "Posted the digest" in result.stdout
        assert len(digest_posts(local)) == 1


async def test_a_crash_between_posting_and_recording_the_digest_does_not_post_it_twice(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "c.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await local.submit_idea(idea_answers())
        await local.settle()
        store = local.store
        original = store.record_digest_post
        failures = []

        async def crash_once(**kwargs):
            if not failures:
                failures.append(kwargs)
                raise ConnectionError("the database went away right after Slack accepted the post")
            return await original(**kwargs)

        store.record_digest_post = crash_once
        clock.set(make_trigger(local.settings).get_next_fire_time(None, clock()) + timedelta(seconds=1))
        assert await local.runtime.digests.run_due()
        await local.wait_for(lambda: bool(failures), what="the failed recording")
        await local.wait_for(
            lambda: bool(local.standin.calls_to("conversations.history")), timeout=10, what="the reconcile"
        )
        await local.settle()
        assert len(digest_posts(local)) == 1  # posted once, found again, not posted twice
        (run,) = [r for r in await store.digest_runs() if r.state == "posted"]
        assert run.message_ts == digest_posts(local)[0].ts
