"""A language model's suggested wording in a coached modal, and its "Use this wording" button."""

from __future__ import annotations

import logging

import aiohttp
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.coach import closest_example, person_text
from bot.domain.ideas import IdeaDraft
from bot.runtime.rewrite import clean_suggestion
from bot.views.coach import with_suggestion, with_wording
from handlers._reply import text_at

log = logging.getLogger("ideabot.coaching")

LEFT_ALONE = ("hash_conflict", "not_found")  # the person changed or closed the modal meanwhile


async def update_modal(client: AsyncWebClient, view: dict, new_view: dict, *, what: str) -> bool:
    """views.update against the view's hash; False (and nothing changed) when the modal moved on."""
    try:
        await client.views_update(view_id=text_at(view, "id"), hash=text_at(view, "hash") or None, view=new_view)
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else error.response.status_code
        level = logging.INFO if code in LEFT_ALONE else logging.WARNING
        log.log(level, "%s not shown: Slack answered %s (the modal was changed or closed meanwhile)", what, code)
        return False
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not reach Slack for %s: %s", what, type(error).__name__)
        return False
    return True


async def offer_rewrite(deps: Deps, client: AsyncWebClient, *, view: dict, draft: IdeaDraft, coaching: str) -> None:
    """After the coaching ack: ask the language model (if the team connected one) for a problem
    statement and show it under the still-open modal's problem field. Runs after Slack has its answer."""
    rewriter, view_id = deps.rewriter, text_at(view, "id")
    if rewriter is None or not view_id:
        return
    ticket = rewriter.ticket(view_id)
    example = closest_example(person_text(title=draft.title, affected=draft.affected, problem=draft.problem))
    suggestion = await rewriter.suggest(
        title=draft.title, affected=draft.affected, problem=draft.problem, example=example
    )
    if suggestion is None or not rewriter.is_latest(view_id, ticket):
        return  # no suggestion, or the person has submitted something newer since
    shown = with_suggestion(view, suggestion=suggestion, coaching=coaching, source=rewriter.source)
    await update_modal(client, view, shown, what="a suggested wording")


async def handle_use_wording(ack: AsyncAck, body: dict, action: dict, client: AsyncWebClient, deps: Deps) -> None:
    """ "Use this wording": the problem field takes the suggestion; everything else typed stays."""
    async with deps.work(ack) as ack:
        await ack()
        view = body.get("view")
        # The button's value is the cleaned suggestion; a forged click is cleaned the same way again.
        text = clean_suggestion(text_at(action, "value"), problem="")
        if not isinstance(view, dict) or not text_at(view, "id") or text is None:
            return
        await update_modal(client, view, with_wording(view, text), what="the suggested wording")
