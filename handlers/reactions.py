"""A 👍 on an idea card counts as support; removing it takes the support back."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.ids import Event
from handlers._reply import text_at

SUPPORT_REACTIONS = ("+1", "thumbsup")


def is_support(reaction: str) -> bool:
    """👍 in any skin tone: "+1", "thumbsup", "+1::skin-tone-3"."""
    return reaction.split("::", 1)[0] in SUPPORT_REACTIONS


async def _on_reaction(body: dict, event: dict, deps: Deps, *, on: bool) -> None:
    if not is_support(text_at(event, "reaction")) or text_at(event, "item", "type") != "message":
        return
    idea = await deps.store.idea_by_card(channel=text_at(event, "item", "channel"), ts=text_at(event, "item", "ts"))
    user = text_at(event, "user")
    if idea is None or idea.id is None or not user:
        return
    event_id = text_at(body, "event_id")
    change = await deps.store.set_support(
        idea_id=idea.id, user_id=user, on=on, via="reaction", key=f"event:{event_id}" if event_id else None
    )
    if change.applied:
        deps.outbox.notify()


async def handle_reaction_added(body: dict, event: dict, deps: Deps) -> None:
    """👍 added to a card: support."""
    async with deps.work():
        await _on_reaction(body, event, deps, on=True)


async def handle_reaction_removed(body: dict, event: dict, deps: Deps) -> None:
    """👍 removed from a card: support taken back."""
    async with deps.work():
        await _on_reaction(body, event, deps, on=False)


def register(app: AsyncApp) -> None:
    """Register the reaction listeners."""
    app.event(Event.REACTION_ADDED)(handle_reaction_added)
    app.event(Event.REACTION_REMOVED)(handle_reaction_removed)
