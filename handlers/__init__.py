"""Thin Slack listeners; each module ends with `register(app)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import capture, home, messages, reactions, triage
from handlers.routing import register_routes


def register_handlers(app: AsyncApp) -> None:
    """Register every listener ideabot has on `app`."""
    capture.register(app)
    home.register(app)
    messages.register(app)
    reactions.register(app)
    register_routes(
        app,
        actions={**capture.ACTIONS, **triage.ACTIONS},
        views={**capture.VIEWS, **triage.VIEWS},
    )
