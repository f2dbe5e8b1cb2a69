"""The one `message` listener: replies in an idea card's thread become the idea's discussion.

Bolt runs only the first listener that matches a request, so every message event comes here.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.ids import Event
from handlers._reply import text_at

log = logging.getLogger("ideabot.messages")

# Message subtypes that are a person's reply (anything else — edits, joins, bots — is not discussion).
HUMAN_SUBTYPES = {"", "thread_broadcast", "file_share"}


async def handle_message(body: dict, event: dict, deps: Deps) -> None:
    """Store a human reply in an idea card's thread, once per delivery; apply edits and deletions."""
    async with deps.work():
        subtype = text_at(event, "subtype")
        if subtype == "message_changed":
            await handle_edit(event, deps)
            return
        if subtype == "message_deleted":
            await handle_deletion(event, deps)
            return
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
    app.event(Event.MESSAGE)(handle_message)


async def handle_edit(event: dict, deps: Deps) -> None:
    """A message was edited: if it is a stored reply in a card's thread, keep its new text."""
    message = event.get("message") or {}
    channel, ts = text_at(event, "channel"), text_at(message, "ts")
    if channel != deps.settings.ideas_channel or not ts or not text_at(message, "thread_ts"):
        return
    if await deps.store.edit_comment(channel=channel, ts=ts, text=text_at(message, "text")):
        log.info("a reply in a card's thread was edited (%s)", ts)


async def handle_deletion(event: dict, deps: Deps) -> None:
    """A message was deleted: a stored reply keeps only that it was; ideas captured from it stop
    quoting and linking it."""
    channel, ts = text_at(event, "channel"), text_at(event, "deleted_ts")
    if not channel or not ts:
        return
    if channel == deps.settings.ideas_channel and await deps.store.delete_comment(channel=channel, ts=ts):
        log.info("a reply in a card's thread was deleted (%s)", ts)
    previous = event.get("previous_message") or {}
    changed = await deps.store.forget_source_message(channel=channel, ts=ts, text=text_at(previous, "text"))
    if changed:
        log.info("the message IDEA-%s was captured from was deleted", ", IDEA-".join(map(str, changed)))
        deps.outbox.notify()
