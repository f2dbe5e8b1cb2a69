"""Triage in threads, end to end over signed HTTP: every button, as a lead and as anyone else."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack, idea_answers
from models.tables import Activity
from tests.databases import database_url

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


@pytest.mark.parametrize(
    ("action_id", "status", "label"),
    [
        ("triage_accept", "accepted", "Accepted"),
        ("triage_park", "parked", "Parked"),
        ("triage_decline", "declined", "Declined"),
        ("triage_needs_problem", "needs_problem", "Needs problem"),
    ],
)
async def test_a_lead_decides_with_a_reason_and_everyone_hears(local: LocalSlack, action_id, status, label) -> None:
    idea_id = await new_idea(local)
    card_ts = await local.card_ts(idea_id)
    updates_before = len(local.standin.calls_to("chat.update"))
    view, reply = await decide(local, idea_id, action_id, "Because the numbers <b> & the pilot say so")
    assert view["callback_id"] == "triage_decision"
    assert reply.body == ""
    await local.settle()

    idea = await local.store.get_idea(idea_id=idea_id)
    assert idea.status == status
    (activity,) = [a for a in await activities(local, idea_id) if a.action == "status"]
    assert (activity.actor_id, activity.from_value, activity.to_value) == (LEAD, "new", status)
    assert activity.reason == "Because the numbers <b> & the pilot say so"

    assert len(local.standin.calls_to("chat.update")) > updates_before
    assert label in card_json(local, idea_id)
    (reply_msg,) = thread_replies(local, card_ts)
    text = json.dumps(reply_msg.blocks)
    assert f"<@{LEAD}> moved" in text and f"*{label}*" in text and "&lt;b&gt; &amp; the pilot" in text
    assert any(label in dm and "the pilot" in dm for dm in dms_to(local, SUBMITTER))


@pytest.mark.parametrize("action_id", ["triage_park", "triage_decline", "triage_needs_problem"])
async def test_reasons_are_required_for_park_decline_and_needs_problem(local: LocalSlack, action_id) -> None:
    idea_id = await new_idea(local)
    view, reply = await decide(local, idea_id, action_id, "   ")
    assert reply.json()["response_action"] == "errors" and "reason" in reply.json()["errors"]
    assert (await local.store.get_idea(idea_id=idea_id)).status == "new"
    again = await local.submit(view, {"reason": "Not this quarter: budget is committed"}, user=LEAD)
    assert again.body == ""


async def test_accept_needs_no_note(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    _, reply = await decide(local, idea_id, "triage_accept", None)
    assert reply.body == ""
    assert (await local.store.get_idea(idea_id=idea_id)).status == "accepted"


LEAD_ONLY = [
    ("triage_accept", None),
    ("triage_needs_problem", None),
    ("triage_park", None),
    ("triage_decline", None),
    ("triage_assign", None),
    ("triage_score", None),
    ("triage_more", "under_review"),
    ("triage_more", "merge"),
]


@pytest.mark.parametrize(("action_id", "option"), LEAD_ONLY)
async def test_non_leads_get_one_ephemeral_and_nothing_changes(local: LocalSlack, action_id, option) -> None:
    idea_id = await new_idea(local)
    await local.settle()
    before = {m: len(local.standin.calls_to(m)) for m in ("chat.postMessage", "chat.update", "views.open")}
    history_before = len(await activities(local, idea_id))
    reply = await local.click_card(idea_id, action_id, user=OTHER, option=option)
    assert reply.status == 200
    await local.wait_for(lambda: len(ephemerals_to(local, OTHER)) == 1, what="the explanation")
    await asyncio.sleep(0.2)
    await local.settle()
    (explanation,) = ephemerals_to(local, OTHER)
    assert "Only triage leads" in explanation and f"<@{LEAD}>" in explanation
    assert {m: len(local.standin.calls_to(m)) for m in before} == before  # no public post, no modal
    assert len(await activities(local, idea_id)) == history_before
    assert (await local.store.get_idea(idea_id=idea_id)).status == "new"


async def test_non_lead_submitting_a_forged_decision_modal_is_refused(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    view, _ = await decide(local, idea_id, "triage_decline", None)  # a lead opened it
    reply = await local.submit(view, {"reason": "I just don't like it"}, user=OTHER)
    assert "Only triage leads" in reply.json()["errors"]["reason"]
    assert (await local.store.get_idea(idea_id=idea_id)).status == "new"


async def test_assign_sponsor_and_partner(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    card_ts = await local.card_ts(idea_id)
    opened = len(local.standin.calls_to("views.open"))
    await local.click_card(idea_id, "triage_assign", user=LEAD)
    view = await local.modal_after(opened, updated=True)
    assert {b.get("block_id") for b in view["blocks"]} >= {"sponsor", "partner"}
    same = await local.submit(view, {"sponsor": "U0000SPON1", "partner": "U0000SPON1"}, user=LEAD)
    assert "partner" in same.json()["errors"]
    reply = await local.submit(view, {"sponsor": "U0000SPON1", "partner": "U0000PART1"}, user=LEAD)
    assert reply.body == ""
    await local.settle()
    idea = await local.store.get_idea(idea_id=idea_id)
    assert (idea.sponsor_id, idea.partner_id) == ("U0000SPON1", "U0000PART1")
    assert "sponsor <@U0000SPON1>" in card_json(local, idea_id) and "tech partner <@U0000PART1>" in card_json(
        local, idea_id
    )
    assert "business sponsor <@U0000SPON1>" in json.dumps(thread_replies(local, card_ts)[0].blocks)
    assert any("business sponsor" in dm for dm in dms_to(local, "U0000SPON1"))
    assert any("tech partner" in dm for dm in dms_to(local, "U0000PART1"))
    assert dms_to(local, SUBMITTER)  # and the submitter is told


async def test_score_average_and_count_with_two_leads(tmp_path) -> None:
    from tests.conftest import FAST

    async with LocalSlack(
        database_url(tmp_path / "t.db"), options=FAST, triage_users=frozenset({LEAD, LEAD2})
    ) as local:
        idea_id = await new_idea(local)
        for lead, scores in ((LEAD, ("5", "4", "3")), (LEAD2, ("3", "2", "1")), (LEAD2, ("3", "3", "3"))):
            opened = len(local.standin.calls_to("views.open"))
            await local.click_card(idea_id, "triage_score", user=lead)
            view = await local.modal_after(opened, updated=True)
            answers = dict(zip(("customer_value", "strategic_fit", "feasibility"), scores, strict=True))
            assert (await local.submit(view, answers, user=lead)).body == ""
        await local.settle()
        # LEAD: 4.0, LEAD2's latest: 3.0 → 3.5 from 2 leads (a lead's new scores replace their old ones)
        assert ":bar_chart: 3.5/5 from 2 leads" in card_json(local, idea_id)
        opened = len(local.standin.calls_to("views.open"))
        await local.click_card(idea_id, "triage_score", user=LEAD2)
        view = await local.modal_after(opened, updated=True)
        initial = [b["element"].get("initial_option", {}).get("value") for b in view["blocks"] if b["type"] == "input"]
        assert initial == ["3", "3", "3"]  # the form remembers this lead's scores


async def test_support_by_button_and_reaction_counts_each_person_once(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    card_ts = await local.card_ts(idea_id)
    await local.click_card(idea_id, "support", user=OTHER)
    await local.click_card(idea_id, "support", user=OTHER)  # a second press
    await local.wait_for(lambda: len(ephemerals_to(local, OTHER)) == 2, what="two answers")
    first, second = ephemerals_to(local, OTHER)
    assert "is counted" in first and "already counted" in second and "withdraw_support" in second

    item = {"type": "message", "channel": IDEAS_CHANNEL, "ts": card_ts}
    await local.slack.event({"type": "reaction_added", "user": OTHER, "reaction": "+1", "item": item})
    await local.slack.event({"type": "reaction_added", "user": LEAD, "reaction": "thumbsup::skin-tone-3", "item": item})
    await local.slack.event({"type": "reaction_added", "user": "U0000THIRD", "reaction": "tada", "item": item})
    await local.settle()
    assert len(await supporters(local, idea_id)) == 2
    assert "2 supporters" in card_json(local, idea_id)

    await local.slack.event(
        {"type": "reaction_removed", "user": LEAD, "reaction": "thumbsup::skin-tone-3", "item": item}
    )
    await local.settle()
    assert await supporters(local, idea_id) == [OTHER]
    assert "1 supporter" in card_json(local, idea_id)

    await local.click(
        "withdraw_support",
        user=OTHER,
        value=str(idea_id),
        container={"type": "message", "channel_id": IDEAS_CHANNEL, "is_ephemeral": True},
        channel=IDEAS_CHANNEL,
    )
    await local.wait_for(lambda: len(ephemerals_to(local, OTHER)) == 3, what="withdrawn")
    await local.settle()
    assert await supporters(local, idea_id) == []
    assert "0 supporters" in card_json(local, idea_id)


async def supporters(local: LocalSlack, idea_id: int) -> list[str]:
    from sqlmodel import select

    from models.tables import Support

    async with local.store._read() as session:
        return sorted((await session.exec(select(Support.user_id).where(Support.idea_id == idea_id))).all())


async def test_double_clicks_and_redeliveries_make_one_change(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    card_ts = await local.card_ts(idea_id)
    view, first = await decide(local, idea_id, "triage_decline", "Out of scope for this year")
    second = await local.submit(view, {"reason": "Out of scope for this year"}, user=LEAD)  # redelivered
    assert first.body == "" and second.status == 200
    await asyncio.gather(*(local.click_card(idea_id, "support", user="U0000FAST1") for _ in range(5)))
    await local.settle()
    assert len([a for a in await activities(local, idea_id) if a.action == "status"]) == 1
    assert len(thread_replies(local, card_ts)) == 1
    assert await supporters(local, idea_id) == ["U0000FAST1"]


async def test_overflow_moves_at_once_and_illegal_moves_are_explained(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    await local.click_card(idea_id, "triage_more", user=LEAD, option="under_review")
    await local.settle()
    assert (await local.store.get_idea(idea_id=idea_id)).status == "under_review"
    # "Mark as Shipped" is not offered from Under review; a stale card could still send it:
    from bot.standin.driver import block_actions

    stale = block_actions(
        "triage_more",
        user=LEAD,
        selected_option={"value": f"{idea_id}:shipped", "text": {"type": "plain_text", "text": "x"}},
        container={"type": "message", "channel_id": IDEAS_CHANNEL, "message_ts": await local.card_ts(idea_id)},
        channel=IDEAS_CHANNEL,
    )
    await local.slack.interactive(stale)
    await local.wait_for(lambda: bool(ephemerals_to(local, LEAD)), what="the explanation")
    assert "can't go from Under review to Shipped" in ephemerals_to(local, LEAD)[0]
    assert (await local.store.get_idea(idea_id=idea_id)).status == "under_review"
    options = next(
        e
        for b in local.card_message(idea_id).blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "triage_more"
    )["options"]
    assert [o["value"].split(":")[1] for o in options] == ["merge"]  # no move from Under review in the menu


async def test_thread_replies_are_the_discussion(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    card_ts = await local.card_ts(idea_id)

    def reply(user: str, text: str, ts: str, **extra) -> dict:
        return {
            "type": "message",
            "channel": IDEAS_CHANNEL,
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": card_ts,
            "channel_type": "channel",
            **extra,
        }

    await local.slack.event(reply(OTHER, "We saw this at the Leeds store too", "1700000001.000100"), event_id="EvA")
    await local.slack.event(reply(OTHER, "We saw this at the Leeds store too", "1700000001.000100"), event_id="EvA")
    await local.slack.event(reply(LEAD, "<!channel> let's discuss", "1700000002.000100"), event_id="EvB")
    await local.slack.event(reply("UBOT000001", "bot reply", "1700000003.000100", bot_id="BBOT000001"))
    await local.slack.event({**reply(OTHER, "edited", "1700000004.000100"), "subtype": "message_changed"})
    await local.slack.event(
        {"type": "message", "channel": IDEAS_CHANNEL, "user": OTHER, "text": "top level", "ts": "1700000005.000100"}
    )
    await local.slack.event({**reply(OTHER, "elsewhere", "1700000006.000100"), "channel": "C0000ELSE1"})
    await asyncio.sleep(0.3)
    comments = await local.store.comments(idea_id=idea_id, limit=10)
    assert [(c.user_id, c.text) for c in reversed(comments)] == [
        (OTHER, "We saw this at the Leeds store too"),
        (LEAD, "<!channel> let's discuss"),
    ]
    shown = (await local.slack.command(f"show IDEA-{idea_id}")).json()
    text = json.dumps(shown["blocks"])
    assert (
        "Latest replies" in text and "Leeds store" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text
    )

    # Edited, then deleted, as Slack sends them (message.channels, hidden subtypes).
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": IDEAS_CHANNEL,
        "ts": "1700000010.000100",
        "event_ts": "1700000010.000100",
        "message": {
            **reply(OTHER, "We saw this at the Leeds and York stores", "1700000001.000100"),
            "edited": {"user": OTHER, "ts": "1700000010.000000"},
        },
        "previous_message": reply(OTHER, "We saw this at the Leeds store too", "1700000001.000100"),
    }
    await local.slack.event(edited, event_id="EvEdit")
    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": IDEAS_CHANNEL,
        "ts": "1700000011.000100",
        "deleted_ts": "1700000002.000100",
        "event_ts": "1700000011.000100",
        "previous_message": reply(LEAD, "<!channel> let's discuss", "1700000002.000100"),
    }
    await local.slack.event(deleted, event_id="EvDel")
    await asyncio.sleep(0.3)
    comments = await local.store.comments(idea_id=idea_id, limit=10)
    assert [(c.user_id, c.text, c.deleted) for c in reversed(comments)] == [
        (OTHER, "We saw this at the Leeds and York stores", False),
        (LEAD, "", True),  # only that a reply was deleted: not its text
    ]
    text = json.dumps((await local.slack.command(f"show IDEA-{idea_id}")).json()["blocks"])
    assert "Leeds and York stores" in text and "deleted a reply" in text and "discuss" not in text


async def test_the_needs_problem_loop(local: LocalSlack) -> None:
    idea_id = await new_idea(local, problem="Returns at the Leeds store are slow and customers complain every week")
    card_ts = await local.card_ts(idea_id)
    await decide(local, idea_id, "triage_needs_problem", "Who exactly waits, and how long? Any numbers?")
    await local.settle()
    (dm,) = [
        c
        for c in local.standin.calls_to("chat.postMessage")
        if c.args.get("channel") == SUBMITTER and "restate_problem" in json.dumps(c.args.get("blocks"))
    ]
    button = next(
        b["accessory"] for b in dm.args["blocks"] if b.get("accessory", {}).get("action_id") == "restate_problem"
    )

    opened = len(local.standin.calls_to("views.open"))
    await local.click(
        "restate_problem",
        user=SUBMITTER,
        value=button["value"],
        container={"type": "message", "channel_id": "D0000USER1"},
        channel="D0000USER1",
    )
    view = await local.modal_after(opened, updated=True)
    text = json.dumps(view)
    assert "Who exactly waits" in text and "Returns at the Leeds store are slow" in text  # the note and the old wording
    coached = await local.submit(
        view, {"affected": "Leeds store team", "problem": "We need a new returns portal now"}, user=SUBMITTER
    )
    assert coached.json()["response_action"] == "errors"
    restated = "Customers returning online orders in Leeds queue 25 minutes because staff re-key every return by hand"
    ok = await local.submit(view, {"affected": "Leeds store customers", "problem": restated}, user=SUBMITTER)
    assert ok.body == ""
    await local.settle()

    idea = await local.store.get_idea(idea_id=idea_id)
    assert (idea.status, idea.problem, idea.affected) == ("new", restated, "Leeds store customers")
    restate = next(a for a in await activities(local, idea_id) if a.action == "restate")
    assert "Returns at the Leeds store are slow" in restate.from_value  # the history keeps the old wording
    assert "New" in card_json(local, idea_id) and "queue 25 minutes" in card_json(local, idea_id)
    assert any("restated the problem" in json.dumps(m.blocks) for m in thread_replies(local, card_ts))


async def test_only_the_submitter_or_a_lead_can_restate(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    await decide(local, idea_id, "triage_needs_problem", "Numbers please")
    opened = len(local.standin.calls_to("views.open"))
    await local.click("restate_problem", user=OTHER, value=str(idea_id), container={"type": "message"})
    view = await local.modal_after(opened, updated=True)
    assert "Only the person who submitted" in json.dumps(view)


async def test_merge_from_the_card_combines_supporters_once(local: LocalSlack) -> None:
    target = await new_idea(local)
    source = await new_idea(
        local,
        user=OTHER,
        title="Order status calls",
        problem="Customers ring us all day asking where their parcels are and agents look them up in two systems",
    )
    for user, idea_id in (("U0000FAN01", target), ("U0000FAN01", source), ("U0000FAN02", source)):
        await local.click_card(idea_id, "support", user=user)
    opened = len(local.standin.calls_to("views.open"))
    await local.click_card(source, "triage_more", user=LEAD, option="merge")
    view = await local.modal_after(opened)
    bad = await local.submit(view, {"merge_target": f"IDEA-{source}"}, user=LEAD)
    assert "itself" in bad.json()["errors"]["merge_target"]
    assert (await local.submit(view, {"merge_target": f"idea {target}"}, user=LEAD)).body == ""
    await local.settle()

    merged = await local.store.get_idea(idea_id=source)
    assert (merged.status, merged.merged_into_id) == ("merged", target)
    assert await supporters(local, target) == ["U0000FAN01", "U0000FAN02"]
    assert "Merged into" in card_json(local, source) and "triage_accept" not in card_json(local, source)
    assert "2 supporters" in card_json(local, target)
    assert any(f"IDEA-{target}" in dm and "merged" in dm for dm in dms_to(local, OTHER))
    assert any(f"IDEA-{source}" in dm and "merged into your idea" in dm for dm in dms_to(local, SUBMITTER))


async def test_merge_by_slash_command(local: LocalSlack) -> None:
    target = await new_idea(local)
    source = await new_idea(
        local,
        user=OTHER,
        title="Dup",
        problem="Customers call us to ask where orders are, dozens of calls a day, each a few minutes",
    )
    refused = await local.slack.command(f"merge IDEA-{source} into IDEA-{target}", user=OTHER)
    assert refused.status == 200
    await local.wait_for(lambda: len(local.standin.responses) == 1, what="the refusal")
    assert "Only triage leads" in local.standin.responses[0]["text"]
    await local.slack.command(f"merge IDEA-{source} into IDEA-{target}", user=LEAD)
    await local.wait_for(lambda: len(local.standin.responses) == 2, what="the answer")
    assert "Merged" in local.standin.responses[1]["text"]
    assert (await local.store.get_idea(idea_id=source)).status == "merged"
    await local.slack.command(f"merge IDEA-{source} into IDEA-{target}", user=LEAD)
    await local.wait_for(lambda: len(local.standin.responses) == 3, what="the second answer")
    assert "already merged" in local.standin.responses[2]["text"]


async def test_show_tells_the_whole_story(local: LocalSlack) -> None:
    idea_id = await new_idea(local)
    await decide(local, idea_id, "triage_accept", "Strong evidence from the call log")
    opened = len(local.standin.calls_to("views.open"))
    await local.click_card(idea_id, "triage_assign", user=LEAD)
    view = await local.modal_after(opened, updated=True)
    await local.submit(view, {"sponsor": "U0000SPON1", "partner": "U0000PART1"}, user=LEAD)
    await local.click_card(idea_id, "support", user=OTHER)
    await local.settle()
    body = (await local.slack.command(f"show IDEA-{idea_id}")).json()
    text = json.dumps(body["blocks"])
    for needle in (
        "Accepted",
        "Strong evidence from the call log",
        "<@U0000SPON1>",
        "<@U0000PART1>",
        "1 supporter",
        "Recent decisions",
    ):
        assert needle in text, needle


async def test_leads_see_the_triage_queue_on_home_and_can_act_there(local: LocalSlack) -> None:
    first = await new_idea(local)
    second = await new_idea(
        local,
        user=OTHER,
        title="Second",
        problem="Drivers wait 30 minutes at the depot every morning because the paperwork is printed one by one",
    )
    await local.slack.event({"type": "app_home_opened", "user": LEAD, "tab": "home"})
    (lead_home,) = await local.wait_for_calls("views.publish", 1)
    text = json.dumps(lead_home.args["view"])
    assert "Triage queue" in text and text.index(f"IDEA-{first}") < text.index(f"IDEA-{second}")
    assert f"triage-{first}" in text and "triage_decline" in text

    await local.slack.event({"type": "app_home_opened", "user": OTHER, "tab": "home"})
    calls = await local.wait_for_calls("views.publish", 2)
    assert "Triage queue" not in json.dumps(calls[1].args["view"])

    opened = len(local.standin.calls_to("views.open"))
    await local.click_card(first, "triage_park", user=LEAD, home=True)
    view = await local.modal_after(opened)
    assert (await local.submit(view, {"reason": "After the busy season"}, user=LEAD)).body == ""
    calls = await local.wait_for_calls("views.publish", 3)
    refreshed = json.dumps(calls[2].args["view"])
    assert f"triage-{first}" not in refreshed and f"triage-{second}" in refreshed


async def test_members_of_the_triage_user_group_are_leads(tmp_path) -> None:
    from tests.conftest import FAST

    async with LocalSlack(
        database_url(tmp_path / "g.db"), options=FAST, triage_users=frozenset(), triage_usergroup="S0000LEADS"
    ) as local:
        local.standin.usergroups["S0000LEADS"] = ["U0000GRP01"]
        idea_id = await new_idea(local)
        await local.click_card(idea_id, "triage_more", user="U0000GRP01", option="under_review")
        for _ in range(2):
            await local.click_card(idea_id, "triage_score", user="U0000GRP01")
        await local.click_card(idea_id, "triage_score", user=OTHER)
        await local.settle()
        await local.wait_for(lambda: bool(ephemerals_to(local, OTHER)), what="refusal")
        assert (await local.store.get_idea(idea_id=idea_id)).status == "under_review"
        assert len(local.standin.calls_to("usergroups.users.list")) == 1  # cached
