"""Tailored coaching end to end: through the /idea modal and the "Needs problem" loop, offline."""

from __future__ import annotations

import json

import pytest

from bot.domain.coach import bank
from bot.standin.local import SUBMITTER, LocalSlack, idea_answers
from tests.e2e.triage_steps import decide, new_idea

BY_ID = {e.id: e for e in bank()}


def example_in(message: str):
    """The bank example a coaching message shows (exactly one)."""
    (shown,) = [e for e in bank() if e.problem[:80] in message]
    return shown


@pytest.mark.parametrize(
    ("title", "affected", "problem", "function", "about"),
    [
        ("A CRM", "The sales team", "We need a CRM for the sales team this year", "sales", "follow-ups"),
        ("Kubernetes", "Engineering", "We need Kubernetes for all our services this year", "engineering", "Deploying"),
        ("Better onboarding", "New hires", "Improve the onboarding experience for everyone", "hr", "first week"),
    ],
)
async def test_the_modal_coaches_with_the_closest_example(
    local: LocalSlack, title: str, affected: str, problem: str, function: str, about: str
) -> None:
    view = await local.open_modal()
    reply = await local.submit(view, idea_answers(title=title, affected=affected, problem=problem))
    body = reply.json()
    assert body["response_action"] == "errors" and set(body["errors"]) == {"problem"}
    message = body["errors"]["problem"]
    shown = example_in(message)
    assert shown.function == function and about in shown.problem
    assert f"“{problem}”" in message  # their words, quoted
    assert f"What goes wrong for “{affected}” today" in message  # what is missing, in their terms
    assert "Sales reps lose track of follow-ups" not in message or function == "sales"  # not one fixed example
    assert await local.store.recent_ideas(limit=5) == []


async def test_the_needs_problem_dm_and_the_restate_modal_carry_the_tailored_advice(local: LocalSlack) -> None:
    idea_id = await new_idea(
        local,
        title="Returns desk",
        affected="Store customers returning items",
        problem="Returns at the Leeds store are slow and customers complain every week",
    )
    await decide(local, idea_id, "triage_needs_problem", "How long do they wait, and how many?")
    await local.settle()
    (dm,) = [
        c
        for c in local.standin.calls_to("chat.postMessage")
        if c.args.get("channel") == SUBMITTER and "restate_problem" in json.dumps(c.args.get("blocks"))
    ]
    dm_text = json.dumps(dm.args["blocks"], ensure_ascii=False)
    assert "How to restate it" in dm_text and "Returns at the Leeds store are slow" in dm_text
    assert "What goes wrong for “Store customers returning items” today" in dm_text
    shown = example_in(dm_text)
    assert shown.function in ("retail", "support")

    opened = len(local.standin.calls_to("views.open"))
    await local.click(
        "restate_problem",
        user=SUBMITTER,
        value=str(idea_id),
        container={"type": "message", "channel_id": "D0000USER1"},
        channel="D0000USER1",
    )
    view = await local.modal_after(opened, updated=True)
    modal_text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "How to restate it" in modal_text and example_in(modal_text) == shown
    coached = await local.submit(
        view, {"affected": "Store customers", "problem": "We need a new returns portal for the store"}, user=SUBMITTER
    )
    assert example_in(coached.json()["errors"]["problem"]).function in ("retail", "support")
