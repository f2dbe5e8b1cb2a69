"""`ideabot digest --preview [--chart FILE.png]` and `--post`: the digest from a terminal."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.outbox import OutboxWorker
from bot.delivery.scheduler import DigestScheduler, Period
from bot.domain.digest import Digest
from bot.views.digest_blocks import render_digest
from bot.views.digest_chart import HEIGHT_PX, WIDTH_PX, alt_text, chart_data, render_chart
from bot.views.terminal import render_blocks
from models.store import OutboxKind, Store
from models.tables import utcnow


def _nothing() -> None:
    return None


def digest_text(messages: list) -> str:
    """The rendered digest messages as terminal text."""
    parts = []
    for number, message in enumerate(messages, start=1):
        if len(messages) > 1:
            parts.append(f"── message {number} of {len(messages)} " + "─" * 40)
        parts.append(render_blocks([b.to_dict() for b in message.blocks]))
    return "\n\n".join(parts)


def write_chart(digest: Digest, path: Path | str) -> str:
    """Draw the digest's chart into `path` (a PNG); what to tell the person who asked."""
    chart = chart_data(digest)
    Path(path).write_bytes(render_chart(chart))
    return f"The digest's chart ({WIDTH_PX}×{HEIGHT_PX} PNG) is in {path}. In words: {alt_text(chart)}"


async def preview_digest(settings: Settings, *, chart: str | None = None) -> int:
    """Print the current period's digest (since the last scheduled one), and with `chart` write
    its chart to that file; no Slack needed."""
    store = Store.from_url(settings.database_url)
    try:
        await store.create_schema()
        scheduler = DigestScheduler(settings=settings, store=store, wake_outbox=_nothing)
        period = scheduler.current_period()
        digest = await scheduler.compose(period)
    finally:
        await store.close()
    print(digest_text(render_digest(digest)))
    if chart:
        print("\n" + write_chart(digest, chart))
    print(
        f"\n(preview of the period {period.start:%Y-%m-%d %H:%M} – {period.end:%Y-%m-%d %H:%M} UTC; "
        f"nothing was posted. `ideabot digest --post` posts it to {settings.digest_target or 'the digest channel'}.)"
    )
    return 0


async def post_digest(settings: Settings, *, timeout: float = 60.0) -> int:
    """Post the current period's digest now (recorded as a manual run); wait until Slack has it."""
    store = Store.from_url(settings.database_url)
    await store.create_schema()
    try:
        async with aiohttp.ClientSession() as session:
            client = AsyncWebClient(
                token=settings.slack_bot_token,
                base_url=settings.slack_api_url,
                session=session,
                retry_handlers=[
                    AsyncConnectionErrorRetryHandler(max_retry_count=2),
                    AsyncRateLimitErrorRetryHandler(max_retry_count=2),
                    AsyncServerErrorRetryHandler(max_retry_count=2),
                ],
            )
            worker = OutboxWorker(store=store, client=client, settings=settings)
            scheduler = DigestScheduler(settings=settings, store=store, wake_outbox=worker.wake)
            period: Period = scheduler.current_period()
            key = f"manual:{utcnow():%Y-%m-%dT%H:%M:%S.%fZ}"
            await scheduler.claim(period, key=key)
            await worker.drain(timeout=timeout)
            run = await store.digest_run(key=key)
            owed = [
                i
                for i in await store.outbox_items(states=("pending", "failed"), limit=1000)
                if i.kind in (OutboxKind.DIGEST, OutboxKind.DIGEST_CHART) and f'"{key}"' in i.payload
            ]
    finally:
        await store.close()
    pending = [i for i in owed if i.kind == OutboxKind.DIGEST]
    if run is not None and run.message_ts and not pending:
        chart = next((i for i in owed if i.kind == OutboxKind.DIGEST_CHART), None)
        told = (
            ""
            if chart is None
            else f" Its chart did not go ({chart.last_error or chart.state}); `ideabot outbox` shows it."
        )
        print(f"Posted the digest to {settings.digest_target} (message {run.message_ts}).{told}")
        return 0
    print(
        "The digest is recorded but not all of it reached Slack yet; `ideabot outbox` shows why. "
        "A running `ideabot run` keeps trying."
    )
    return 1
