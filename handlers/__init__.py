"""Thin Slack listeners; each module ends with `register(app)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import capture, home, messages, reactions, triage


def register_handlers(app: AsyncApp) -> None:
    """Register every listener ideabot has on `app`."""
    capture.register(app)
    home.register(app)
    triage.register(app)
    messages.register(app)
    reactions.register(app)
