"""Capture, end to end: signed HTTP requests into the running app, Slack calls out to the stand-in.

The ways in (/idea, the shortcuts, the Home tab), the submission and its problem gate, similar
ideas; /idea's other answers and requests that must change nothing are in test_requests_e2e.py.
"""

from __future__ import annotations

import json

from bot.standin.driver import block_actions, global_shortcut
from bot.standin.local import IDEAS_CHANNEL, SUBMITTER, LocalSlack, idea_answers
from tests.conftest import all_ideas, card_text, real_pair, submit_pair

MODAL_BLOCKS = ["title", "affected", "problem", "evidence", "business_value", "solution", "origin", "kind"]


def input_block_ids(view: dict) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def initial(view: dict, block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return block["element"].get("initial_value")


async def test_slash_command_acks_and_opens_the_modal_problem_first(local: LocalSlack) -> None:
    reply = await local.slack.command("")
    assert reply.status == 200 and reply.body == ""
    (call,) = await local.wait_for_calls("views.open", 1)
    view = call.args["view"]
    assert view["callback_id"] == "idea_modal"
    assert input_block_ids(view) == MODAL_BLOCKS
    assert input_block_ids(view).index("problem") < input_block_ids(view).index("solution")


async def test_slash_command_text_prefills_the_title(local: LocalSlack) -> None:
    view = await local.open_modal("Returns take too long at the Leeds store")
    assert initial(view, "title") == "Returns take too long at the Leeds store"
    assert initial(view, "problem") is None


async def test_valid_submission_is_stored_then_card_and_receipt_are_posted(local: LocalSlack) -> None:
    reply = await local.submit_idea(idea_answers())
    assert reply.status == 200 and reply.body == ""  # an empty ack closes the modal
    await local.settle()

    (idea,) = await all_ideas(local)
    assert idea.title == "Customers can't see where their order is"
    assert idea.submitter_id == SUBMITTER and idea.status == "new"
    assert (idea.origin, idea.kind) == ("problem", "invent")
    assert not idea.problem_is_solution and not idea.problem_is_vague
    assert idea.card_channel == IDEAS_CHANNEL and idea.card_ts

    (card,) = local.standin.channel_messages(IDEAS_CHANNEL)
    assert card.ts == idea.card_ts
    text = card_text(card)
    for expected in (
        "IDEA-1",
        "Customers can't see where their order is",
        "Online customers and the support team",
        "about 40 calls a day",
        "Frees about 2.5 agent hours",
        "`problem-first`",
        "`invent`",
        f"<@{SUBMITTER}>",
        "New",
    ):
        assert expected in text, expected

    dm_calls = [c for c in local.standin.calls_to("chat.postMessage") if c.args["channel"] == SUBMITTER]
    assert len(dm_calls) == 1
    receipt = json.dumps(dm_calls[0].args["blocks"])
    assert "IDEA-1" in receipt and idea.card_permalink and idea.card_permalink in receipt


async def test_solution_framed_problem_is_coached_then_accepted_and_flagged(local: LocalSlack) -> None:
    view = await local.open_modal()
    answers = idea_answers(problem="We need Kubernetes for all of our services this year")
    first = await local.submit(view, answers)
    body = first.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"problem"}
    assert "We need Kubernetes" in body["errors"]["problem"] and "Instead of" in body["errors"]["problem"]
    assert await all_ideas(local) == []

    second = await local.submit(view, answers)  # the same text again: accepted, flagged
    assert second.status == 200 and second.body == ""
    await local.settle()
    (idea,) = await all_ideas(local)
    assert idea.problem_is_solution and "We need Kubernetes" in idea.gate_quote
    (card,) = local.standin.channel_messages(IDEAS_CHANNEL)
    assert "reads like a solution" in card_text(card)


async def test_changed_text_after_coaching_is_checked_again(local: LocalSlack) -> None:
    view = await local.open_modal()
    await local.submit(view, idea_answers(problem="Improve the user experience of the whole platform"))
    again = await local.submit(view, idea_answers(problem="Let's modernise the platform with a shiny new UI"))
    assert again.json()["response_action"] == "errors"
    fixed = await local.submit(
        view, idea_answers(problem="Customers abandon checkout on mobile because the pay button is hidden")
    )
    assert fixed.body == ""
    await local.settle()
    (idea,) = await all_ideas(local)
    assert not idea.problem_is_solution and not idea.problem_is_vague


async def test_hard_errors_are_inline_and_store_nothing(local: LocalSlack) -> None:
    view = await local.open_modal()
    cases = {
        "empty problem": (idea_answers(problem="   "), {"problem"}),
        "too short": (idea_answers(problem="slow checkout"), {"problem"}),
        "copy of title": (idea_answers(problem="Customers can't see where their order is"), {"problem"}),
        "copy of solution": (
            idea_answers(problem="Send tracking links by SMS when the parcel ships"),
            {"problem"},
        ),
        "nobody affected": (idea_answers(affected=""), {"affected"}),
        "no origin": (idea_answers(origin=None), {"origin"}),
    }
    for name, (answers, blocks) in cases.items():
        reply = await local.submit(view, answers)
        assert reply.json()["response_action"] == "errors", name
        assert set(reply.json()["errors"]) == blocks, name
    assert await all_ideas(local) == []
    assert local.standin.calls_to("chat.postMessage") == []


async def test_message_shortcut_prefills_the_solution_and_links_the_source(local: LocalSlack) -> None:
    view = await local.capture_message("What if we put QR codes on tables so people can pay", channel="C0000FLOOR")
    assert initial(view, "solution") == "What if we put QR codes on tables so people can pay"
    reply = await local.submit(
        view,
        idea_answers(
            title="Guests wait to pay",
            affected="Restaurant guests on Friday nights",
            problem="Guests wait 10 to 15 minutes for the card machine at busy times and some leave without tipping",
            solution="What if we put QR codes on tables so people can pay",
        ),
    )
    assert reply.body == ""
    await local.settle()
    (idea,) = await all_ideas(local)
    assert (idea.source_channel, bool(idea.source_ts)) == ("C0000FLOOR", True)
    assert idea.source_permalink.startswith("https://standin.slack.com/archives/C0000FLOOR/")
    (card,) = local.standin.channel_messages(IDEAS_CHANNEL)
    assert f"<{idea.source_permalink}|from a message>" in card_text(card)


async def test_when_the_captured_message_is_deleted_the_card_no_longer_quotes_or_links_it(local: LocalSlack) -> None:
    text = "What if we put QR codes on tables so people can pay"
    view = await local.capture_message(text, channel="C0000FLOOR")
    answers = idea_answers(
        title="Guests wait to pay",
        affected="Restaurant guests on Friday nights",
        problem="Guests wait 10 to 15 minutes for the card machine at busy times and some leave without tipping",
        solution=text,
    )
    await local.submit(view, answers)
    (idea,) = await all_ideas(local)
    assert "QR codes" in card_text(await card_of(local, idea.id))
    deleted = {  # as Slack sends it (message.channels, subtype message_deleted)
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": "C0000FLOOR",
        "ts": "1700000099.000200",
        "deleted_ts": idea.source_ts,
        "event_ts": "1700000099.000200",
        "previous_message": {"type": "message", "user": SUBMITTER, "text": text, "ts": idea.source_ts},
    }
    assert (await local.slack.event(deleted)).status == 200
    await local.settle()
    (idea,) = await all_ideas(local)
    assert (idea.source_channel, idea.source_ts, idea.source_permalink, idea.solution) == ("", "", "", "")
    card = card_text(local.card_message(idea.id))
    assert "from a message" not in card and "QR codes" not in card and "Guests wait to pay" in card


async def card_of(local: LocalSlack, idea_id: int):
    await local.card_ts(idea_id)
    return local.card_message(idea_id)


async def test_global_shortcut_opens_the_modal(local: LocalSlack) -> None:
    reply = await local.slack.interactive(global_shortcut("submit_idea"))
    assert reply.status == 200
    (call,) = await local.wait_for_calls("views.open", 1)
    assert input_block_ids(call.args["view"]) == MODAL_BLOCKS


async def test_app_home_shows_the_button_and_my_ideas_with_status(local: LocalSlack) -> None:
    await local.submit_idea(idea_answers())
    await local.submit_idea(
        idea_answers(title="Another one", problem="Drivers wait 30 minutes at the depot every morning for paperwork"),
        user="U0000OTHER",
    )
    await local.settle()
    reply = await local.slack.event(
        {"type": "app_home_opened", "user": SUBMITTER, "channel": "D0000USER1", "tab": "home"}
    )
    assert reply.status == 200
    (call,) = await local.wait_for_calls("views.publish", 1)
    assert call.args["user_id"] == SUBMITTER
    home = json.dumps(call.args["view"])
    assert "open_idea_modal" in home and "Submit an idea" in home
    assert "IDEA-1" in home and "New" in home
    assert "IDEA-2" not in home  # someone else's idea

    before = len(local.standin.calls_to("views.open"))
    click = await local.slack.interactive(block_actions("open_idea_modal", value="open", container={"type": "view"}))
    assert click.status == 200
    opened = (await local.wait_for_calls("views.open", before + 1))[before]
    assert input_block_ids(opened.args["view"]) == MODAL_BLOCKS


async def test_a_slash_command_that_says_payload_opens_the_modal(local: LocalSlack) -> None:
    view = await local.open_modal("payload tracking for the warehouse")
    assert initial(view, "title") == "payload tracking for the warehouse"


async def test_the_same_submission_delivered_twice_stores_one_idea(local: LocalSlack) -> None:
    view = await local.open_modal()
    first = await local.submit(view, idea_answers())
    second = await local.submit(view, idea_answers())
    assert first.status == second.status == 200
    await local.settle()
    assert len(await all_ideas(local)) == 1
    assert len(local.standin.channel_messages(IDEAS_CHANNEL)) == 1


async def test_a_similar_existing_idea_is_named_on_the_card_and_in_the_receipt(local: LocalSlack) -> None:
    await local.submit_idea(idea_answers())
    await local.settle()
    await local.submit_idea(
        idea_answers(
            title="Where-is-my-order calls",
            affected="Support team and online customers",
            problem="Online customers keep calling support to ask where their order is, about 40 calls a day, "
            "and every call takes agents 4 minutes checking two systems.",
        ),
        user="U0000OTHER",
    )
    await local.settle()
    first, second = sorted(await all_ideas(local), key=lambda i: i.id)
    assert second.similar_to_id == first.id
    card = local.standin.channel_messages(IDEAS_CHANNEL)[1]
    assert "Similar to" in card_text(card) and "IDEA-1" in card_text(card)
    receipt = next(c for c in local.standin.calls_to("chat.postMessage") if c.args["channel"] == "U0000OTHER")
    assert "A similar idea already exists" in json.dumps(receipt.args["blocks"])


async def test_a_real_duplicate_in_other_words_is_named_on_the_card_and_in_the_receipt(local: LocalSlack) -> None:
    earlier, later = await submit_pair(local, real_pair("xd67"))  # "Merged inbox" / "One combined mailbox"
    assert later.similar_to_id == earlier.id and later.similar_ids == str(earlier.id)
    card = local.standin.channel_messages(IDEAS_CHANNEL)[1]
    assert "Similar to" in card_text(card) and f"IDEA-{earlier.id}" in card_text(card)
    receipt = next(c for c in local.standin.calls_to("chat.postMessage") if c.args["channel"] == "U0000LATER")
    assert "A similar idea already exists" in json.dumps(receipt.args["blocks"])


async def test_a_different_problem_on_the_same_topic_is_not_named(local: LocalSlack) -> None:
    # Snoozing received mail vs sending mail later: one product, one area, two problems.
    _, later = await submit_pair(local, real_pair("xd22"))
    assert later.similar_to_id is None and later.similar_ids == ""
    assert "Similar to" not in card_text(local.standin.channel_messages(IDEAS_CHANNEL)[1])
