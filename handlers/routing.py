"""One listener for every button and one for every modal, each routing by id.

Bolt tries its listeners one after another and, for each, builds the arguments its matcher
needs; with a listener per button that work grew with every button ideabot has, and measured
as a fifth of the time a click took. Two routers keep it constant.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from handlers._respond import answer_at_ack

Handler = Callable[[AsyncAck, dict, dict, AsyncWebClient, Deps], Awaitable[None]]


def _pattern(ids: Mapping[str, Handler]) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(re.escape(str(i)) for i in sorted(ids)) + ")$")


def register_routes(app: AsyncApp, *, actions: Mapping[str, Handler], views: Mapping[str, Handler]) -> None:
    """Register the two routers: block actions by action_id, view submissions by callback_id."""

    async def handle_block_action(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
        await actions[action["action_id"]](ack, body, action, client, deps)

    async def handle_view_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
        await views[view["callback_id"]](ack, body, view, client, deps)

    app.action(_pattern(actions))(answer_at_ack(handle_block_action))
    app.view(_pattern(views))(answer_at_ack(handle_view_submission))
