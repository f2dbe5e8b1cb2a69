"""The App Home tab: a "Submit an idea" button, the person's own ideas, and for leads the triage queue."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.ids import Event
from bot.views import HOME_IDEAS_MAX, build_home
from bot.views.triage import build_queue_blocks
from handlers._reply import best_effort


async def publish_home(client: AsyncWebClient, deps: Deps, user_id: str) -> None:
    """Build and publish `user_id`'s Home tab."""
    ideas = await deps.store.ideas_by_submitter(user_id=user_id, limit=HOME_IDEAS_MAX + 1)
    queue = None
    if await deps.leads.is_lead(user_id):
        queue = build_queue_blocks(await deps.store.triage_queue(limit=16), limit=15)
    view = build_home(ideas=ideas, queue=queue)
    await best_effort(client.views_publish(user_id=user_id, view=view), what="the Home tab")


async def handle_app_home_opened(event: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Publish the Home tab whenever someone opens it."""
    async with deps.work():
        user_id = event.get("user")
        if event.get("tab") != "home" or not isinstance(user_id, str) or not user_id:
            return
        await publish_home(client, deps, user_id)


def register(app: AsyncApp) -> None:
    """Register the App Home listener."""
    app.event(Event.APP_HOME_OPENED)(handle_app_home_opened)
