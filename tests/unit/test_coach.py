"""Tailored coaching (bot/domain/coach.py): the example bank's own test, the closest example, what is missing."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.domain.coach import Gaps, bank, closest_example, missing_question, person_text, restate_advice
from bot.domain.ideas import IdeaDraft
from bot.domain.problem import check_problem
from tests.processes import python_prints

FUNCTIONS = {
    "sales",
    "support",
    "operations",
    "finance",
    "hr",
    "it",
    "engineering",
    "facilities",
    "logistics",
    "clinics",
    "retail",
}


def gate(problem: str, *, affected: str = "The team", title: str = "An idea"):
    return check_problem(IdeaDraft(title=title, affected=affected, problem=problem))


def test_the_bank_has_about_120_examples_across_the_functions() -> None:
    examples = bank()
    counts = Counter(e.function for e in examples)
    print(f"bank: {len(examples)} examples, {dict(counts)}")
    assert len(examples) >= 120
    assert set(counts) == FUNCTIONS and min(counts.values()) >= 10
    assert len({e.id for e in examples}) == len(examples)
    assert len({e.problem for e in examples}) == len(examples) and len({e.request for e in examples}) == len(examples)


def test_every_example_passes_the_gate_and_every_paired_request_is_coached() -> None:
    examples = bank()
    passed = [e for e in examples if gate(e.problem, affected=e.who).passed]
    coached = [e for e in examples if gate(e.request, affected=e.who).coaching]
    n = len(examples)
    print(f"bank: {len(passed)}/{n} problems pass the gate, {len(coached)}/{n} requests coached")
    assert [e.id for e in examples if e not in passed] == []
    assert [e.id for e in examples if e not in coached] == []


def test_each_request_is_shown_an_example_of_its_own_function() -> None:
    # The request alone, as a person might type it, finds an example from its own part of the business.
    examples = bank()
    same = [e for e in examples if closest_example(person_text(title="", affected=e.who, problem=e.request)) == e]
    print(f"bank: {len(same)}/{len(examples)} requests are shown their own example")
    assert len(same) >= 0.9 * len(examples)


@pytest.mark.parametrize(
    ("affected", "problem", "function", "words"),
    [
        ("Sales team", "We need a CRM for the sales team", "sales", "follow-ups"),
        ("Sales", "Buy Salesforce licences for the reps this quarter", "sales", ""),
        ("Engineering", "We need Kubernetes for all of our services this year", "engineering", "deploy"),
        ("New hires", "Improve the onboarding experience for everyone", "hr", "first week"),
        ("Remote staff", "Can we change the VPN settings for people working at home?", "it", "VPN"),
        ("Patients", "Online booking widget for the clinic website", "clinics", "book"),
        ("Drivers", "Let's put GPS trackers in every van we own", "logistics", "van"),
    ],
)
def test_the_closest_example_comes_from_the_same_part_of_the_business(
    affected: str, problem: str, function: str, words: str
) -> None:
    result = gate(problem, affected=affected)
    assert result.coaching, problem
    example = next(e for e in bank() if e.id == result.example_id)
    assert example.function == function, (problem, example)
    message = result.coaching["problem"]
    assert example.problem[:80] in message and f"Instead of “{example.request}”" in message
    assert words.lower() in example.problem.lower()


def test_the_message_quotes_the_writer_and_asks_for_what_is_missing_in_their_terms() -> None:
    message = gate("We need Kubernetes for all of our services this year", affected="The platform team").coaching[
        "problem"
    ]
    assert "“We need Kubernetes for all of our services this year”" in message
    assert "What goes wrong for “The platform team” today" in message
    assert "how often or how much" in message
    assert "Submit again unchanged to keep it." in message and "Your proposed solution" in message


def test_a_number_or_a_frequency_means_how_much_is_not_asked_for() -> None:
    with_number = gate("Buy 40 new VPN licences for the remote staff", affected="Remote staff")
    assert with_number.coaching and "how often or how much" not in with_number.coaching["problem"]
    assert Gaps.of(affected="Drivers", problem="this happens every morning", has_number=False).size is False
    assert Gaps.of(affected="Drivers", problem="this happens", has_number=False).size is True


def test_everyone_is_asked_who_exactly() -> None:
    assert Gaps.of(affected="Everyone in the company", problem="x", has_number=True).who
    assert not Gaps.of(affected="Warehouse pickers", problem="x", has_number=True).who
    question = missing_question(Gaps(who=True, size=False), "all staff")
    assert question.startswith("Who exactly has it? “all staff”") and "What goes wrong for them today?" in question


def test_too_short_shows_the_closest_example() -> None:
    result = gate("We need a CRM", affected="Sales reps")
    assert "only 4 words" in result.errors["problem"]
    assert "Sales reps lose track of follow-ups" in result.errors["problem"]


def test_restate_advice_escapes_what_the_person_wrote() -> None:
    advice = restate_advice(
        title="Portal", affected="<!channel> team", problem="We need a <@U123> portal & more", has_number=False
    )
    assert "<!channel>" not in advice and "<@U123>" not in advice
    assert "&lt;@U123&gt; portal &amp; more" in advice and "&lt;!channel&gt; team" in advice
    assert "For example" in advice


def test_a_text_with_no_words_gets_the_first_example() -> None:
    assert closest_example("") == bank()[0]
    assert closest_example("🙂🙂") in bank()


def test_what_only_renders_advice_never_loads_numpy() -> None:
    """`ideabot deliver` and the CLI render coaching (the Needs-problem DM, the restate modal) but
    never compare with the bank: numpy and the embedder stay unloaded until something does."""
    code = (
        "import sys\n"
        "import bot.delivery.deliverer, bot.commands.spreadsheet.export, bot.commands.digest\n"
        "print('numpy' in sys.modules)\n"
        "from bot.domain.coach import closest_example\n"
        "closest_example('We need a CRM')\n"
        "print('numpy' in sys.modules)\n"
    )
    assert python_prints(code) == ["False", "True"]
