"""Triage on the idea card, its buttons: decisions with reasons, assign, score, support, restate.

The modals these buttons open are submitted to handlers/triage_forms.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.ideas import Status, idea_ref
from bot.ids import Action
from bot.ids import View as ViewId
from bot.views.triage import (
    ACTION_TO_STATUS,
    MERGE_OPTION,
    TriageContext,
    build_already_supported,
    build_assign_modal,
    build_decision_modal,
    build_loading_modal,
    build_merge_modal,
    build_restate_modal,
    build_score_modal,
)
from handlers._reply import best_effort, idea_id_of, open_modal, tell, text_at, where_clicked
from handlers.home import publish_home
from models.store import ALREADY_SUPPORTED, Change
from models.tables import Idea

log = logging.getLogger("ideabot.triage")


async def _refuse_non_lead(deps: Deps, client: AsyncWebClient, *, user: str, channel: str, what: str) -> bool:
    """True (and an explanation to that person only) if `user` is not a triage lead."""
    if await deps.leads.is_lead(user):
        return False
    leads = await deps.leads.describe()
    await tell(
        client,
        user=user,
        channel=channel,
        text=f"Only triage leads can {what}. Leads: {leads}. To help this idea along, press *Support* or "
        "reply in its thread.",
    )
    return True


async def after_change(
    deps: Deps, client: AsyncWebClient, change: Change | None, *, user: str, channel: str, from_home: bool
) -> None:
    """Wake the outbox for an applied change, explain one that wasn't, refresh the lead's Home."""
    if change is None:
        return
    if change.applied:
        deps.outbox.notify()
    elif not change.duplicate and change.message:
        await tell(client, user=user, channel=channel, text=change.message)
    if from_home:
        await publish_home(client, deps, user)


def _clicked(body: dict, action: dict) -> tuple[str, str, int | None]:
    """Who clicked a button, where ("" for the App Home or a modal), and the idea the button carries."""
    return text_at(body, "user", "id"), where_clicked(body), idea_id_of(text_at(action, "value"))


# --- buttons ---------------------------------------------------------------------------------


async def handle_decision_button(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Accept / Needs problem / Park / Decline: leads get a modal asking why."""
    async with deps.work(ack) as ack:
        await ack()
        user, channel, idea_id = _clicked(body, action)
        status = ACTION_TO_STATUS.get(text_at(action, "action_id"))
        if idea_id is None or status is None:
            return
        if await _refuse_non_lead(deps, client, user=user, channel=channel, what="accept, park or decline ideas"):
            return
        context = TriageContext(idea_id=idea_id, status=status, channel=channel, from_home=not channel)
        await open_modal(client, text_at(body, "trigger_id"), build_decision_modal(context))


async def _open_form(
    body: dict,
    action: dict,
    client: AsyncWebClient,
    deps: Deps,
    *,
    title: str,
    callback_id: str,
    what: str,
    build: Callable[[TriageContext, Idea, str], Awaitable[View]],
) -> None:
    """Open a lead's form at once (a trigger id lives 3 s), then fill it from the database."""
    user, channel, idea_id = _clicked(body, action)
    if idea_id is None or await _refuse_non_lead(deps, client, user=user, channel=channel, what=what):
        return
    context = TriageContext(idea_id=idea_id, channel=channel, from_home=not channel)
    loading = build_loading_modal(title=title, callback_id=callback_id, context=context)
    opened = await open_modal(client, text_at(body, "trigger_id"), loading)
    idea = await deps.store.get_idea(idea_id=idea_id)
    if opened and idea:
        view = await build(context, idea, user)
        await best_effort(
            client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=view), what="filling a form"
        )


async def handle_assign_button(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Assign…: leads pick a business sponsor and a tech partner."""
    async with deps.work(ack) as ack:
        await ack()

        async def build(context: TriageContext, idea: Idea, _user: str) -> View:
            return build_assign_modal(context, idea)

        await _open_form(
            body,
            action,
            client,
            deps,
            title="Assign people",
            callback_id=ViewId.ASSIGN,
            what="assign people",
            build=build,
        )


async def handle_score_button(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Score…: leads score customer value, strategic fit and feasibility."""
    async with deps.work(ack) as ack:
        await ack()

        async def build(context: TriageContext, idea: Idea, user: str) -> View:
            previous = await deps.store.score_of(idea_id=context.idea_id, lead_id=user)
            return build_score_modal(context, idea, previous)

        await _open_form(
            body, action, client, deps, title="Score idea", callback_id=ViewId.SCORE, what="score ideas", build=build
        )


async def handle_more(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """The overflow menu: move to Under review / In progress / Shipped at once, or merge."""
    async with deps.work(ack) as ack:
        await ack()
        user, channel = text_at(body, "user", "id"), where_clicked(body)
        value = text_at(action, "selected_option", "value")
        idea_id, _, choice = value.partition(":")
        if not idea_id.isdigit():
            return
        if await _refuse_non_lead(deps, client, user=user, channel=channel, what="move or merge ideas"):
            return
        context = TriageContext(idea_id=int(idea_id), channel=channel, from_home=not channel)
        if choice == MERGE_OPTION:
            await open_modal(client, text_at(body, "trigger_id"), build_merge_modal(context))
            return
        key = f"action:{user}:{text_at(action, 'action_ts')}"
        change = await deps.store.change_status(idea_id=int(idea_id), actor_id=user, to_status=choice, key=key)
        await after_change(deps, client, change, user=user, channel=channel, from_home=context.from_home)


async def handle_support(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Support: anyone, once per person; a second press says it is counted and offers to withdraw."""
    async with deps.work(ack) as ack:
        await ack()
        user, channel, idea_id = _clicked(body, action)
        if idea_id is None:
            return
        change = await deps.store.set_support(idea_id=idea_id, user_id=user, on=True, via="button")
        ref = idea_ref(idea_id)
        if change.applied:
            deps.outbox.notify()
            await tell(client, user=user, channel=channel, text=f":raised_hands: Your support for {ref} is counted.")
        elif change.message == ALREADY_SUPPORTED:
            message = build_already_supported(idea_id)
            await tell(client, user=user, channel=channel, **message.as_kwargs())
        elif not change.duplicate:
            await tell(client, user=user, channel=channel, text=change.message)


async def handle_withdraw_support(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Take one's support back (from the "already counted" message)."""
    async with deps.work(ack) as ack:
        await ack()
        user, channel, idea_id = _clicked(body, action)
        if idea_id is None:
            return
        change = await deps.store.set_support(idea_id=idea_id, user_id=user, on=False, via="button")
        if change.applied:
            deps.outbox.notify()
            await tell(client, user=user, channel=channel, text=f"Your support for {idea_ref(idea_id)} is withdrawn.")
        elif not change.duplicate:
            await tell(client, user=user, channel=channel, text=change.message)


async def handle_restate_button(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """The submitter's "Restate the problem" button (in the needs-problem DM)."""
    async with deps.work(ack) as ack:
        await ack()
        user, channel, idea_id = _clicked(body, action)
        if idea_id is None:
            return
        context = TriageContext(idea_id=idea_id, channel=channel)
        opened = await open_modal(
            client,
            text_at(body, "trigger_id"),
            build_loading_modal(title="Restate the problem", callback_id=ViewId.RESTATE, context=context),
        )
        idea = await deps.store.get_idea(idea_id=idea_id)
        if not opened or idea is None:
            return
        if idea.submitter_id != user and not await deps.leads.is_lead(user):
            refusal = build_loading_modal(
                title="Restate the problem",
                callback_id=ViewId.RESTATE,
                context=context,
                text=f"Only the person who submitted {idea_ref(idea_id)} (or a triage lead) can restate its problem.",
            )
            await best_effort(
                client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=refusal), what="a refusal"
            )
            return
        note = next(
            (
                a.reason
                for a in await deps.store.history(idea_id=idea_id, limit=10)
                if a.action == "status" and a.to_value == Status.NEEDS_PROBLEM
            ),
            "",
        )
        restate = build_restate_modal(context, idea, note)
        await best_effort(
            client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=restate), what="the restate form"
        )


def register(app: AsyncApp) -> None:
    """Register the card's buttons (the leads' modals: handlers/triage_forms.py)."""
    for action_id in ACTION_TO_STATUS:  # Accept, Needs problem, Park, Decline, … (one handler)
        app.action(action_id)(handle_decision_button)
    app.action(Action.ASSIGN)(handle_assign_button)
    app.action(Action.SCORE)(handle_score_button)
    app.action(Action.MORE)(handle_more)
    app.action(Action.SUPPORT)(handle_support)
    app.action(Action.WITHDRAW_SUPPORT)(handle_withdraw_support)
    app.action(Action.RESTATE)(handle_restate_button)
