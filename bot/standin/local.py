"""A whole local Slack around a real ideabot: stand-in Web API + running app + signed driver.

`LocalSlack` is what the end-to-end tests, the benchmark and `ideabot demo` use: it starts the
stand-in on 127.0.0.1, starts ideabot's real `Runtime` in HTTP mode on a free port with a real
SQLite file, and drives it with signed requests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.runtime.server import Runtime, RuntimeOptions
from bot.standin.driver import Reply, SlackDriver, block_actions, message_shortcut, view_submission
from bot.standin.webapi import SlackWebAPIStandIn

SIGNING_SECRET = "standin-signing-secret-0123456789"
IDEAS_CHANNEL = "C0000IDEAS"
LEAD = "U0000LEAD1"
SUBMITTER = "U0000USER1"


class LocalSlack:
    """Stand-in Slack + a running ideabot, as an async context manager."""

    def __init__(
        self,
        database: Path | str,
        *,
        options: RuntimeOptions | None = None,
        latency: float = 0.003,
        socket_mode: bool = False,
        **settings: Any,
    ) -> None:
        # A path is a SQLite file; a string is a database URL (e.g. PostgreSQL's).
        self.database_url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
        self.standin = SlackWebAPIStandIn(latency=latency, socket_mode=socket_mode)
        self.options = options or RuntimeOptions(outbox_poll_interval=0.2)
        self._settings_overrides = settings
        self.runtime: Runtime | None = None
        self.driver: SlackDriver | None = None
        self.settings: Settings | None = None
        self._card_ts: dict[int, str] = {}

    def make_settings(self) -> Settings:
        """Settings pointing at the stand-in and the database."""
        base = Settings(
            slack_bot_token=self.standin.token,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=self.standin.url,
            host="127.0.0.1",
            port=0,
            database_url=self.database_url,
            ideas_channel=IDEAS_CHANNEL,
            triage_users=frozenset({LEAD}),
            log_level="WARNING",
            slack_app_token=self.standin.app_token if self.standin.socket_mode else "",
            delivery="inline",  # the outbox worker in this process, where tests can reach it
            # The stand-in takes posts as fast as they come unless told to keep Slack's pace
            # (`standin.post_rate`); a test of pacing sets both.
            post_interval=0.0,
        )
        return dataclasses.replace(base, **self._settings_overrides)

    async def __aenter__(self) -> LocalSlack:
        await self.standin.start()
        await self.start_app()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop_app()
        await self.standin.stop()

    async def start_app(self) -> None:
        """Start (or restart) ideabot against the stand-in."""
        self.settings = self.make_settings()
        self.runtime = Runtime(self.settings, self.options)
        await self.runtime.start()
        # Tests move the clock to a digest's time; start-up's own look at the clock comes first.
        await self.runtime.digest_caught_up()
        if not self.settings.socket_mode:
            self.driver = SlackDriver(self.runtime.url, SIGNING_SECRET, response_url=self.standin.response_url)

    async def stop_app(self) -> None:
        """Stop ideabot gracefully (the stand-in keeps running)."""
        if self.driver is not None:
            await self.driver.close()
            self.driver = None
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None

    @property
    def db_path(self) -> Path:
        """The SQLite file (on SQLite only)."""
        url = make_url(self.database_url)
        assert url.get_backend_name() == "sqlite" and url.database, "not a SQLite database"
        return Path(url.database)

    @property
    def store(self):
        """The running app's store."""
        assert self.runtime is not None and self.runtime.store is not None
        return self.runtime.store

    @property
    def slack(self) -> SlackDriver:
        """The signed-request driver."""
        assert self.driver is not None
        return self.driver

    # --- waiting --------------------------------------------------------------------------

    async def wait_for(self, condition: Callable[[], bool], *, timeout: float = 5.0, what: str = "condition") -> None:
        """Poll until `condition()` holds; raise TimeoutError naming `what` if it never does."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    async def wait_for_calls(self, method: str, count: int, *, timeout: float = 5.0) -> list:
        """Wait until the stand-in has accepted `count` calls of `method`; return them."""
        await self.wait_for(lambda: len(self.standin.calls_to(method)) >= count, timeout=timeout, what=method)
        return self.standin.calls_to(method)

    async def pause_outbox(self) -> None:
        """Stop the outbox worker's loop (`settle()` still delivers on demand)."""
        assert self.runtime is not None and self.runtime.worker is not None
        await self.runtime.worker.stop()
        await asyncio.gather(*self.runtime._tasks, return_exceptions=True)

    async def wait_for_ideas(self, count: int, *, timeout: float = 10.0) -> None:
        """Wait until at least `count` ideas are stored."""
        deadline = time.monotonic() + timeout
        while len(await self.store.recent_ideas(limit=count)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {count} ideas")
            await asyncio.sleep(0.05)

    async def settle(self, *, timeout: float = 10.0) -> None:
        """Let running listeners finish, then the outbox deliver everything that is due."""
        assert self.runtime is not None
        await self.runtime.wait_for_listeners(timeout)
        if self.runtime.worker is not None:
            await self.runtime.worker.drain(timeout=timeout)
            return
        # DELIVERY=external: `ideabot deliver` delivers; wait until nothing is owed any more.
        deadline = time.monotonic() + timeout
        while any(state not in ("sent", "failed") for state in await self.store.outbox_counts()):
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for `ideabot deliver`")
            await asyncio.sleep(0.02)

    # --- capture conveniences -------------------------------------------------------------

    async def open_modal(self, text: str = "", *, user: str = SUBMITTER) -> dict:
        """Run `/idea text` and return the modal the app opened (as the stand-in stored it)."""
        before = len(self.standin.calls_to("views.open"))
        reply = await self.slack.command(text, user=user)
        if reply.status != 200:
            raise AssertionError(f"/idea answered {reply.status}: {reply.body}")
        calls = await self.wait_for_calls("views.open", before + 1)
        return self._opened_view(calls[before])

    async def capture_message(self, text: str, *, user: str = SUBMITTER, channel: str = "C0000GNRL1") -> dict:
        """Use the "Capture as idea" shortcut on a message; return the modal it opened."""
        before = len(self.standin.calls_to("views.open"))
        reply = await self.slack.interactive(message_shortcut("capture_as_idea", text=text, user=user, channel=channel))
        if reply.status != 200:
            raise AssertionError(f"shortcut answered {reply.status}: {reply.body}")
        calls = await self.wait_for_calls("views.open", before + 1)
        return self._opened_view(calls[before])

    def _opened_view(self, call: Any) -> dict:
        return self.standin.views[call.result["view"]["id"]]

    async def submit(
        self, view: Mapping[str, Any], answers: Mapping[str, str | None], *, user: str = SUBMITTER
    ) -> Reply:
        """Submit `view` with `answers` (block id -> value), as the person typed them.

        The stand-in keeps what was typed, and takes the modal as closed when the answer closes it.
        """
        payload = view_submission(view, answers, user=user)
        view_id = payload["view"]["id"]
        known = view_id in self.standin.views
        if known:
            self.standin.type_into(view_id, payload["view"]["state"]["values"])
        reply = await self.slack.interactive(payload)
        if known and reply.status == 200 and _closes(reply):
            self.standin.close_view(view_id)
        return reply

    async def submit_shown(
        self, view_id: str, changes: Mapping[str, str | None] | None = None, *, user: str = SUBMITTER
    ) -> Reply:
        """Submit the modal as the stand-in shows it now (typed values, else initial ones), with `changes`."""
        view = self.standin.views[view_id]
        fields = [b for b in view.get("blocks", []) if b.get("type") == "input"]
        answers = {b["block_id"]: self.shown_answer(view_id, b) for b in fields}
        return await self.submit(view, {**answers, **(changes or {})}, user=user)

    def shown_answer(self, view_id: str, block: Mapping[str, Any]) -> str | None:
        """What an input block of a modal holds now: typed text or choice, or its initial one."""
        element = block.get("element", {})
        typed = self.standin.views[view_id]["state"]["values"].get(block["block_id"], {}).get(element.get("action_id"))
        if typed and typed.get("selected_option"):
            return typed["selected_option"].get("value")
        if element.get("type") == "plain_text_input":
            return self.standin.shown(view_id, block["block_id"])
        initial = element.get("initial_option")
        return initial.get("value") if isinstance(initial, Mapping) else None

    async def click_in_modal(self, view_id: str, action_id: str, *, user: str = SUBMITTER) -> Reply:
        """Press a button in an open modal, as Slack sends it (the view with its state and hash)."""
        view = self.standin.views[view_id]
        block, element = next(
            (b, e)
            for b in view.get("blocks", [])
            for e in [b.get("accessory"), *b.get("elements", [])]
            if isinstance(e, Mapping) and e.get("action_id") == action_id
        )
        return await self.slack.interactive(
            block_actions(
                action_id,
                value=element.get("value", ""),
                user=user,
                container={"type": "view", "view_id": view_id},
                view=view,
                block_id=block.get("block_id", ""),
            )
        )

    async def submit_idea(self, answers: Mapping[str, str | None], *, user: str = SUBMITTER) -> Reply:
        """Open the modal with `/idea` and submit it once."""
        view = await self.open_modal(user=user)
        return await self.submit(view, answers, user=user)

    async def click(self, action_id: str, *, user: str, value: str = "", **kwargs: Any) -> Reply:
        """Click a button (block_actions)."""
        return await self.slack.interactive(block_actions(action_id, value=value, user=user, **kwargs))

    def card_message(self, idea_id: int) -> Any:
        """The stand-in's copy of an idea's card (as it looks now)."""
        ts = self._card_ts[idea_id]
        return next(m for m in self.standin.channel_messages(IDEAS_CHANNEL) if m.ts == ts)

    async def card_ts(self, idea_id: int) -> str:
        """The ts of an idea's card, waiting for the outbox to post it."""
        await self.settle()
        idea = await self.store.get_idea(idea_id=idea_id)
        assert idea is not None and idea.card_ts, f"IDEA-{idea_id} has no card"
        self._card_ts[idea_id] = idea.card_ts
        return idea.card_ts

    async def click_card(
        self, idea_id: int, action_id: str, *, user: str, option: str | None = None, home: bool = False
    ) -> Reply:
        """Click one of an idea card's buttons (or pick an overflow `option`) as `user`.

        The payload is built from the card as the stand-in holds it, the way Slack would send it;
        with `home=True` the click comes from the App Home instead of the channel.
        """
        ts = await self.card_ts(idea_id)
        card = self.card_message(idea_id)
        element = None
        for block in card.blocks:
            for candidate in block.get("elements", []) if block.get("type") == "actions" else []:
                if candidate.get("action_id") == action_id:
                    element = candidate
        if element is None:
            raise AssertionError(f"the card of IDEA-{idea_id} has no {action_id} element")
        selected = None
        if option is not None:
            selected = next(o for o in element["options"] if o["value"].endswith(":" + option))
        if home:
            return await self.click(
                action_id,
                user=user,
                value=element.get("value", ""),
                container={"type": "view", "view_id": "VHOME"},
                selected_option=selected,
            )
        return await self.click(
            action_id,
            user=user,
            value=element.get("value", ""),
            container={"type": "message", "message_ts": ts, "channel_id": IDEAS_CHANNEL, "is_ephemeral": False},
            channel=IDEAS_CHANNEL,
            message=card.as_dict(with_metadata=False),
            selected_option=selected,
        )

    async def modal_after(self, opened_before: int, *, updated: bool = False, timeout: float = 5.0) -> dict:
        """The modal the app opened after `opened_before` views.open calls (after its update, if any)."""
        calls = await self.wait_for_calls("views.open", opened_before + 1, timeout=timeout)
        view_id = calls[opened_before].result["view"]["id"]
        if updated:
            await self.wait_for(
                lambda: any(c.args.get("view_id") == view_id for c in self.standin.calls_to("views.update")),
                timeout=timeout,
                what="the modal's update",
            )
        return self.standin.views[view_id]


def _closes(reply: Reply) -> bool:
    """Whether an answer to a submission closes the modal (an empty ack, or `clear`)."""
    if not reply.body.strip():
        return True
    try:
        return reply.json().get("response_action") == "clear"
    except ValueError:
        return False


def idea_answers(**overrides: str | None) -> dict[str, str | None]:
    """A complete, problem-first set of modal answers; override any field by block id."""
    answers: dict[str, str | None] = {
        "title": "Customers can't see where their order is",
        "affected": "Online customers and the support team",
        "problem": "Customers call us to ask where their order is — about 40 calls a day, each takes "
        "4 minutes because agents have to check two systems.",
        "evidence": "Call log, March: 1,180 'where is my order' calls",
        "business_value": "Frees about 2.5 agent hours a day and cuts repeat calls",
        "solution": "Send tracking links by SMS when the parcel ships",
        "origin": "problem",
        "kind": "invent",
    }
    answers.update(overrides)
    return answers
