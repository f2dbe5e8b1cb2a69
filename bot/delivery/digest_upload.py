"""What the outbox needs to upload a digest's chart (its DIGEST_CHART item, bot/delivery/outbox/deliver.py).

The chart goes in the digest channel right after the digest's first message, where a phone
shows it without opening a thread. It is drawn when it is delivered, from the numbers the
digest was composed with (stored in the item), by a process of its own that ends when the PNG
is out (see `draw`); the PNG is never stored. Its file name carries the outbox item's id: a retry after an
upload that may have reached Slack looks for that name in the channel before uploading again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.views.digest_chart import ChartData, alt_text

log = logging.getLogger("ideabot.outbox")

CHART_WAIT = timedelta(days=1)  # a chart whose digest's first message is not posted by then is given up
DRAW_TIMEOUT_S = 60.0  # drawing takes about a second; a stuck drawing process is killed and tried again later
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # where `bot` is, installed or not


class ChartUnusable(Exception):
    """The stored numbers can't be drawn (a bug, or matplotlib missing): no retry will help."""


@dataclass(frozen=True)
class ChartUpload:
    """One chart, ready for `files_upload_v2`."""

    chart: ChartData
    filename: str

    def arguments(self) -> dict[str, Any]:
        """files_upload_v2's arguments, the image itself and the channel apart."""
        return {
            "filename": self.filename,
            "title": self.chart.title,
            "alt_txt": alt_text(self.chart),
            "initial_comment": f":bar_chart: {self.chart.title}: the last {len(self.chart.periods)} "
            f"{self.chart.noun}s and the pipeline, as a picture",
        }

    async def send(self, client: AsyncWebClient, *, channel: str, image: bytes) -> AsyncSlackResponse:
        """Upload and share it with files_upload_v2; an app without the scope gives the chart up."""
        try:
            return await client.files_upload_v2(channel=channel, file=image, **self.arguments())
        except SlackApiError as error:
            if isinstance(error.response.data, dict) and error.response.get("error") == "missing_scope":
                raise ChartUnusable(
                    "the Slack app lacks the files:write scope: add it (manifest.yml) and reinstall the app, "
                    "or set DIGEST_CHART=false"
                ) from error
            raise

    def is_mine(self, message: dict) -> bool:
        """Whether a channel message is this upload's share."""
        return any(f.get("name") == self.filename for f in message.get("files") or [] if isinstance(f, dict))


def chart_upload(payload: dict, *, item_id: int, period_end: datetime) -> ChartUpload:
    """The upload an outbox item's payload asks for."""
    try:
        chart = ChartData.from_dict(payload["chart"])
    except (KeyError, TypeError, ValueError) as error:
        raise ChartUnusable(f"the chart's numbers can't be read: {error}") from error
    return ChartUpload(chart=chart, filename=f"ideas-digest-{period_end:%Y-%m-%d}-{item_id}.png")


async def draw(chart: ChartData, *, timeout: float = DRAW_TIMEOUT_S) -> bytes:
    """The PNG, drawn by a short-lived `python -m bot.views.digest_chart` (about a second, matplotlib's import
    included): matplotlib's ~50 MB leave with it, and the bot's memory after a digest is what it was before."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.views.digest_chart",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        png, errors = await asyncio.wait_for(process.communicate(json.dumps(chart.to_dict()).encode()), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise  # retried later, like a Slack call that timed out
    if process.returncode != 0 or not png.startswith(PNG_SIGNATURE):
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {process.returncode}"]
        log.error("outbox: the digest's chart could not be drawn: %s", errors.decode(errors="replace")[-2000:])
        raise ChartUnusable(f"the chart could not be drawn: {last[0]}")
    return png
