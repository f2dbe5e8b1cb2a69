"""Block Kit for triage (pure): card actions, triage modals, notices, the leads' queue.

One module per modal builds it and reads it back: `decision`, `assign`, `score`, `merge` and
`restate`; `context` holds what they share (private_metadata, the loading modal, reading a text
field). `actions` has the card's buttons, `notices` the thread replies and DMs, `queue` the lists.
"""

from bot.triage_views.actions import ACTION_TO_STATUS, MERGE_OPTION, build_already_supported, build_triage_actions
from bot.triage_views.assign import build_assign_modal, selected_user
from bot.triage_views.context import TriageContext, build_loading_modal, text_value
from bot.triage_views.decision import build_decision_modal
from bot.triage_views.merge import build_merge_modal
from bot.triage_views.notices import build_dm, build_thread_reply
from bot.triage_views.queue import build_detail_extras, build_queue_blocks
from bot.triage_views.restate import build_restate_modal, read_restate_form
from bot.triage_views.score import SCORE_QUESTIONS, build_score_modal, selected_number

__all__ = [
    "ACTION_TO_STATUS",
    "MERGE_OPTION",
    "SCORE_QUESTIONS",
    "TriageContext",
    "build_already_supported",
    "build_assign_modal",
    "build_decision_modal",
    "build_detail_extras",
    "build_dm",
    "build_loading_modal",
    "build_merge_modal",
    "build_queue_blocks",
    "build_restate_modal",
    "build_score_modal",
    "build_thread_reply",
    "build_triage_actions",
    "read_restate_form",
    "selected_number",
    "selected_user",
    "text_value",
]
