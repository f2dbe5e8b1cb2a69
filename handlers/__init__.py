"""Thin Slack listeners; each module ends with `register(app)`, which names every id it handles.

Where a behaviour lives: the listener is in the module below; it calls one `deps.store` method
(models/store/, a module per aggregate) and leaves what it owes Slack to the outbox
(bot/delivery/outbox/deliver.py, one `_deliver_*` per kind), or answers with one call of
`handlers._reply`.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import capture, home, messages, reactions, triage, triage_forms


def register_handlers(app: AsyncApp) -> None:
    """Register every listener ideabot has on `app`."""
    capture.register(app)  # /idea, the shortcuts, the idea modal
    triage.register(app)  # the card's buttons
    triage_forms.register(app)  # the leads' modals, submitted
    home.register(app)  # App Home
    messages.register(app)  # replies in a card's thread, edits, deletions
    reactions.register(app)  # 👍 on a card
