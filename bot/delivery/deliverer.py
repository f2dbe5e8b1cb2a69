"""`ideabot deliver`: the outbox worker as a process of its own, for deployments that want one.

By default `ideabot run` delivers what the bot owes Slack itself (DELIVERY=inline): Slack's pace,
about one message a second per channel, limits posting long before one process does. A deployment
that wants delivery apart — its own container or service, restarted on its own — sets
DELIVERY=external on `ideabot run` and runs `ideabot deliver` beside it on the same database.
Several deliverers may run: each owed message is leased to one of them at a time. With nothing to
wake it, a deliverer looks for due messages every `POLL_S` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.config import Settings
from bot.delivery.outbox import ChannelPace, OutboxWorker
from bot.runtime.identity import BotIdentity
from bot.runtime.slack_clients import listener_client, slack_session, worker_client
from models.schema import prepare_schema
from models.store import Store

log = logging.getLogger("ideabot.delivery")

POLL_S = 0.25  # how often `ideabot deliver` looks for due messages (the bot cannot wake it)
BATCH = 64  # owed messages leased at once; a deliverer has nothing else to do


async def deliver(settings: Settings, *, poll_interval: float = POLL_S) -> None:
    """Deliver until SIGTERM or SIGINT, then finish the batch under way and return."""
    store = Store.from_url(settings.database_url)
    session = None
    warm_up: asyncio.Task | None = None
    try:
        await prepare_schema(store, migrate=False)
        session = slack_session()
        identity = BotIdentity(listener_client(settings, session), settings.slack_bot_token)
        warm_up = asyncio.create_task(identity.warm_up(), name="auth-test")
        worker = OutboxWorker(
            store=store,
            client=worker_client(settings, session),
            settings=settings,
            poll_interval=poll_interval,
            workspace_url=identity.workspace_url,
            batch=BATCH,
            pace=ChannelPace(settings.post_interval),
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.request_stop)
        await worker.recover()
        log.info("ideabot deliver: delivering what ideabot owes Slack (looking every %.2f s)", poll_interval)
        await worker.run()
        log.info("ideabot deliver stopped")
    finally:
        if warm_up is not None:
            warm_up.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await warm_up
        if session is not None:
            await session.close()
        await store.close()
