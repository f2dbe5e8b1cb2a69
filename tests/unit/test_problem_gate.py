"""The problem gate: hard errors, coaching, flags, and its figures on labelled real-style writing."""

from __future__ import annotations

import pytest

from bot.domain.ideas import IdeaDraft
from bot.domain.problem import MIN_WORDS, Verdict, check_problem, classify_by_rule, problem_fingerprint, read_problem
from tests.gate_sets import DEV, HOLDOUT, evaluate, load


def draft(problem: str, **kw: str) -> IdeaDraft:
    fields = {"title": "An idea", "affected": "Support agents", "problem": problem}
    fields.update(kw)
    return IdeaDraft(**fields)


@pytest.mark.parametrize(
    ("problem", "block", "needle"),
    [
        ("", "problem", "Describe the problem"),
        ("   \n\t ", "problem", "Describe the problem"),
        ("checkout is slow", "problem", "only 3 words"),
        ("Customers cannot track their orders online at all", "problem", "repeats the title"),
    ],
)
def test_hard_errors(problem: str, block: str, needle: str) -> None:
    result = check_problem(draft(problem, title="Customers can't track their orders online at all!"))
    assert not result.passed and block in result.errors and needle in result.errors[block]
    assert not result.coaching


def test_problem_that_copies_the_solution_is_refused() -> None:
    fix = "Send customers an SMS with a tracking link when the parcel leaves the warehouse"
    result = check_problem(draft(fix + ".", solution=fix))
    assert "repeats your proposed solution" in result.errors["problem"]


def test_nobody_affected_is_a_hard_error_on_its_block() -> None:
    result = check_problem(draft("Customers wait 20 minutes on hold and many hang up before we answer", affected=" "))
    assert set(result.errors) == {"affected"}


def test_min_words_is_six() -> None:
    assert MIN_WORDS == 6
    assert check_problem(draft("customers wait twenty minutes on hold")).errors == {}


@pytest.mark.parametrize(
    "problem",
    [
        "We need Kubernetes for all of our services",
        "buy a CRM for the sales team please",
        "Implement an AI chatbot for customer support on the website",
        "migrate to Postgres from MySQL this quarter",
        "It would be nice to have a CSV export on the reports page",
        "As a store manager I want a mobile app to approve timesheets",
        "Can we get Power BI licences for everyone in finance?",
    ],
)
def test_solution_framing_is_coached_with_a_quote_and_an_example(problem: str) -> None:
    result = check_problem(draft(problem))
    assert not result.errors and set(result.coaching) == {"problem"}
    assert result.problem_is_solution and not result.problem_is_vague
    message = result.coaching["problem"]
    assert result.quote and result.quote.rstrip("…") in message
    assert "Instead of" in message and "Submit again unchanged" in message


def test_the_quote_keeps_the_writers_casing() -> None:
    result = check_problem(draft("We need Kubernetes for all of our services"))
    assert result.quote.startswith("We need Kubernetes")


@pytest.mark.parametrize(
    "problem",
    [
        "Improve the UI of the app for everyone",
        "Increase efficiency across the whole company this year",
        "People are frustrated with the current situation here",
        "A holistic approach to operational excellence across all units",
    ],
)
def test_content_free_statements_are_coached_as_vague(problem: str) -> None:
    result = check_problem(draft(problem))
    assert set(result.coaching) == {"problem"} and not result.errors
    assert result.problem_is_solution or result.problem_is_vague
    assert "Who struggles" in result.coaching["problem"] or "What goes wrong" in result.coaching["problem"]


@pytest.mark.parametrize(
    "problem",
    [
        "Customers call us to ask where their order is, about 40 calls a day",
        "We need Kubernetes because our deploys take 45 minutes and every deploy causes 5 minutes of downtime",
        "Buy a CRM — each rep keeps customers in a spreadsheet and when Maria left we lost her whole pipeline",
        "new waiters dont know the allergens in the specials so they run to the kitchen and ask every time",
        "Is your feature request related to a problem? I'm always frustrated when the export times out after 10k rows",
        "As a dispatcher I can't see which technicians are near a job, so I send whoever is free",
    ],
)
def test_problems_pass_even_when_they_also_propose_a_fix(problem: str) -> None:
    result = check_problem(draft(problem))
    assert result.passed, (result, read_problem(problem))


def test_an_unanswered_issue_template_is_not_a_problem() -> None:
    text = (
        "**Is your feature request related to a problem? Please describe.**\n"
        "A clear and concise description of what the problem is.\n\n**Describe the solution you'd like**\nDark mode"
    )
    assert not check_problem(draft(text)).passed


def test_odd_text_never_crashes() -> None:
    for text in ["<" * 3000, "\u200b" * 50, "🙂 " * 40, "a\x00b " * 10, "ÀÉÎ " * 30, "İstanbul şube " * 5]:
        check_problem(draft(text))


def test_classify_reads_pain_and_framing() -> None:
    assert (
        classify_by_rule(read_problem("Our drivers lose an hour a day waiting at the depot for paperwork"))
        is Verdict.PROBLEM
    )
    assert classify_by_rule(read_problem("Let's use blockchain for all of our invoices")) is Verdict.SOLUTION
    assert classify_by_rule(read_problem("better communication between all the teams overall")) is Verdict.VAGUE


def test_fingerprint_ignores_case_and_spacing() -> None:
    assert problem_fingerprint("We need  Kubernetes") == problem_fingerprint("we need kubernetes")
    assert problem_fingerprint("We need Kubernetes") != problem_fingerprint("We need Nomad")


@pytest.mark.parametrize(("path", "name"), [(HOLDOUT, "held-out"), (DEV, "dev")])
def test_figures_on_labelled_sets_meet_the_targets(path, name: str) -> None:
    rows = load(path)
    assert len(rows) >= 150 and {r["label"] for r in rows} == {"problem", "solution", "vague"}
    figures, wrong = evaluate(rows)
    print(f"{name}: problems passed {figures.pass_rate:.1%}, non-problems coached {figures.stop_rate:.1%}")
    assert figures.pass_rate >= 0.90, [r["text"][:80] for r in wrong if r["label"] == "problem"]
    assert figures.stop_rate >= 0.85, [r["text"][:80] for r in wrong if r["label"] != "problem"]
