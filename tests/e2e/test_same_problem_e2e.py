"""The connected language model's second look at similar ideas (LLM_SIMILAR_IDEAS=on), end to end:
the real app, signed requests through the modal, the Slack stand-in, a local OpenAI-compatible
stand-in (LLM_BASE_URL) and a real database. The pairs are reworded real ones (tests/data/dup_extra.jsonl)."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import AsyncIterator

import pytest

from bot.standin.llm import ChatCompletionsStandIn, ChatRequest
from bot.standin.local import IDEAS_CHANNEL, LocalSlack
from tests.conftest import FAST, card_text, real_pair, submit_pair
from tests.databases import database_url

BUDGET = 1.0  # the tests' budget for the model's look (4 s in production)
CURRENCY = "xd12"  # "Give accounts a currency" / "[Feature] Multi-currency": a duplicate the vectors miss
INBOX = "xd67"  # "Merged inbox" / "One combined mailbox": a duplicate the vectors name
SNOOZE = "xd22"  # snoozing received mail vs sending later: the same topic, not the same problem


def looks_at_similar(request: ChatRequest) -> bool:
    """Whether a request asked which ideas state the same problem (not for a rewrite)."""
    return re.search(r"<ideas-[0-9a-f]{16}>", request.text()) is not None


def looks(llm: ChatCompletionsStandIn) -> list[ChatRequest]:
    """The requests that asked which ideas state the same problem."""
    return [r for r in llm.requests if looks_at_similar(r)]


def sent_ideas(request: ChatRequest) -> dict:
    """The ideas a look sent, read back from its delimited JSON."""
    found = re.search(r"<ideas-([0-9a-f]{16})>\n(.*)\n</ideas-\1>", request.messages[-1]["content"], re.S)
    assert found, request.messages[-1]["content"]
    return json.loads(found.group(2))


def verdict(numbers: list[int]) -> str:
    return json.dumps({"same": numbers})


@pytest.fixture
async def llm() -> AsyncIterator[ChatCompletionsStandIn]:
    server = ChatCompletionsStandIn()
    await server.start()
    yield server
    await server.stop()


async def running(tmp_path, llm: ChatCompletionsStandIn, **settings) -> LocalSlack:
    options = dataclasses.replace(FAST, similar_budget=BUDGET, rewrite_budget=BUDGET)
    return LocalSlack(
        database_url(tmp_path / "ideabot.db"),
        options=options,
        llm_base_url=llm.url,
        llm_model="standin-judge",
        **settings,
    )


@pytest.fixture
async def slack(tmp_path, llm: ChatCompletionsStandIn) -> AsyncIterator[LocalSlack]:
    async with await running(tmp_path, llm, llm_similar_ideas=True) as local:
        yield local


def later_card(local: LocalSlack) -> str:
    return card_text(local.standin.channel_messages(IDEAS_CHANNEL)[1])


def later_receipt(local: LocalSlack) -> str:
    receipt = next(c for c in local.standin.calls_to("chat.postMessage") if c.args["channel"] == "U0000LATER")
    return json.dumps(receipt.args["blocks"])


async def test_a_duplicate_the_vectors_miss_is_named_when_the_model_says_it_is_the_same_problem(
    slack: LocalSlack, llm: ChatCompletionsStandIn
) -> None:
    pair = real_pair(CURRENCY)
    llm.reply = lambda request: verdict([1]) if looks_at_similar(request) else "unused"
    earlier, later = await submit_pair(slack, pair)
    assert later.similar_ids == str(earlier.id) and later.similar_to_id == earlier.id
    assert "Similar to" in later_card(slack) and f"IDEA-{earlier.id}" in later_card(slack)
    assert "A similar idea already exists" in later_receipt(slack)
    # One look, for the later idea (the first had nothing to compare with): its title and problem,
    # and the earlier idea's, as numbered JSON data between nonce tags — nothing else of either.
    (look,) = looks(llm)
    sent = sent_ideas(look)
    assert sent["new"] == {"title": pair["a"]["title"], "problem": " ".join(pair["a"]["text"].split())}
    assert sent["earlier"][0] == {
        "number": 1,
        "title": pair["b"]["title"],
        "problem": " ".join(pair["b"]["text"].split()),
    }
    assert all(set(idea) == {"number", "title", "problem"} for idea in sent["earlier"])
    text = look.text()
    assert "Staff" not in text and "U0000" not in text and "IDEA-" not in text  # who, people, references


async def test_a_pick_of_the_vectors_is_dropped_when_the_model_says_none_is_the_same(
    slack: LocalSlack, llm: ChatCompletionsStandIn
) -> None:
    llm.reply = verdict([])
    _, later = await submit_pair(slack, real_pair(INBOX))
    assert later.similar_ids == "" and later.similar_to_id is None
    assert "Similar to" not in later_card(slack)
    assert "A similar idea already exists" not in later_receipt(slack)
    assert len(looks(llm)) == 1


async def test_a_near_topic_idea_the_model_turns_down_is_not_named(
    slack: LocalSlack, llm: ChatCompletionsStandIn
) -> None:
    # The stand-in's own verdict names nothing; the earlier idea was shown to it as a candidate.
    _, later = await submit_pair(slack, real_pair(SNOOZE))
    assert later.similar_ids == ""
    assert "Similar to" not in later_card(slack)
    (look,) = looks(llm)
    assert sent_ideas(look)["earlier"][0]["title"] == real_pair(SNOOZE)["b"]["title"]


@pytest.mark.parametrize("failure", ["500", "429", "malformed", "never"])
async def test_when_the_model_fails_the_vectors_picks_stay_and_nothing_is_lost(
    slack: LocalSlack, llm: ChatCompletionsStandIn, failure: str
) -> None:
    llm.fail(failure, times=10)  # every request fails (the look, and any suggested rewrite)
    started = time.monotonic()
    earlier, later = await submit_pair(slack, real_pair(INBOX))
    assert later.similar_ids == str(earlier.id)  # what the vectors named
    assert len(slack.standin.channel_messages(IDEAS_CHANNEL)) == 2  # both cards posted
    assert "Similar to" in later_card(slack) and "A similar idea already exists" in later_receipt(slack)
    assert len(looks(llm)) == 1
    if failure == "never":
        assert time.monotonic() - started >= BUDGET  # it waited for the model, at most its budget


async def test_numbers_the_model_was_never_sent_leave_the_vectors_picks(
    slack: LocalSlack, llm: ChatCompletionsStandIn
) -> None:
    llm.reply = verdict([7])  # one candidate was sent
    earlier, later = await submit_pair(slack, real_pair(INBOX))
    assert later.similar_ids == str(earlier.id)


async def test_without_llm_similar_ideas_the_model_is_never_asked_about_similar_ideas(
    tmp_path, llm: ChatCompletionsStandIn
) -> None:
    async with await running(tmp_path, llm) as local:
        earlier, later = await submit_pair(local, real_pair(INBOX))
        assert later.similar_ids == str(earlier.id)  # the vectors alone
        assert looks(llm) == []
