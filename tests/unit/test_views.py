"""Block Kit builders: structure, escaping, and Slack's limits with the largest possible input."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import Block

from bot.domain.ideas import IdeaDraft, Kind, Origin, SourceMessage, Status
from bot.ids import Block as B
from bot.standin.driver import form_values
from bot.standin.limits import check_message, check_view
from bot.views import (
    ModalContext,
    build_help,
    build_home,
    build_idea_card,
    build_idea_list,
    build_idea_modal,
    build_receipt,
    build_unknown_subcommand,
    read_idea_form,
)
from bot.views.triage import build_triage_actions
from bot.views.triage.assign import build_assign_modal, read_assign_form
from bot.views.triage.context import TriageContext
from bot.views.triage.decision import build_decision_modal, read_decision_form
from bot.views.triage.merge import build_merge_modal, read_merge_form
from bot.views.triage.restate import RestatedProblem, build_restate_modal, read_restate_form
from bot.views.triage.score import SCORE_QUESTIONS, build_score_modal, read_score_form
from models.store import CardData
from models.tables import Idea

HUGE = "<!channel> " + "<" * 3000 + " 🙂\u200b" * 200


def idea(**kw) -> Idea:
    fields = dict(
        id=42,
        title="Title",
        affected="Agents",
        problem="Agents re-enter orders twice a day",
        evidence="",
        business_value="",
        solution="",
        origin="technology",
        kind="adopt",
        submitter_id="U0000USER1",
        status="new",
        card_permalink="https://standin.slack.com/archives/C1/p1",
    )
    fields.update(kw)
    return Idea(**fields)


def card_data(i: Idea, **kw) -> CardData:
    return CardData(
        idea=i,
        supporters=kw.get("supporters", 0),
        score_average=kw.get("avg"),
        score_count=kw.get("count", 0),
        similar=(kw["similar"],) if kw.get("similar") else (),
        merged_into=None,
    )


def test_modal_orders_the_problem_before_the_solution_and_fits_slack() -> None:
    view = build_idea_modal().to_dict()
    ids = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert ids == ["title", "affected", "problem", "evidence", "business_value", "solution", "origin", "kind"]
    assert len(view["title"]["text"]) <= 24 and check_view(view) == ""
    optional = {b["block_id"] for b in view["blocks"] if b.get("optional")}
    assert optional == {"evidence", "business_value", "solution"}


def test_modal_prefill_of_any_size_is_cut_to_the_input_limits() -> None:
    draft = IdeaDraft(title=HUGE, affected=HUGE, problem=HUGE, evidence=HUGE, business_value=HUGE, solution=HUGE)
    context = ModalContext(source=SourceMessage(channel="C1", ts="1.2"))
    view = build_idea_modal(draft=draft, context=context).to_dict()
    assert check_view(view) == ""
    for block in view["blocks"]:
        element = block.get("element", {})
        if element.get("initial_value"):
            assert len(element["initial_value"]) <= element["max_length"]
    assert ModalContext.decode(view["private_metadata"]).source == SourceMessage("C1", "1.2")


def test_read_idea_form_survives_missing_and_malformed_state() -> None:
    assert read_idea_form({}) == IdeaDraft(title="", affected="", problem="")
    assert (
        read_idea_form({"state": {"values": {"title": "x", "origin": {"origin": {"selected_option": 5}}}}}).title == ""
    )
    values = {
        "title": {"title": {"type": "plain_text_input", "value": "  T  "}},
        "origin": {"origin": {"type": "radio_buttons", "selected_option": {"value": "technology"}}},
        "kind": {"kind": {"type": "radio_buttons", "selected_option": {"value": "nonsense"}}},
    }
    draft = read_idea_form({"state": {"values": values}})
    assert (draft.title, draft.origin, draft.kind) == ("T", Origin.TECHNOLOGY, None)


def test_the_restate_modal_reads_back_what_it_asks() -> None:
    view = build_restate_modal(TriageContext(idea_id=42), idea(), "Who exactly?").to_dict()
    assert check_view(view) == ""
    inputs = {b["block_id"]: b["element"]["action_id"] for b in view["blocks"] if b["type"] == "input"}
    typed = {"affected": "  Warehouse agents ", "problem": "They re-enter every order by hand, twice a day"}
    values = {
        block_id: {inputs[block_id]: {"type": "plain_text_input", "value": text}} for block_id, text in typed.items()
    }
    assert read_restate_form({"state": {"values": values}}) == RestatedProblem(
        affected="Warehouse agents", problem="They re-enter every order by hand, twice a day"
    )
    reworded = {"problem_reworded": {"problem_reworded": {"type": "plain_text_input", "value": "Reworded"}}}
    assert read_restate_form({"state": {"values": reworded}}).problem == "Reworded"
    assert read_restate_form({}) == RestatedProblem(affected="", problem="")


def test_card_with_the_largest_fields_fits_one_message() -> None:
    big = idea(
        title=HUGE[:150],
        affected=HUGE,
        problem=HUGE,
        evidence=HUGE,
        business_value=HUGE,
        solution=HUGE,
        problem_is_solution=True,
        gate_quote=HUGE,
        source_permalink="https://standin.slack.com/archives/C2/p3",
        sponsor_id="U0000SPON1",
        partner_id="U0000PART1",
    )
    message = build_idea_card(card_data(big, supporters=3, avg=3.5, count=2, similar=idea(id=7, title=HUGE)))
    kwargs = message.as_kwargs()
    assert check_message(kwargs) == ""
    assert "<!channel>" not in json.dumps(kwargs)
    assert len(kwargs["text"]) <= 300


def test_card_shows_tags_flags_and_links() -> None:
    i = idea(problem_is_solution=True, gate_quote="we need a blockchain", business_value="")
    text = json.dumps(build_idea_card(card_data(i, supporters=1)).as_kwargs())
    for needle in (
        "IDEA-42",
        "`technology-first`",
        "`adopt`",
        "reads like a solution",
        "we need a blockchain",
        "Not stated",
        "<@U0000USER1>",
        "1 supporter",
    ):
        assert needle in text, needle


def test_receipt_links_the_card_and_names_a_similar_idea() -> None:
    similar = idea(id=7, title="Older", card_permalink="https://standin.slack.com/archives/C1/p7")
    kwargs = build_receipt(card_data(idea(), similar=similar)).as_kwargs()
    text = json.dumps(kwargs)
    assert "https://standin.slack.com/archives/C1/p1" in text and "IDEA-7" in text
    assert check_message(kwargs) == ""


def test_lists_home_and_help_fit_slack() -> None:
    ideas = [idea(id=n, title=HUGE) for n in range(1, 30)]
    assert check_message(build_idea_list("Results for <x>", ideas, empty="none").as_kwargs()) == ""
    home = build_home(ideas=ideas).to_dict()
    assert check_view(home) == "" and "open_idea_modal" in json.dumps(home)
    assert check_message(build_help().as_kwargs()) == ""
    assert check_message(build_unknown_subcommand("x" * 500).as_kwargs()) == ""


def test_enums_cover_the_modal_choices() -> None:
    assert {o.value for o in Origin} == {"problem", "technology"}
    assert {k.value for k in Kind} == {"invent", "adopt"}


def _as_slack_sdk_would_write_it(blocks: list[dict]) -> list[dict]:
    """The blocks parsed into slack_sdk's models and written back (its checks run on the way)."""
    return [block.to_dict() for block in Block.parse_all(blocks)]


@pytest.mark.parametrize("status", [s.value for s in Status])
def test_card_receipt_and_actions_json_is_what_slack_sdk_writes(status: str) -> None:
    """The card, receipt and buttons are built as JSON directly (for speed); slack_sdk's models,
    which check every field, must read them and write exactly the same JSON back."""
    full = idea(
        status=status,
        evidence="Call log, March",
        solution="A tracking page",
        problem_is_solution=True,
        gate_quote="we need an app",
        source_permalink="https://standin.slack.com/archives/C2/p3",
        sponsor_id="U0000SPON1",
        partner_id="U0000PART1",
    )
    similar = idea(id=7, title="Older", card_permalink="https://standin.slack.com/archives/C1/p7")
    data = card_data(full, supporters=2, avg=4.0, count=3, similar=similar)
    for message in (
        build_idea_card(data, actions=build_triage_actions(full)),
        build_idea_card(card_data(idea(status=status))),
        build_receipt(data),
        build_receipt(card_data(idea())),
    ):
        blocks = message.as_kwargs()["blocks"]
        assert blocks and _as_slack_sdk_would_write_it(blocks) == blocks
    actions = build_triage_actions(full, block_id="triage-42")
    assert _as_slack_sdk_would_write_it(actions) == actions
    if status != Status.MERGED:
        assert {e["action_id"] for e in actions[0]["elements"]} >= {"support", "triage_more"}


def answered(modal, answers: dict[str, str | None]) -> dict:
    """A built modal as Slack submits it: `state.values` filled by block id, as Slack fills it."""
    view = modal.to_dict()
    return {**view, "state": {"values": form_values(view, answers)}}


def test_each_lead_modal_reads_back_what_its_own_builder_asked_for() -> None:
    context = TriageContext(idea_id=42, channel="C1", status="declined")
    decision = build_decision_modal(context)
    assert read_decision_form(answered(decision, {B.REASON: "  Out of scope this year  "})) == "Out of scope this year"
    assert read_decision_form(answered(decision, {})) == ""
    assign = build_assign_modal(context, idea())
    assert read_assign_form(answered(assign, {B.SPONSOR: "U0000SPON1", B.PARTNER: "U0000PART1"})) == (
        "U0000SPON1",
        "U0000PART1",
    )
    assert read_assign_form(answered(assign, {B.PARTNER: "U0000PART1"})) == (None, "U0000PART1")
    score = build_score_modal(context, idea(), None)
    every = {block_id: "4" for block_id, _, _ in SCORE_QUESTIONS}
    assert read_score_form(answered(score, every)) == dict.fromkeys(every, 4)
    first = SCORE_QUESTIONS[0][0]
    assert read_score_form(answered(score, {first: "2"})) == {b: (2 if b == first else None) for b in every}
    assert read_merge_form(answered(build_merge_modal(context), {B.MERGE_TARGET: " IDEA-3 "})) == "IDEA-3"
    for read in (read_decision_form, read_merge_form):
        assert read({}) == ""  # a view with no state: nothing typed
    assert read_assign_form({"state": {"values": {B.SPONSOR: "not a dict"}}}) == (None, None)
