"""The one `message` listener: replies in an idea card's thread become the idea's discussion.

Bolt runs only the first listener that matches a request, so every message event comes here.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.ids import Event
from handlers._reply import text_at
from handlers._respond import answer_at_ack

log = logging.getLogger("ideabot.messages")

# Message subtypes that are a person's reply (anything else — edits, joins, bots — is not discussion).
HUMAN_SUBTYPES = {"", "thread_broadcast", "file_share"}


async def handle_message(body: dict, event: dict, deps: Deps) -> None:
    """Store a human reply in an idea card's thread, once per delivery."""
    thread_ts = text_at(event, "thread_ts")
    ts = text_at(event, "ts")
    user = text_at(event, "user")
    channel = text_at(event, "channel")
    if not thread_ts or thread_ts == ts or not user or event.get("bot_id"):
        return
    if text_at(event, "subtype") not in HUMAN_SUBTYPES or channel != deps.settings.ideas_channel:
        return
    event_id = text_at(body, "event_id")
    stored = await deps.store.add_comment(
        channel=channel,
        thread_ts=thread_ts,
        ts=ts,
        user_id=user,
        text=text_at(event, "text"),
        key=f"event:{event_id}" if event_id else None,
    )
    if stored:
        log.info("stored a reply by %s in the thread of card %s", user, thread_ts)


def register(app: AsyncApp) -> None:
    """Register the message listener."""
    app.event(Event.MESSAGE)(answer_at_ack(handle_message, events=True))
