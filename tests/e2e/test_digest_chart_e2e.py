"""The digest's chart end to end: drawn by the outbox, uploaded once with files_upload_v2 to the
stand-in, with the text's own numbers; a failing upload never holds the text digest back."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.delivery.scheduler import make_trigger
from bot.standin.files import UPLOAD_METHOD
from bot.standin.local import LocalSlack, idea_answers
from bot.views.digest_chart import HEIGHT_PX, WIDTH_PX, ChartData, alt_text
from models.store import OutboxKind
from tests.conftest import FakeClock
from tests.databases import database_url
from tests.e2e.test_digest_e2e import DIGEST_CHANNEL, capture_and_triage, chart_shares, digest_posts, options
from tests.processes import BotProcess, ideabot

UPLOAD_CALLS = ("files.getUploadURLExternal", UPLOAD_METHOD, "files.completeUploadExternal")


async def post_the_digest(local: LocalSlack, clock: FakeClock) -> None:
    clock.set(make_trigger(local.settings).get_next_fire_time(None, clock()) + timedelta(seconds=5))
    assert await local.runtime.digests.run_due() is True
    await local.settle()


async def chart_item(local: LocalSlack, *states: str):
    (item,) = [
        i for i in await local.store.outbox_items(states=states or ("sent",)) if i.kind == OutboxKind.DIGEST_CHART
    ]
    return item


async def chart_delivered(local: LocalSlack, timeout: float = 10.0) -> None:
    """Wait until the outbox has recorded the chart as sent (through retries and backoff)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not [i for i in await local.store.outbox_items(states=("sent",)) if i.kind == OutboxKind.DIGEST_CHART]:
        assert asyncio.get_running_loop().time() < deadline, "the chart was never recorded as sent"
        await asyncio.sleep(0.05)


def answers(local: LocalSlack, method: str) -> list[str]:
    return [c.answered for c in local.standin.calls if c.method == method]


def headline(post) -> dict[str, int]:
    fields = next(b["fields"] for b in post.blocks if b.get("fields"))
    return {f["text"].split("*")[1]: int(f["text"].split("\n")[1].split()[0].replace(",", "")) for f in fields}


async def test_the_digest_uploads_its_chart_once_with_the_texts_numbers(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "chart.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await local.settle()
        await capture_and_triage(local)
        await post_the_digest(local, clock)

        (post,) = digest_posts(local)
        (share,) = chart_shares(local)
        assert float(share.ts) > float(post.ts) and share.thread_ts is None  # in the channel, after the digest
        (uploaded,) = local.standin.shared_files(DIGEST_CHANNEL)
        image = Image.open(io.BytesIO(uploaded.data))
        assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
        for method in UPLOAD_CALLS:
            assert answers(local, method) == ["ok"], method  # each of the three steps once

        chart = ChartData.from_dict(json.loads((await chart_item(local)).payload)["chart"])
        counts = headline(post)
        assert (chart.new[-1], chart.accepted[-1]) == (counts["New"], counts["Accepted"]) == (3, 1)
        assert (chart.problem_first[-1], chart.technology_first[-1], chart.shiny[-1]) == (2, 1, 1)
        assert "1 shiny object" in post.text
        text = json.dumps(post.blocks, ensure_ascii=False)
        funnel = re.search(r"Pipeline, last 90 days:\* (.*?) · (\d+) parked · (\d+) declined", text)
        stages = [(int(n), label) for n, label in re.findall(r"(\d+) ([a-z ]+?)(?: →|$)", funnel.group(1))]
        assert [(label.lower(), n) for label, n in chart.pipeline] == [
            *((label, n) for n, label in stages),
            ("parked", int(funnel.group(2))),
            ("declined", int(funnel.group(3))),
        ]
        assert dict(chart.pipeline)["Submitted"] == 3

        assert uploaded.alt_txt == alt_text(chart) and len(uploaded.alt_txt) <= 1000
        assert "This week: 3 new (2 problem-first, 1 technology-first), 1 shiny object, 1 accepted." in uploaded.alt_txt
        assert uploaded.title == chart.title and uploaded.name.endswith(".png")
        assert chart.title in share.text


async def test_an_upload_slack_failed_is_retried_and_shared_once(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "retry.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await capture_and_triage(local)
        # slack_sdk retries a 5xx once itself, so two in a row fail an attempt.
        local.standin.fail("files.getUploadURLExternal", status=500, times=2)  # attempt 1
        local.standin.fail(UPLOAD_METHOD, status=503, times=2)  # attempt 2: the upload URL fails
        # attempt 3: Slack shares it but the answer is lost; slack_sdk's retry then finds it done already
        local.standin.fail("files.completeUploadExternal", status=500, done=True)
        await post_the_digest(local, clock)
        await chart_delivered(local)

        assert len(digest_posts(local)) == 1
        assert len(chart_shares(local)) == 1 and len(local.standin.shared_files(DIGEST_CHANNEL)) == 1
        assert answers(local, "files.getUploadURLExternal") == ["500", "500", "ok", "ok"]
        assert answers(local, UPLOAD_METHOD) == ["503", "503", "ok"]
        assert answers(local, "files.completeUploadExternal") == ["500", "file_not_found"]
        item = await chart_item(local)
        assert item.attempts >= 3  # and the last attempt found the share instead of uploading again


async def test_a_rate_limited_upload_waits_for_retry_after(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "429.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await local.submit_idea(idea_answers())
        local.standin.fail("files.completeUploadExternal", status=429, retry_after=1)
        await post_the_digest(local, clock)
        await chart_delivered(local)
        completes = [c for c in local.standin.calls if c.method == "files.completeUploadExternal"]
        assert [c.answered for c in completes] == ["429", "ok"] and completes[1].at - completes[0].at >= 1.0
        assert len(local.standin.shared_files(DIGEST_CHANNEL)) == 1


@pytest.mark.parametrize(
    ("failure", "final", "tries"),
    [
        ({"error": "file_uploads_disabled"}, "failed", 1),  # a workspace that allows no uploads: given up at once
        ({"status": 500}, "pending", 3),  # Slack's upload service down: retried, never blocking the text
        ({"error": "missing_scope"}, "failed", 1),  # installed before files:write was asked for
    ],
)
async def test_the_text_digest_goes_out_when_the_upload_fails(tmp_path, failure: dict, final: str, tries: int) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "fail.db"), options=options(clock), digest_channel=DIGEST_CHANNEL
    ) as local:
        await capture_and_triage(local)
        local.standin.fail("files.getUploadURLExternal", times=1000, **failure)
        await post_the_digest(local, clock)
        await local.wait_for(lambda: len(answers(local, "files.getUploadURLExternal")) >= tries, what="upload tries")
        await local.settle()

        (post,) = digest_posts(local)
        assert "*New*\\n3" in json.dumps(post.blocks)
        (run,) = [r for r in await local.store.digest_runs() if r.state == "posted"]
        assert run.message_ts == post.ts
        assert chart_shares(local) == [] and local.standin.shared_files(DIGEST_CHANNEL) == []
        item = await chart_item(local, "pending", "failed")
        assert item.state == final
        if final == "failed":
            assert answers(local, "files.getUploadURLExternal") == [failure["error"]]  # given up at once
            said = {"file_uploads_disabled": "file_uploads_disabled", "missing_scope": "lacks the files:write scope"}
            assert said[failure["error"]] in item.last_error


async def test_digest_chart_false_posts_the_text_only(tmp_path) -> None:
    clock = FakeClock()
    async with LocalSlack(
        database_url(tmp_path / "off.db"), options=options(clock), digest_channel=DIGEST_CHANNEL, digest_chart=False
    ) as local:
        await capture_and_triage(local)
        await post_the_digest(local, clock)
        assert len(digest_posts(local)) == 1 and chart_shares(local) == []
        assert not [c for c in local.standin.calls if c.method in UPLOAD_CALLS]
        assert not [
            i
            for i in await local.store.outbox_items(states=("pending", "failed", "sent"))
            if i.kind == OutboxKind.DIGEST_CHART
        ]


async def test_preview_writes_the_chart_to_a_file(tmp_path) -> None:
    db = database_url(tmp_path / "p.db")
    async with LocalSlack(db) as local:
        await capture_and_triage(local)
    target = tmp_path / "digest.png"
    result = await ideabot("digest", "--preview", "--chart", str(target), DATABASE_URL=db)
    assert result.returncode == 0, result.stderr
    image = Image.open(target)
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
    assert f"is in {target}" in result.stdout and "3 new (2 problem-first, 1 technology-first)" in result.stdout
    refused = await ideabot("digest", "--post", "--chart", str(tmp_path / "x.png"), DATABASE_URL=db)
    assert refused.returncode == 2 and "--chart goes with --preview" in refused.stderr


def children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def mapped_matplotlib(pid: int) -> list[str]:
    """matplotlib's files mapped into a process and its children (its compiled parts load on import)."""
    return [
        line
        for p in (pid, *children(pid))
        for line in Path(f"/proc/{p}/maps").read_text().splitlines()
        if "matplotlib" in line
    ]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc")
async def test_ideabot_run_does_not_load_matplotlib_at_start_or_idle(standin, tmp_path) -> None:
    bot = BotProcess(standin, tmp_path / "run.db", cwd=tmp_path)  # delivering, as by default
    try:
        await bot.start()
        assert bot.process is not None and bot.process.pid
        assert mapped_matplotlib(bot.process.pid) == []
        import matplotlib.figure  # the check sees matplotlib where it is loaded: here, now

        assert matplotlib.figure and mapped_matplotlib(os.getpid())
    finally:
        assert await bot.stop() == 0
        await bot.close()
