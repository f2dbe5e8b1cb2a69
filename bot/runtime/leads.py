"""Who may triage: TRIAGE_USERS, plus the members of TRIAGE_USERGROUP (fetched, cached briefly)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("ideabot.leads")

GROUP_TTL_S = 300.0  # how long a fetched user-group membership is trusted
RETRY_AFTER_FAILURE_S = 30.0  # after a failed fetch, how long to wait before asking Slack again
FETCH_TIMEOUT_S = 1.5  # a lead check sits between an ack and views.open; keep it short


class LeadDirectory:
    """Answers "is this person a triage lead?"."""

    def __init__(
        self,
        *,
        users: frozenset[str],
        usergroup: str = "",
        client: AsyncWebClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = users
        self.usergroup = usergroup
        self.client = client
        self.monotonic = monotonic
        self._group: frozenset[str] = frozenset()
        self._fresh_until = 0.0
        self._lock = asyncio.Lock()

    async def is_lead(self, user_id: str) -> bool:
        """True for TRIAGE_USERS and members of TRIAGE_USERGROUP."""
        if user_id in self.users:
            return True
        return user_id in await self.group_members()

    async def group_members(self) -> frozenset[str]:
        """The user group's members (cached; the last known list if Slack can't be asked)."""
        if not self.usergroup or self.client is None:
            return frozenset()
        if self.monotonic() < self._fresh_until:
            return self._group
        async with self._lock:
            if self.monotonic() < self._fresh_until:
                return self._group
            try:
                response = await asyncio.wait_for(
                    self.client.usergroups_users_list(usergroup=self.usergroup), FETCH_TIMEOUT_S
                )
                self._group = frozenset(u for u in response.get("users", []) if isinstance(u, str))
                self._fresh_until = self.monotonic() + GROUP_TTL_S
            except (SlackApiError, TimeoutError, OSError) as error:
                log.warning(
                    "could not read the members of TRIAGE_USERGROUP %s (%s); using the last known list",
                    self.usergroup,
                    type(error).__name__,
                )
                self._fresh_until = self.monotonic() + RETRY_AFTER_FAILURE_S
            return self._group

    async def describe(self) -> str:
        """Who the leads are, as mrkdwn, for "only leads can…" messages."""
        people = sorted(self.users)[:5]
        parts = [f"<@{u}>" for u in people]
        if self.usergroup:
            parts.append("the members of the triage user group")
        return ", ".join(parts) if parts else "nobody yet (set TRIAGE_USERS)"
