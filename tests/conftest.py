"""Shared fixtures: a real ideabot over HTTP against the local Slack stand-in, on a real database (see databases.py).

The tests come in tiers, one folder each: `unit` (pure functions, no database), `store` (the
store on a real database), `handlers` (the Bolt app's dispatch with real payloads, a real store),
`e2e` (signed HTTP into a running ideabot against the Slack stand-in) and `system` (ideabot as
operating-system processes: signals, replicas, crashes; marked `slow`: `pytest -m "not slow"`
leaves them out). Payload fixtures shaped like Slack's real ones are in `fixtures/payloads/`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.delivery.outbox import Backoff
from bot.runtime.server import RuntimeOptions
from bot.standin import SlackWebAPIStandIn
from bot.standin.local import LocalSlack, idea_answers
from models.tables import Idea
from tests.databases import ON_POSTGRES, database_url, drop_test_databases, redacted_server
from tests.gate_sets import DATA


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL at ' + redacted_server() if ON_POSTGRES else 'SQLite files'}"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sqlite_only: checks something only SQLite does (skipped on PostgreSQL)")
    config.addinivalue_line("markers", "slow: runs ideabot as processes (every test in tests/system)")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if item.path.parent.name == "system":
            item.add_marker(pytest.mark.slow)
    if ON_POSTGRES:
        skip = pytest.mark.skip(reason="SQLite-specific (TEST_DATABASE_URL names PostgreSQL)")
        for item in items:
            if "sqlite_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases() -> Iterator[None]:
    yield
    drop_test_databases()


@pytest.fixture
async def standin() -> AsyncIterator[SlackWebAPIStandIn]:
    """The Slack Web API stand-in alone (for tests that run ideabot as a process)."""
    server = SlackWebAPIStandIn()
    await server.start()
    yield server
    await server.stop()


FAST = RuntimeOptions(outbox_poll_interval=0.05, outbox_backoff=Backoff(base=0.05, cap=0.5, jitter=0.0))


@pytest.fixture
async def local(tmp_path) -> AsyncIterator[LocalSlack]:
    """ideabot running in HTTP mode on a free port, the stand-in Web API, a new database."""
    async with LocalSlack(database_url(tmp_path / "ideabot.db"), options=FAST) as slack:
        yield slack


async def all_ideas(local: LocalSlack) -> list[Idea]:
    """The store's ideas, newest first (merged ones left out; a test makes far fewer than 100)."""
    return await local.store.recent_ideas(limit=100)


# Tokens a user could type to make Slack notify or link; none may reach Slack unescaped.
NOTIFYING = re.compile(r"<(?:!channel|!here|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|#C[A-Z0-9]+|https?://)")


def mrkdwn_strings(obj) -> list[str]:
    """Every string Slack would parse as mrkdwn: top-level `text` and mrkdwn text objects."""
    found: list[str] = []
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn" and isinstance(obj.get("text"), str):
            found.append(obj["text"])
        for key, value in obj.items():
            if key == "text" and isinstance(value, str) and obj.get("type") not in ("plain_text", "mrkdwn"):
                found.append(value)
            else:
                found.extend(mrkdwn_strings(value))
    elif isinstance(obj, list):
        for item in obj:
            found.extend(mrkdwn_strings(item))
    return found


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


def real_pair(pair_id: str) -> dict:
    """A reworded pair from a public tracker (tests/data/dup_extra.jsonl: never used to tune)."""
    rows = (json.loads(line) for line in (DATA / "dup_extra.jsonl").read_text(encoding="utf-8").splitlines())
    return next(r for r in rows if r["id"] == pair_id)


async def submit_pair(local: LocalSlack, pair: dict) -> tuple[Idea, Idea]:
    """Submit the earlier idea ("b"), then the later ("a"), as two people; both stored ideas."""
    for side, user in (("b", "U0000EARLY"), ("a", "U0000LATER")):
        answers = idea_answers(title=pair[side]["title"], affected="Staff", problem=pair[side]["text"])
        view = await local.open_modal(user=user)
        reply = await local.submit(view, answers, user=user)
        if reply.body.strip() and reply.json().get("response_action") == "errors":
            await local.submit(view, answers, user=user)  # coached: kept unchanged
        await local.settle()
    earlier, later = sorted(await all_ideas(local), key=lambda i: i.id)
    return earlier, later


def card_text(message) -> str:
    """A posted card's blocks and fallback text, as one string to look in."""
    return json.dumps(message.blocks) + message.text
