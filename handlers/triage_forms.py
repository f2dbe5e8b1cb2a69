"""Triage, the leads' modals submitted: a decision with its reason, assign, score, merge, restate;
and `/idea merge`."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.ideas import IdeaDraft, Status, idea_ref, parse_ref
from bot.domain.problem import check_problem
from bot.domain.slash import SlashRequest
from bot.domain.triage import REASON_REQUIRED, check_move
from bot.ids import Block as B
from bot.ids import View as ViewId
from bot.listener_work import Ack
from bot.views.coach import on_problem_field, problem_block
from bot.views.triage import (
    TriageContext,
    read_assign_form,
    read_decision_form,
    read_merge_form,
    read_score_form,
)
from bot.views.triage.restate import read_restate_form
from handlers._ack import ack_when_stored
from handlers._gate import passes_gate
from handlers._reply import best_effort, text_at
from handlers.coaching import offer_rewrite
from handlers.triage import after_change
from models.store import Change, GateFlags

log = logging.getLogger("ideabot.triage")

SAVE_FAILED = "ideabot couldn't save this just now; please try again in a moment."


async def _store_form(
    ack: Ack,
    deps: Deps,
    client: AsyncWebClient,
    write: Coroutine[Any, Any, Change],
    *,
    by: str,
    context: TriageContext,
    block: str,
    what: str,
) -> None:
    """Ack a lead's form once `write` is stored (SAVE_FAILED under `block` if it can't be), then follow up.

    `what` names the change for the logs: "a decision on" (the idea's reference follows).
    """
    what = f"{what} {idea_ref(context.idea_id)}"
    change = await ack_when_stored(ack, write, failure_errors={block: SAVE_FAILED}, what=what)
    await after_change(deps, client, change, user=by, channel=context.channel, from_home=context.from_home)


# --- modal submissions -------------------------------------------------------------------------


async def handle_decision_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Record a decision with its reason; the outbox updates the card, replies in the thread, DMs."""
    async with deps.work(ack) as ack:
        context = TriageContext.decode(view.get("private_metadata"))
        user = text_at(body, "user", "id")
        if context is None or context.status not in Status._value2member_map_:
            await ack(response_action="errors", errors={B.REASON: "This form is out of date; close it and try again."})
            return
        reason = read_decision_form(view)
        status = Status(context.status)
        if status in REASON_REQUIRED and not reason:
            await ack(response_action="errors", errors={B.REASON: "Please give a reason: the submitter will read it."})
            return
        if not await deps.leads.is_lead(user):
            await ack(response_action="errors", errors={B.REASON: "Only triage leads can make this decision."})
            return
        idea = await deps.store.get_idea(idea_id=context.idea_id)
        if idea is None:
            await ack(response_action="errors", errors={B.REASON: f"There is no {idea_ref(context.idea_id)}."})
            return
        check = check_move(idea.status, status)
        if not check.allowed:
            await ack(response_action="errors", errors={B.REASON: f"{idea_ref(context.idea_id)}: {check.message}"})
            return
        key = f"view:{text_at(view, 'id')}"
        write = deps.store.change_status(
            idea_id=context.idea_id, actor_id=user, to_status=status, reason=reason, key=key
        )
        await _store_form(ack, deps, client, write, by=user, context=context, block=B.REASON, what="a decision on")


async def handle_assign_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Save the business sponsor and tech partner."""
    async with deps.work(ack) as ack:
        context = TriageContext.decode(view.get("private_metadata"))
        user = text_at(body, "user", "id")
        sponsor, partner = read_assign_form(view)
        if context is None:
            await ack(response_action="errors", errors={B.SPONSOR: "This form is out of date; close it and try again."})
            return
        if not sponsor and not partner:
            await ack(response_action="errors", errors={B.SPONSOR: "Pick a business sponsor, a tech partner, or both."})
            return
        if sponsor and sponsor == partner:
            await ack(
                response_action="errors",
                errors={B.PARTNER: "Pick two different people: the sponsor owns the need, the partner owns the how."},
            )
            return
        if not await deps.leads.is_lead(user):
            await ack(response_action="errors", errors={B.SPONSOR: "Only triage leads can assign people."})
            return
        key = f"view:{text_at(view, 'id')}"
        write = deps.store.assign(
            idea_id=context.idea_id, actor_id=user, sponsor_id=sponsor, partner_id=partner, key=key
        )
        await _store_form(ack, deps, client, write, by=user, context=context, block=B.SPONSOR, what="people for")


async def handle_score_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Save a lead's scores."""
    async with deps.work(ack) as ack:
        context = TriageContext.decode(view.get("private_metadata"))
        user = text_at(body, "user", "id")
        scores = read_score_form(view)
        missing = {block_id: "Pick a score from 1 to 5." for block_id, value in scores.items() if value is None}
        if context is None or missing:
            await ack(response_action="errors", errors=missing or {B.CUSTOMER_VALUE: "This form is out of date."})
            return
        if not await deps.leads.is_lead(user):
            await ack(response_action="errors", errors={B.CUSTOMER_VALUE: "Only triage leads can score ideas."})
            return
        key = f"view:{text_at(view, 'id')}"
        write = deps.store.score(
            idea_id=context.idea_id,
            lead_id=user,
            customer_value=scores[B.CUSTOMER_VALUE] or 0,
            strategic_fit=scores[B.STRATEGIC_FIT] or 0,
            feasibility=scores[B.FEASIBILITY] or 0,
            key=key,
        )
        await _store_form(ack, deps, client, write, by=user, context=context, block=B.CUSTOMER_VALUE, what="scores for")


async def _merge_problem(deps: Deps, source_id: int, target_id: int | None) -> str:
    """Why these two ideas can't be merged ("" if they can); reads only."""
    if target_id is None:
        return "Give the reference of the idea to merge into, e.g. IDEA-3."
    if target_id == source_id:
        return "An idea can't be merged into itself."
    for idea_id in (source_id, target_id):
        idea = await deps.store.get_idea(idea_id=idea_id)
        if idea is None:
            return f"There is no {idea_ref(idea_id)}."
        if idea.status == Status.MERGED:
            return f"{idea_ref(idea_id)} was already merged into {idea_ref(idea.merged_into_id or 0)}."
    return ""


async def handle_merge_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Merge the card's idea into the one named."""
    async with deps.work(ack) as ack:
        context = TriageContext.decode(view.get("private_metadata"))
        user = text_at(body, "user", "id")
        if context is None:
            await ack(response_action="errors", errors={B.MERGE_TARGET: "This form is out of date."})
            return
        target_id = parse_ref(read_merge_form(view))
        problem = await _merge_problem(deps, context.idea_id, target_id)
        if not problem and not await deps.leads.is_lead(user):
            problem = "Only triage leads can merge ideas."
        if problem:
            await ack(response_action="errors", errors={B.MERGE_TARGET: problem})
            return
        assert target_id is not None
        key = f"view:{text_at(view, 'id')}"
        write = deps.store.merge(source_id=context.idea_id, target_id=target_id, actor_id=user, key=key)
        await _store_form(ack, deps, client, write, by=user, context=context, block=B.MERGE_TARGET, what="a merge of")


async def handle_restate_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """The restated problem goes through the same gate as at capture; the idea returns to New."""
    async with deps.work(ack) as ack:
        context = TriageContext.decode(view.get("private_metadata"))
        user = text_at(body, "user", "id")
        if context is None:
            await ack(response_action="errors", errors={B.PROBLEM: "This form is out of date."})
            return
        idea = await deps.store.get_idea(idea_id=context.idea_id)
        if idea is None:
            await ack(response_action="errors", errors={B.PROBLEM: f"There is no {idea_ref(context.idea_id)}."})
            return
        if idea.submitter_id != user and not await deps.leads.is_lead(user):
            await ack(
                response_action="errors", errors={B.PROBLEM: "Only the submitter or a triage lead can restate it."}
            )
            return
        form = read_restate_form(view)
        draft = IdeaDraft(title=idea.title, affected=form.affected, problem=form.problem, solution=idea.solution)
        gate = on_problem_field(check_problem(draft), view)
        view_id = text_at(view, "id")

        async def suggest() -> None:
            await offer_rewrite(deps, client, view=view, draft=draft, coaching=next(iter(gate.coaching.values())))

        if not await passes_gate(ack, deps, view_id=view_id, problem=draft.problem, gate=gate, after_coaching=suggest):
            return
        flags = GateFlags(
            problem_is_solution=gate.problem_is_solution, problem_is_vague=gate.problem_is_vague, quote=gate.quote
        )
        change = await ack_when_stored(
            ack,
            deps.store.restate_problem(
                idea_id=context.idea_id,
                actor_id=user,
                affected=draft.affected,
                problem=draft.problem,
                flags=flags,
                key=f"view:{view_id}",
            ),
            failure_errors={problem_block(view): SAVE_FAILED},
            what=f"a restated problem for {idea_ref(context.idea_id)}",
        )
        await after_change(deps, client, change, user=user, channel=context.channel, from_home=False)
        if change is not None and change.applied:
            thanks = f"Thanks — {idea_ref(context.idea_id)} is back in the triage queue with your restated problem."
            await best_effort(client.chat_postMessage(channel=user, text=thanks), what="a restate confirmation")


async def merge_by_command(request: SlashRequest, *, user_id: str, deps: Deps, respond: AsyncRespond) -> None:
    """`/idea merge IDEA-7 into IDEA-3` (after the ack): leads only; the answer goes only to them."""
    assert request.idea_id is not None
    if not await deps.leads.is_lead(user_id):
        answer = f"Only triage leads can merge ideas. Leads: {await deps.leads.describe()}."
    elif problem := await _merge_problem(deps, request.idea_id, request.target_id):
        answer = problem
    else:
        assert request.target_id is not None
        change = await deps.store.merge(source_id=request.idea_id, target_id=request.target_id, actor_id=user_id)
        if change.applied:
            deps.outbox.notify()
            answer = (
                f"Merged {idea_ref(request.idea_id)} into {idea_ref(request.target_id)}: supporters combined, "
                "both cards updated and both submitters told."
            )
        else:
            answer = change.message
    await best_effort(respond(text=answer), what="the answer to /idea merge")


def register(app: AsyncApp) -> None:
    """Register the leads' modal submissions, one per modal."""
    app.view(ViewId.DECISION)(handle_decision_submission)
    app.view(ViewId.ASSIGN)(handle_assign_submission)
    app.view(ViewId.SCORE)(handle_score_submission)
    app.view(ViewId.MERGE)(handle_merge_submission)
    app.view(ViewId.RESTATE)(handle_restate_submission)
