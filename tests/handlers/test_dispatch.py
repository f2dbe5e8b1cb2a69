"""The Bolt app alone: `build_app(deps)` on a real SQLite (or PostgreSQL) store, fed signed requests
through `app.async_dispatch`, no HTTP server in between.

Each request is a real payload shape from `tests/fixtures/payloads/`. What a listener does is
checked where it lands: the answer Bolt gives, the rows in the store, and the Web API calls the
stand-in received. What the bot owes Slack afterwards (cards, receipts) stays in the outbox here
unless a test delivers it with `deliver()`, as the outbox worker would.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.app import build_app
from bot.config import Settings
from bot.delivery.outbox import ChannelPace, OutboxWorker
from bot.deps import Deps
from bot.judgment.similar_ideas import SimilarIdeas
from bot.runtime.identity import BotIdentity
from bot.runtime.leads import LeadDirectory
from bot.runtime.slack_clients import listener_client, slack_session, worker_client
from bot.standin import SlackWebAPIStandIn
from bot.standin.driver import new_trigger_id, sign
from bot.standin.local import IDEAS_CHANNEL, LEAD, SIGNING_SECRET
from models.schema import prepare_schema
from models.store import Store
from tests.databases import database_url
from tests.fixtures.payloads import HERE as FIXTURES
from tests.fixtures.payloads import Fixture, load, render


def fixture(name: str) -> Fixture:
    """One payload fixture by `kind/name`."""
    return load(FIXTURES / f"{name}.json")


class Handlers:
    """ideabot's Bolt app on real dependencies, and the stand-in its Web API calls go to."""

    def __init__(self, standin: SlackWebAPIStandIn, store: Store) -> None:
        self.standin = standin
        self.store = store
        self.settings = Settings(
            slack_bot_token=standin.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=standin.url,
            database_url="(the store's)",
            ideas_channel=IDEAS_CHANNEL,
            triage_users=frozenset({LEAD}),
            post_interval=0.0,
        )
        self.session = slack_session()
        client = listener_client(self.settings, self.session)
        self.identity = BotIdentity(client, self.settings.slack_bot_token)
        leads = LeadDirectory(users=self.settings.triage_users, usergroup="", client=client)
        self.deps = Deps(settings=self.settings, store=store, leads=leads)
        self.app = build_app(
            self.deps, client=listener_client(self.settings, self.session, token=False), identity=self.identity
        )
        self.values: dict[str, Any] = {
            "trigger_id": new_trigger_id,
            "response_url": standin.response_url,
            "ideas_channel": IDEAS_CHANNEL,
        }

    async def send(self, payload: Fixture) -> BoltResponse:
        """Sign the fixture's body as Slack does, dispatch it, and wait for the listener's work to end."""
        body = render(payload, self.values)
        content_type = "application/json" if payload.encoding == "json" else "application/x-www-form-urlencoded"
        headers = {"content-type": content_type, **sign(body, SIGNING_SECRET), **payload.headers}
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        # Bolt acks an event, then starts its listener as a task and answers at once: give the
        # task its first step (it enters deps.work before anything else) before waiting for it.
        await asyncio.sleep(0)
        assert await self.deps.listeners.idle(10), "a listener was still working after 10 s"
        return response

    async def deliver(self) -> None:
        """What the outbox worker does: post what the store owes Slack."""
        worker = OutboxWorker(
            store=self.store,
            client=worker_client(self.settings, self.session),
            settings=self.settings,
            workspace_url=self.identity.workspace_url,
            pace=ChannelPace(0.0),
        )
        await worker.drain()

    def calls(self, method: str) -> list:
        """The stand-in's accepted calls of one Web API method."""
        return [c for c in self.standin.calls_to(method) if c.answered == "ok"]

    async def an_idea_with_its_card(self) -> int:
        """Submit the enterprise user's idea through its real view submission and post its card."""
        response = await self.send(fixture("view_submission/bolt-python-idea-from-enterprise-user"))
        assert response.status == 200
        (idea,) = await self.store.recent_ideas(limit=1)
        assert idea.id is not None
        await self.deliver()
        (card,) = self.standin.channel_messages(IDEAS_CHANNEL)
        self.values.update(idea_id=str(idea.id), card_ts=card.ts)
        return idea.id


@pytest.fixture
async def handlers(standin: SlackWebAPIStandIn, tmp_path) -> AsyncIterator[Handlers]:
    store = Store.from_url(database_url(tmp_path / "handlers.db"), similar=SimilarIdeas)  # as `ideabot run` opens it
    await prepare_schema(store)
    running = Handlers(standin, store)
    await running.identity.warm_up()  # auth.test, as `ideabot run` does at start-up
    try:
        yield running
    finally:
        await running.session.close()
        await store.close()


async def test_the_slash_command_opens_the_idea_modal(handlers: Handlers) -> None:
    response = await handlers.send(fixture("slash_command/bolt-python-enterprise-user-opens-modal"))
    assert (response.status, response.body) == (200, "")
    (opened,) = handlers.calls("views.open")
    assert opened.args["view"]["callback_id"] == "idea_modal"


async def test_a_submitted_idea_is_stored_with_what_it_owes_slack(handlers: Handlers) -> None:
    response = await handlers.send(fixture("view_submission/bolt-python-idea-from-enterprise-user"))
    assert (response.status, response.body) == (200, "")
    (idea,) = await handlers.store.recent_ideas(limit=1)
    assert idea.submitter_id == "W000000001"
    assert await handlers.store.outbox_counts() == {"pending": 2}  # its card and its receipt
    assert not handlers.calls("chat.postMessage")  # posting is the outbox's, not the listener's
    await handlers.deliver()
    assert await handlers.store.outbox_counts() == {"sent": 2}


@pytest.mark.parametrize(
    ("name", "confirmed_to"),
    [
        ("block_actions/bolt-python-respond-support-on-card", "U000000001"),  # the card's Support button
        ("reaction/bolt-python-skin-tone-thumbs-up", None),  # a 👍 in any skin tone on the card
    ],
)
async def test_support_from_the_card_is_stored(handlers: Handlers, name: str, confirmed_to: str | None) -> None:
    idea_id = await handlers.an_idea_with_its_card()
    assert (await handlers.send(fixture(name))).status == 200
    data = await handlers.store.card_data(idea_id=idea_id)
    assert data is not None and data.supporters == 1
    assert [c.args["user"] for c in handlers.calls("chat.postEphemeral")] == ([confirmed_to] if confirmed_to else [])


async def test_a_reply_in_the_cards_thread_is_kept_then_edited_then_deleted(handlers: Handlers) -> None:
    idea_id = await handlers.an_idea_with_its_card()
    handlers.values["reply_ts"] = "1726133700.887259"  # the ts of the first fixture's reply
    for name, expected in (
        ("thread_reply/bolt-python-channel-thread-reply", None),
        ("thread_reply/bolt-python-reply-edited", "Edited reply text"),
    ):
        assert (await handlers.send(fixture(name))).status == 200
        (comment,) = await handlers.store.comments(idea_id=idea_id)
        assert not comment.deleted and (expected is None or comment.text == expected)
    assert (await handlers.send(fixture("thread_reply/bolt-python-reply-deleted"))).status == 200
    (comment,) = await handlers.store.comments(idea_id=idea_id)
    assert comment.deleted and comment.text == ""  # that it was deleted, not what it said


async def test_opening_app_home_publishes_the_home_tab_for_that_user(handlers: Handlers) -> None:
    response = await handlers.send(fixture("app_home/bolt-python-home-tab"))
    assert response.status == 200
    (published,) = handlers.calls("views.publish")
    assert published.args["user_id"] == "W000000001"


async def test_another_apps_command_is_answered_200_and_does_nothing(handlers: Handlers, caplog) -> None:
    before = len(handlers.standin.calls)
    with caplog.at_level(logging.INFO, logger="ideabot"):
        response = await handlers.send(fixture("slash_command/bolt-python-foreign-command"))
    assert (response.status, response.body) == (200, "")
    assert handlers.standin.calls[before:] == []
    assert any("no listener for a" in r.getMessage() for r in caplog.records)
