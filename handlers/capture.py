"""Capture: `/idea`, the shortcuts, the "Submit an idea" button, and the modal's submission."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.ideas import IdeaDraft, SourceMessage
from bot.domain.problem import check_problem
from bot.domain.slash import Ask, parse_idea_command
from bot.ids import Action, Command, Shortcut, View
from bot.views import (
    ModalContext,
    build_help,
    build_idea_detail,
    build_idea_list,
    build_not_found,
    build_unknown_subcommand,
    build_usage,
    idea_modal,
    missing_choices,
    read_idea_form,
)
from bot.views.coach import on_problem_field, problem_block
from bot.views.triage import build_detail_extras
from handlers._ack import ack_when_stored
from handlers._gate import passes_gate
from handlers._reply import open_modal, text_at
from handlers.coaching import handle_use_wording, offer_rewrite
from handlers.triage_forms import merge_by_command
from models.store import GateFlags
from models.tables import Idea, utcnow

if TYPE_CHECKING:
    from bot.judgment.similar import Match

log = logging.getLogger("ideabot.capture")

SAVE_FAILED = "ideabot couldn't save this just now. Your text is still here: please submit again in a moment."


async def handle_idea_command(
    ack: AsyncAck, command: dict, client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    """`/idea [text]` opens the modal; `/idea help|list|mine|search|show` answers ephemerally."""
    async with deps.work(ack) as ack:
        request = parse_idea_command(text_at(command, "text"))
        user_id = text_at(command, "user_id")
        if request.ask is Ask.SUBMIT:
            await ack()
            draft = IdeaDraft(title=request.text[:150], affected="", problem="")
            await open_modal(client, text_at(command, "trigger_id"), idea_modal(draft))
            return
        store = deps.store
        if request.ask is Ask.HELP:
            answer = build_help()
        elif request.ask is Ask.LIST:
            answer = build_idea_list("Latest ideas", await store.recent_ideas(limit=10), empty="No ideas yet.")
        elif request.ask is Ask.MINE:
            ideas = await store.ideas_by_submitter(user_id=user_id, limit=20)
            answer = build_idea_list("Your ideas", ideas, empty="You haven't submitted any ideas yet. Try `/idea`.")
        elif request.ask is Ask.SEARCH:
            ideas = await store.search_ideas(words=request.words, limit=10)
            answer = build_idea_list(f"Ideas matching “{request.text}”", ideas, empty="No idea matches those words.")
        elif request.ask is Ask.SHOW:
            assert request.idea_id is not None
            data = await store.card_data(idea_id=request.idea_id)
            if data is None:
                answer = build_not_found(request.idea_id)
            else:
                history = await store.history(idea_id=request.idea_id, limit=6)
                replies = await store.comments(idea_id=request.idea_id, limit=5)
                answer = build_idea_detail(data, extras=build_detail_extras(history, replies, data.idea))
        elif request.ask is Ask.MERGE:
            await ack()
            await merge_by_command(request, user_id=user_id, deps=deps, respond=respond)
            return
        elif request.ask is Ask.USAGE:
            answer = build_usage(request.usage)
        else:
            answer = build_unknown_subcommand(request.text)
        await ack(**answer.as_kwargs())


async def handle_submit_shortcut(ack: AsyncAck, shortcut: dict, client: AsyncWebClient, deps: Deps) -> None:
    """The global shortcut "Submit an idea"."""
    async with deps.work(ack) as ack:
        await ack()
        await open_modal(client, text_at(shortcut, "trigger_id"), idea_modal())


async def handle_capture_message(ack: AsyncAck, shortcut: dict, client: AsyncWebClient, deps: Deps) -> None:
    """The message shortcut "Capture as idea": the message becomes the proposed solution."""
    async with deps.work(ack) as ack:
        await ack()
        text = text_at(shortcut, "message", "text")
        channel = text_at(shortcut, "channel", "id")
        ts = text_at(shortcut, "message", "ts") or text_at(shortcut, "message_ts")
        source = SourceMessage(channel=channel, ts=ts) if channel and ts else None
        draft = IdeaDraft(title="", affected="", problem="", solution=text)
        view = idea_modal(draft, ModalContext(source=source))
        await open_modal(client, text_at(shortcut, "trigger_id"), view)


async def handle_open_idea_modal(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """A "Submit an idea" button (App Home, help, an unknown subcommand's suggested title)."""
    async with deps.work(ack) as ack:
        await ack()
        value = text_at(action, "value")
        title = "" if value == "open" else value
        await open_modal(client, text_at(body, "trigger_id"), idea_modal(IdeaDraft(title, "", "")))


async def handle_idea_submission(ack: AsyncAck, body: dict, view: dict, client: AsyncWebClient, deps: Deps) -> None:
    """Validate the modal (problem gate), store the idea, ack; the outbox posts card and receipt."""
    async with deps.work(ack) as ack:
        draft = read_idea_form(view)
        gate = on_problem_field(check_problem(draft), view)
        view_id = text_at(view, "id")

        async def suggest() -> None:
            await offer_rewrite(deps, client, view=view, draft=draft, coaching=next(iter(gate.coaching.values())))

        extra = missing_choices(draft)
        if not await passes_gate(
            ack, deps, view_id=view_id, problem=draft.problem, gate=gate, extra_errors=extra, after_coaching=suggest
        ):
            return
        user_id = text_at(body, "user", "id")
        context = ModalContext.decode(view.get("private_metadata"))

        judge = deps.similar_judge
        matches: list[Match] = []

        async def store_idea():
            from bot.judgment.similar import named  # numpy's module: loaded by the index already

            matches[:] = await deps.store.similar_ideas(title=draft.title, problem=draft.problem, wide=bool(judge))
            # With the model's second look, card and receipt wait for it (see second_look).
            wait = timedelta(seconds=judge.budget + 2) if judge and matches else None
            return await deps.store.add_idea(
                draft=draft,
                submitter_id=user_id,
                view_id=view_id or None,
                flags=GateFlags(
                    problem_is_solution=gate.problem_is_solution,
                    problem_is_vague=gate.problem_is_vague,
                    quote=gate.quote,
                ),
                source=context.source,
                similar_ids=named(matches),
                deliver_at=utcnow() + wait if wait else None,
            )

        stored = await ack_when_stored(
            ack, store_idea(), failure_errors={problem_block(view): SAVE_FAILED}, what=f"an idea from {user_id}"
        )
        if stored is not None and stored[1]:
            idea = stored[0]
            log.info("stored IDEA-%s from %s%s", idea.id, user_id, " (flagged)" if gate.coaching else "")
            if judge and matches:
                await second_look(deps, idea, matches)
            deps.outbox.notify()


async def second_look(deps: Deps, idea: Idea, matches: list[Match]) -> None:
    """Ask the connected model which of the wide search's candidates state the same problem, name
    those (none when it says none), and make the card and receipt due now. When the model gives no
    answer the vectors' picks stay; when this fails the messages still go out at their due time."""
    from bot.judgment.similar import MAX_NAMED

    assert deps.similar_judge is not None and idea.id is not None
    try:
        texts = await deps.store.idea_texts(idea_ids=[m.idea_id for m in matches])
        earlier = [m.idea_id for m in matches if m.idea_id in texts]
        same = await deps.similar_judge.same_problem(
            new=(idea.title, idea.problem), earlier=[texts[i] for i in earlier]
        )
        similar_ids = None if same is None else [earlier[n] for n in same][:MAX_NAMED]
        await deps.store.settle_similar(idea_id=idea.id, similar_ids=similar_ids)
    except Exception:
        log.exception("the second look at IDEA-%s's similar ideas failed: its messages go out when due", idea.id)


def register(app: AsyncApp) -> None:
    """Register the capture listeners, one per id."""
    app.command(Command.IDEA)(handle_idea_command)
    app.shortcut(Shortcut.SUBMIT_IDEA)(handle_submit_shortcut)
    app.shortcut(Shortcut.CAPTURE_MESSAGE)(handle_capture_message)
    app.action(Action.OPEN_IDEA_MODAL)(handle_open_idea_modal)
    app.action(Action.USE_WORDING)(handle_use_wording)  # a suggested wording (LLM_*)
    app.view(View.IDEA)(handle_idea_submission)
