"""The App Home tab: a "Submit an idea" button and the person's own ideas."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.ids import Event
from bot.views import HOME_IDEAS_MAX, build_home


async def handle_app_home_opened(event: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Publish the Home tab whenever someone opens it."""
    user_id = event.get("user")
    if event.get("tab") != "home" or not isinstance(user_id, str) or not user_id:
        return
    ideas = await deps.store.ideas_by_submitter(user_id=user_id, limit=HOME_IDEAS_MAX + 1)
    await client.views_publish(user_id=user_id, view=build_home(ideas=ideas))


def register(app: AsyncApp) -> None:
    """Register the App Home listener."""
    app.event(Event.APP_HOME_OPENED)(handle_app_home_opened)
