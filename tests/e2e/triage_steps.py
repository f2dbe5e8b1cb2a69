"""Steps the triage tests share: submit an idea, decide on it, read what Slack received."""

from __future__ import annotations

import json

from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack, idea_answers
from models.tables import Activity

OTHER = "U0000OTHER"
LEAD2 = "U0000LEAD2"


async def new_idea(local: LocalSlack, *, user: str = SUBMITTER, **answers: str) -> int:
    before = {i.id for i in await local.store.recent_ideas(limit=1000)}
    reply = await local.submit_idea(idea_answers(**answers), user=user)
    assert reply.status == 200 and reply.body == "", reply.body
    (new,) = [i for i in await local.store.recent_ideas(limit=1000) if i.id not in before]
    await local.card_ts(new.id)
    return new.id


def thread_replies(local: LocalSlack, idea_ts: str) -> list:
    return [m for m in local.standin.channel_messages(IDEAS_CHANNEL) if m.thread_ts == idea_ts]


def dms_to(local: LocalSlack, user: str) -> list[str]:
    return [
        c.args["text"] + json.dumps(c.args.get("blocks", []))
        for c in local.standin.calls_to("chat.postMessage")
        if c.args.get("channel") == user
    ]


def ephemerals_to(local: LocalSlack, user: str) -> list[str]:
    return [
        c.args["text"] + json.dumps(c.args.get("blocks") or [])
        for c in local.standin.calls_to("chat.postEphemeral")
        if c.args.get("user") == user
    ]


def card_json(local: LocalSlack, idea_id: int) -> str:
    return json.dumps(local.card_message(idea_id).blocks)


async def decide(local: LocalSlack, idea_id: int, action_id: str, reason: str | None, *, user: str = LEAD):
    opened = len(local.standin.calls_to("views.open"))
    reply = await local.click_card(idea_id, action_id, user=user)
    assert reply.status == 200
    view = await local.modal_after(opened)
    return view, await local.submit(view, {"reason": reason}, user=user)


async def activities(local: LocalSlack, idea_id: int) -> list[Activity]:
    return await local.store.history(idea_id=idea_id, limit=100)


async def supporters(local: LocalSlack, idea_id: int) -> list[str]:
    from sqlmodel import select

    from models.tables import Support

    async with local.store._read() as session:
        return sorted((await session.exec(select(Support.user_id).where(Support.idea_id == idea_id))).all())
