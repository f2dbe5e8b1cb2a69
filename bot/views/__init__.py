"""Block Kit builders (pure): the idea modal, idea cards, receipts, the App Home and `/idea` answers.

Every user string goes through `bot.views.slack_text` before it reaches mrkdwn. Each surface has its
module: `idea_modal` (built and read back there: the one place that knows its block ids), `card`
(the idea card and the receipt), `answers` (lists, details, help, the App Home) and `blocks`
(the `Message` body, Slack's limits and plain-JSON blocks they share). Triage's surfaces are in
`bot.views.triage`.
"""

from bot.views.answers import (
    HOME_IDEAS_MAX,
    build_help,
    build_home,
    build_idea_detail,
    build_idea_list,
    build_not_found,
    build_unknown_subcommand,
    build_usage,
)
from bot.views.blocks import TITLE_MAX, Message, button, md, plain
from bot.views.card import build_idea_card, build_receipt, idea_link
from bot.views.idea_modal import ModalContext, build_idea_modal, idea_modal, missing_choices, read_idea_form

__all__ = [
    "HOME_IDEAS_MAX",
    "TITLE_MAX",
    "Message",
    "ModalContext",
    "build_help",
    "build_home",
    "build_idea_card",
    "build_idea_detail",
    "build_idea_list",
    "build_idea_modal",
    "build_not_found",
    "build_receipt",
    "build_unknown_subcommand",
    "build_usage",
    "button",
    "idea_link",
    "idea_modal",
    "md",
    "missing_choices",
    "plain",
    "read_idea_form",
]
