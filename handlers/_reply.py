"""Small helpers shared by listeners: reading payloads safely and answering only the person who acted."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("ideabot.handlers")

T = TypeVar("T")


def text_at(mapping: Any, *keys: str) -> str:
    """A nested string value of a payload, or "" when any level is missing or not what we expect."""
    value = mapping
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def idea_id_of(value: str) -> int | None:
    """The idea id a button carries ("42"); None for anything else."""
    head = value.split(":", 1)[0]
    return int(head) if head.isdigit() and len(head) < 10 else None


def where_clicked(body: dict) -> str:
    """The channel of the message whose button was clicked; "" for the App Home or a modal."""
    if text_at(body, "container", "type") == "view":
        return ""
    return text_at(body, "container", "channel_id") or text_at(body, "channel", "id")


async def best_effort(call: Awaitable[T], *, what: str) -> T | None:
    """Await a Slack call made after the ack; a failure is logged, not raised.

    After the ack nothing may propagate: Bolt would throw the ack away if a listener raised
    within milliseconds of it, and the person would see an error for a request that worked.
    """
    try:
        return await call
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else error.response.status_code
        log.warning("Slack refused %s: %s", what, code)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not reach Slack for %s: %s", what, type(error).__name__)
    return None


async def open_modal(client: AsyncWebClient, trigger_id: str, view: Any) -> dict | None:
    """Open a modal (right after the ack: a trigger id lives 3 s); the opened view, or None."""
    if not trigger_id:
        log.warning("cannot open a modal: the request carried no trigger_id")
        return None
    response = await best_effort(client.views_open(trigger_id=trigger_id, view=view), what="opening a modal")
    opened = response.get("view") if response is not None else None
    return opened if isinstance(opened, dict) else None


async def tell(client: AsyncWebClient, *, user: str, channel: str, text: str, blocks: list | None = None) -> None:
    """Say something only to `user`: ephemeral in `channel` if there is one, else a direct message."""
    if channel:
        answer = client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        if await best_effort(answer, what="an ephemeral answer") is not None:
            return
    await best_effort(client.chat_postMessage(channel=user, text=text, blocks=blocks), what="a direct message")
