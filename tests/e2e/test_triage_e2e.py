"""Triage in threads, end to end over signed HTTP: every button, as a lead and as anyone else."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack
from tests.databases import database_url
from tests.e2e.triage_steps import (
    LEAD2,
    OTHER,
    activities,
    card_json,
    decide,
    dms_to,
    ephemerals_to,
    new_idea,
    supporters,
    thread_replies,
)


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
