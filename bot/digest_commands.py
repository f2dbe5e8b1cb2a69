"""`ideabot digest --preview` and `--post`: the digest from a terminal."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.digest import render_digest
from bot.outbox import OutboxWorker
from bot.scheduler import DigestScheduler, Period
from bot.terminal import render_blocks
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


async def preview_digest(settings: Settings) -> int:
    """Print the current period's digest (since the last scheduled one); no Slack needed."""
    store = Store.from_url(settings.database_url)
    try:
        await store.create_schema()
        scheduler = DigestScheduler(settings=settings, store=store, wake_outbox=_nothing)
        period = scheduler.current_period()
        digest = await scheduler.compose(period)
    finally:
        await store.close()
    print(digest_text(render_digest(digest)))
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
            pending = [
                i
                for i in await store.outbox_items(states=("pending", "failed"), limit=1000)
                if i.kind == OutboxKind.DIGEST and f'"{key}"' in i.payload
            ]
    finally:
        await store.close()
    if run is not None and run.message_ts and not pending:
        print(f"Posted the digest to {settings.digest_target} (message {run.message_ts}).")
        return 0
    print(
        "The digest is recorded but not all of it reached Slack yet; `ideabot outbox` shows why. "
        "A running `ideabot run` keeps trying."
    )
    return 1
