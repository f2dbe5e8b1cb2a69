"""Who the bot is in Slack (auth.test), asked once and remembered.

Bolt asks auth.test on the first request that needs it, *before* the listener can ack; when
Slack is slow that first ack would be slow too. ideabot asks at start-up instead (in the
background, retrying) and hands Bolt the remembered answer on every request.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("ideabot.identity")

AUTH_TEST_TIMEOUT_S = 2.5


class BotIdentity:
    """The cached result of auth.test, as Bolt's `authorize` wants it."""

    def __init__(self, client: AsyncWebClient, token: str) -> None:
        self.client = client
        self.token = token
        self._result: AuthorizeResult | None = None
        self._lock = asyncio.Lock()

    def workspace_url(self) -> str:
        """The workspace's URL (e.g. https://acme.slack.com/), once auth.test has answered."""
        return (self._result.url or "") if self._result is not None else ""

    @property
    def known(self) -> bool:
        """True once auth.test has answered."""
        return self._result is not None

    async def authorize(self) -> AuthorizeResult:
        """Bolt's `authorize`: the remembered identity, asking Slack (briefly) if not known yet."""
        if self._result is not None:
            return self._result
        async with self._lock:
            if self._result is None:
                response = await asyncio.wait_for(self.client.auth_test(token=self.token), AUTH_TEST_TIMEOUT_S)
                self._result = AuthorizeResult.from_auth_test_response(
                    auth_test_response=response, bot_token=self.token
                )
                log.info("connected to Slack as %s in %s", response.get("user"), response.get("team"))
        return self._result

    async def warm_up(self, *, attempts: int = 30, pause: float = 2.0) -> None:
        """Ask auth.test at start-up until it answers (a bad token is logged once and given up on)."""
        for attempt in range(1, attempts + 1):
            try:
                await self.authorize()
                return
            except SlackApiError as error:
                code = error.response.get("error") if isinstance(error.response.data, dict) else error
                log.error("Slack refused the bot token (%s): check SLACK_BOT_TOKEN", code)
                return
            except (TimeoutError, OSError) as error:
                log.warning("auth.test failed (%s), attempt %d; retrying", type(error).__name__, attempt)
                await asyncio.sleep(pause)
