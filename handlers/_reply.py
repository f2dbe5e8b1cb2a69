"""Small helpers shared by listeners: reading payloads safely and answering only the person who acted."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("ideabot.handlers")


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


async def open_modal(client: AsyncWebClient, trigger_id: str, view: Any) -> dict | None:
    """Open a modal (right after the ack: a trigger id lives 3 s); the opened view, or None."""
    if not trigger_id:
        log.warning("cannot open a modal: the request carried no trigger_id")
        return None
    response = await client.views_open(trigger_id=trigger_id, view=view)
    opened = response.get("view")
    return opened if isinstance(opened, dict) else None


async def tell(client: AsyncWebClient, *, user: str, channel: str, text: str, blocks: list | None = None) -> None:
    """Say something only to `user`: ephemeral in `channel` if there is one, else a direct message."""
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            log.info("ephemeral in %s failed (%s); sending a DM instead", channel, error.response.get("error"))
    await client.chat_postMessage(channel=user, text=text, blocks=blocks)
