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
    MESSAGE = "message"  # thread replies under idea cards (message.channels)
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"


class View(StrEnum):
    """Callback ids of modals."""

    IDEA = "idea_modal"
    DECISION = "triage_decision"  # accept / needs problem / park / decline, with a reason
    ASSIGN = "triage_assign"
    SCORE = "triage_score"
    MERGE = "triage_merge"
    RESTATE = "restate_problem"


class Action(StrEnum):
    """Action ids of interactive elements."""

    OPEN_IDEA_MODAL = "open_idea_modal"  # "Submit an idea" (App Home, help, unknown subcommand)
    ACCEPT = "triage_accept"
    NEEDS_PROBLEM = "triage_needs_problem"
    PARK = "triage_park"
    DECLINE = "triage_decline"
    ASSIGN = "triage_assign"
    SCORE = "triage_score"
    MORE = "triage_more"  # the card's overflow menu: other moves and "Merge into…"
    SUPPORT = "support"
    WITHDRAW_SUPPORT = "withdraw_support"
    RESTATE = "restate_problem"  # the submitter's button in the "needs problem" DM
    USE_WORDING = "use_suggested_wording"  # "Use this wording" under a language model's suggested problem


class Block(StrEnum):
    """Block ids of the idea modal (PRODUCT.md); the same string is the action id of its element."""

    TITLE = "title"
    AFFECTED = "affected"
    PROBLEM = "problem"
    # The problem field once a suggested wording replaced its text: Slack keeps what was typed in a
    # block whose id is unchanged, so a new initial value needs a new id (the form reads both).
    PROBLEM_REWORDED = "problem_reworded"
    COACH_NOTE = "coach_note"  # the coaching, repeated under the problem field when the modal is updated
    COACH_SUGGESTION = "coach_suggestion"  # "Suggested: …" with its "Use this wording" button
    EVIDENCE = "evidence"
    BUSINESS_VALUE = "business_value"
    SOLUTION = "solution"
    ORIGIN = "origin"
    KIND = "kind"
    # triage modals
    REASON = "reason"
    SPONSOR = "sponsor"
    PARTNER = "partner"
    CUSTOMER_VALUE = "customer_value"
    STRATEGIC_FIT = "strategic_fit"
    FEASIBILITY = "feasibility"
    MERGE_TARGET = "merge_target"


# Bot scopes the code needs, and why (the manifest test keeps manifest.yml equal to this).
BOT_SCOPES: dict[str, str] = {
    "commands": "the /idea command and the two shortcuts",
    "chat:write": "idea cards in the ideas channel, thread replies, DMs to submitters, the digest",
    "channels:history": "replies in idea cards' threads (the discussion), and the outbox's check for a card "
    "already posted",
    "reactions:read": "a 👍 on an idea card counts as support",
    "usergroups:read": "members of TRIAGE_USERGROUP may triage",
    "files:write": "the digest's chart, uploaded to the digest channel (files_upload_v2)",
}
