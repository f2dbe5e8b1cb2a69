"""The database under concurrent load: many submissions and status changes at once, plus another process."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.standin.driver import view_submission
from bot.standin.local import IDEAS_CHANNEL, LEAD, LocalSlack, idea_answers
from tests.databases import OTHER_WRITER
from tests.system.test_reliability import fresh_view


async def test_150_submissions_and_20_status_changes_at_once(local: LocalSlack, caplog) -> None:
    caplog.set_level(logging.WARNING)
    for n in range(20):  # ideas for the leads to move
        await local.submit_idea(idea_answers(title=f"Existing {n}"))
    await local.settle()
    before = len(local.standin.channel_messages(IDEAS_CHANNEL))

    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", OTHER_WRITER, local.database_url, "4", "0.02", "0.001", stdout=asyncio.subprocess.PIPE
    )
    submissions = [
        local.slack.interactive(view_submission(fresh_view(), idea_answers(title=f"Concurrent {n}"), user=f"U{n:09d}"))
        for n in range(150)
    ]
    moves = [local.click_card(n, "triage_more", user=LEAD, option="under_review") for n in range(1, 21)]
    replies = await asyncio.gather(*submissions, *moves)
    other_out, _ = await other.communicate()
    assert all(r.status == 200 for r in replies)
    assert int(other_out.split()[-1]) > 10  # the other process really wrote meanwhile

    await local.wait_for_ideas(170, timeout=30)
    await local.settle(timeout=60)
    ideas = await local.store.recent_ideas(limit=1000)
    assert len(ideas) == 170 and len({i.id for i in ideas}) == 170
    concurrent = [i for i in ideas if i.title.startswith("Concurrent")]
    assert len(concurrent) == 150 and all(i.card_ts for i in concurrent)
    cards = [m for m in local.standin.channel_messages(IDEAS_CHANNEL) if not m.thread_ts]
    assert len(cards) - before == 150 and len({m.ts for m in cards}) == len(cards)
    assert sum(1 for i in ideas if i.status == "under_review") == 20
    assert "database is locked" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
