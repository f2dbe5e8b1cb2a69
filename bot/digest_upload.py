"""What the outbox needs to upload a digest's chart (its DIGEST_CHART item, bot/outbox.py).

The chart goes in the digest channel right after the digest's first message, where a phone
shows it without opening a thread. It is drawn when it is delivered, from the numbers the
digest was composed with (stored in the item), in a worker thread so the event loop keeps
serving; the PNG is never stored. Its file name carries the outbox item's id: a retry after an
upload that may have reached Slack looks for that name in the channel before uploading again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.digest_chart import ChartData, alt_text, render_chart

log = logging.getLogger("ideabot.outbox")

CHART_WAIT = timedelta(days=1)  # a chart whose digest's first message is not posted by then is given up


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


async def draw(chart: ChartData) -> bytes:
    """The PNG, drawn in a worker thread (about a quarter of a second; the first also imports matplotlib)."""
    try:
        return await asyncio.to_thread(render_chart, chart)
    except Exception as error:
        log.exception("outbox: the digest's chart could not be drawn")
        raise ChartUnusable(f"the chart could not be drawn: {type(error).__name__}: {error}") from error
