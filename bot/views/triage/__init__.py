"""Block Kit for triage (pure): card actions, triage modals, notices, the leads' queue.

One module per modal builds it and reads it back: `decision`, `assign`, `score`, `merge` and
`restate`; `context` holds what they share (private_metadata, the loading modal, reading a text
field). `actions` has the card's buttons, `notices` the thread replies and DMs, `queue` the lists.
"""

from bot.views.triage.actions import ACTION_TO_STATUS, MERGE_OPTION, build_already_supported, build_triage_actions
from bot.views.triage.assign import build_assign_modal, read_assign_form
from bot.views.triage.context import TriageContext, build_loading_modal
from bot.views.triage.decision import build_decision_modal, read_decision_form
from bot.views.triage.merge import build_merge_modal, read_merge_form
from bot.views.triage.notices import build_dm, build_thread_reply
from bot.views.triage.queue import build_detail_extras, build_queue_blocks
from bot.views.triage.restate import build_restate_modal, read_restate_form
from bot.views.triage.score import SCORE_QUESTIONS, build_score_modal, read_score_form

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
    "read_assign_form",
    "read_decision_form",
    "read_merge_form",
    "read_restate_form",
    "read_score_form",
]
