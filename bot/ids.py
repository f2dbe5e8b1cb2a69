"""Ids shared with Slack: commands, callback ids, action ids and block ids.

These are API: messages already posted keep them, other tools read them, and the
manifest test compares them with `manifest.yml`. Change them only with a migration plan.
"""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    """Slash commands."""

    IDEA = "/idea"


class Shortcut(StrEnum):
    """Callback ids of the global and message shortcuts."""

    SUBMIT_IDEA = "submit_idea"  # global shortcut "Submit an idea"
    CAPTURE_MESSAGE = "capture_as_idea"  # message shortcut "Capture as idea"


class Event(StrEnum):
    """Events API event types the app subscribes to."""

    APP_HOME_OPENED = "app_home_opened"


class View(StrEnum):
    """Callback ids of modals."""

    IDEA = "idea_modal"


class Action(StrEnum):
    """Action ids of interactive elements."""

    OPEN_IDEA_MODAL = "open_idea_modal"  # "Submit an idea" (App Home, help, unknown subcommand)


class Block(StrEnum):
    """Block ids of the idea modal (PRODUCT.md); the same string is the action id of its element."""

    TITLE = "title"
    AFFECTED = "affected"
    PROBLEM = "problem"
    EVIDENCE = "evidence"
    BUSINESS_VALUE = "business_value"
    SOLUTION = "solution"
    ORIGIN = "origin"
    KIND = "kind"


# Bot scopes the code needs, and why (the manifest test keeps manifest.yml equal to this).
BOT_SCOPES: dict[str, str] = {
    "commands": "the /idea command and the two shortcuts",
    "chat:write": "idea cards in the ideas channel, thread replies, DMs to submitters, the digest",
    "channels:history": "check whether a card was already posted before posting it again (outbox reconcile)",
}
