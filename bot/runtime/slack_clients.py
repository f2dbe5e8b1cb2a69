"""The Slack Web API clients ideabot makes, the same in `ideabot run` and in `ideabot deliver`."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

SLACK_TIMEOUT_S = 10
# Many calls may wait on a slow Slack at once; none may queue for a connection behind them
# (a views.open that waits loses its 3-second trigger id), hence the generous limit.
SLACK_CONNECTIONS = 512


def slack_session() -> aiohttp.ClientSession:
    """The HTTP session every client of a process shares."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=SLACK_TIMEOUT_S),
        connector=aiohttp.TCPConnector(limit=SLACK_CONNECTIONS),
    )


def listener_client(settings: Settings, session: aiohttp.ClientSession, *, token: bool = True) -> AsyncWebClient:
    """Listeners' client: quick retries of dropped connections only; a trigger_id lives 3 s.

    `token=False` for Bolt's own client: Bolt takes the token from `authorize`.
    """
    return AsyncWebClient(
        token=settings.slack_bot_token if token else None,
        base_url=settings.slack_api_url,
        session=session,
        timeout=SLACK_TIMEOUT_S,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=1)],
    )


def worker_client(settings: Settings, session: aiohttp.ClientSession) -> AsyncWebClient:
    """The outbox worker's client: slack_sdk also retries one 5xx.

    A 429 is not retried here: the worker pauses only that channel for Retry-After (bot/delivery/outbox/worker.py)
    instead of this call sleeping in the middle of a batch and then trying again blind.
    """
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=SLACK_TIMEOUT_S,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ],
    )
