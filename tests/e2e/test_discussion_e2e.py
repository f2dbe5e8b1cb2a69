"""Triage after the decision, end to end over signed HTTP: the thread as the discussion, the
needs-problem loop and restating, merging, `/idea show`, the leads' queue on App Home."""

from __future__ import annotations

import asyncio
import json

from bot.standin.local import IDEAS_CHANNEL, LEAD, SUBMITTER, LocalSlack
from tests.databases import database_url
from tests.e2e.triage_steps import (
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
