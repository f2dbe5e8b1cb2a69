"""Shared fixtures: a real ideabot over HTTP against the local Slack stand-in, on a real SQLite file."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.outbox import Backoff
from bot.server import RuntimeOptions
from bot.standin.local import LocalSlack

FAST = RuntimeOptions(outbox_poll_interval=0.05, outbox_backoff=Backoff(base=0.05, cap=0.5, jitter=0.0))


@pytest.fixture
async def local(tmp_path) -> AsyncIterator[LocalSlack]:
    """ideabot running in HTTP mode on a free port, the stand-in Web API, a SQLite file."""
    async with LocalSlack(tmp_path / "ideabot.db", options=FAST) as slack:
        yield slack


# Tokens a user could type to make Slack notify or link; none may reach Slack unescaped.
NOTIFYING = re.compile(r"<(?:!channel|!here|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|#C[A-Z0-9]+|https?://)")


class FakeClock:
    """Real time shifted by an offset the test sets (time keeps flowing; only the date jumps)."""

    def __init__(self) -> None:
        from datetime import timedelta

        self.offset = timedelta(0)

    def __call__(self):
        from models.tables import utcnow

        return utcnow() + self.offset

    def set(self, moment) -> None:
        """Jump so that now is `moment` (never backwards: rows already written carry real times)."""
        from models.tables import utcnow

        self.offset = max(self.offset, moment - utcnow())
