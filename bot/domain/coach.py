"""Tailored coaching: turn "we need X" into the writer's own problem statement.

When the gate coaches (a problem that reads as a solution, or says nothing specific), the message
quotes what the person wrote, asks for what their statement lacks in their own terms (what goes
wrong for the people they named, how often or how much, and who exactly when they named
everyone), and shows the *closest* problem-first example from a bank of about 120 written for
this project (`bot/domain/coach_bank.json`), each paired with the solution-first request it reframes.

The closest example is chosen by meaning with the similar-idea embedder (`bot/judgment/embed.py`):
an example's vector is the sum of its request's and its problem's (so "We need a CRM" finds the
sales examples by their request, and a vaguer text their problems), the person's vector is that of
who is affected, the title and the problem; the highest cosine wins. The bank's vectors are
computed once, at first use (about 30 ms; `warm_up()` does it at start-up).

Pure and offline: nothing here calls a network or a database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from bot.views.slack_text import mrkdwn, one_line, truncate

if TYPE_CHECKING:  # numpy and the embedder are imported where the bank is compared, so a process
    # that only renders the advice (`ideabot deliver`, the CLI) never loads them
    import numpy as np

BANK_FILE = "coach_bank.json"
AFFECTED_QUOTE_MAX = 40  # how much of "who has the problem" a question repeats
EXAMPLE_PROBLEM_MAX = 260  # an example's problem as shown (the bank's are shorter)

# "Who has the problem" answers that name nobody in particular.
EVERYONE_WORDS = frozenset(
    """
    everyone everybody all anyone anybody people users user staff employees employee company business
    organisation organization whole entire team teams us we the our of in at and workers colleagues
    """.split()
)
# Words that say how often or how much, where no number does.
SIZE_WORDS = frozenset(
    """
    daily weekly monthly hourly yearly annually every each always often constantly repeatedly times dozens
    hundreds thousands half third quarter most majority minutes hours days weeks months
    """.split()
)


@dataclass(frozen=True)
class Example:
    """One bank entry: a problem-first statement and the request it reframes."""

    id: str
    function: str  # sales, support, operations, finance, hr, it, engineering, facilities, logistics, clinics, retail
    who: str
    request: str
    problem: str


@cache
def bank() -> tuple[Example, ...]:
    """Every example in the bank, in file order."""
    raw = json.loads(resources.files(__package__).joinpath(BANK_FILE).read_text(encoding="utf-8"))
    return tuple(Example(**row) for row in raw["examples"])


@cache
def _bank_matrix() -> np.ndarray:
    import numpy as np

    from bot.judgment.embed import embedder

    examples = bank()
    vectors = embedder().vectors([e.request for e in examples]) + embedder().vectors([e.problem for e in examples])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def warm_up() -> None:
    """Compute the bank's vectors now rather than on the first coached submission."""
    _bank_matrix()


def closest_example(text: str) -> Example:
    """The bank example nearest in meaning to `text` (the first one when `text` has no words)."""
    import numpy as np

    from bot.judgment.embed import embedder

    vector = embedder().vector(text)
    if not vector.any():
        return bank()[0]
    return bank()[int(np.argmax(_bank_matrix() @ vector))]


def person_text(*, title: str, affected: str, problem: str) -> str:
    """What the closest example is chosen by: who is affected, the title and the problem."""
    return ". ".join(part for part in (one_line(affected), one_line(title), one_line(problem)) if part)


# --- what is missing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Gaps:
    """What a problem statement lacks, read from the gate's reading of it."""

    who: bool  # "who has the problem" names nobody in particular ("everyone", "staff")
    size: bool  # neither a number nor a word for how often or how much

    @classmethod
    def of(cls, *, affected: str, problem: str, has_number: bool) -> Gaps:
        """Read the gaps of a statement; `has_number` as the gate read it."""
        who_words = set(re.findall(r"[a-z]+", affected.lower()))
        problem_words = set(re.findall(r"[a-z]+", problem.lower()))
        return cls(who=who_words <= EVERYONE_WORDS, size=not has_number and not problem_words & SIZE_WORDS)


def missing_question(gaps: Gaps, affected: str) -> str:
    """The question that asks for what is missing, in the writer's terms (plain text)."""
    subject = "them" if gaps.who else f"“{truncate(one_line(affected), AFFECTED_QUOTE_MAX)}”"
    question = f"What goes wrong for {subject} today"
    if gaps.size:
        question += ", and how often or how much (calls a day, hours a week, money lost a month)"
    question += "?"
    if gaps.who:
        named = truncate(one_line(affected), AFFECTED_QUOTE_MAX) or "everyone"
        question = f"Who exactly has it? “{named}” is hard to act on: name the team, role or customers. " + question
    return question


# --- messages (plain text: Slack shows a modal's inline errors as typed) --------------------------

MSG_SOLUTION = (
    "This reads like a solution (“{quote}”). {question} Instead of “{request}”, a problem-first version "
    "reads: “{problem}” Put the fix under “Your proposed solution”. Submit again unchanged to keep it."
)
MSG_VAGUE = (
    "This is hard to act on (“{quote}”). {question} Instead of “{request}”, a problem-first version "
    "reads: “{problem}” Submit again unchanged to keep it."
)
MSG_TOO_SHORT = "That's only {n} word{s}. Say who struggles with what and what happens because of it, e.g. “{problem}”"


@dataclass(frozen=True)
class Coaching:
    """The tailored coaching for one statement: the message and the example it shows."""

    message: str
    example: Example


def coach(*, vague: bool, quote: str, title: str, affected: str, problem: str, has_number: bool) -> Coaching:
    """The coaching message for a statement the gate coaches as a solution or as too vague."""
    example = closest_example(person_text(title=title, affected=affected, problem=problem))
    gaps = Gaps.of(affected=affected, problem=problem, has_number=has_number)
    template = MSG_VAGUE if vague else MSG_SOLUTION
    message = template.format(
        quote=quote,
        question=missing_question(gaps, affected),
        request=example.request,
        problem=truncate(example.problem, EXAMPLE_PROBLEM_MAX),
    )
    return Coaching(message=message, example=example)


def too_short(*, words: int, title: str, affected: str, problem: str) -> str:
    """The hard error for a statement of fewer than the gate's minimum of words, with the closest example."""
    example = closest_example(person_text(title=title, affected=affected, problem=problem))
    return MSG_TOO_SHORT.format(n=words, s="" if words == 1 else "s", problem=truncate(example.problem, 200))


def restate_advice(*, title: str, affected: str, problem: str, has_number: bool) -> str:
    """The same advice for a submitter asked to restate a problem (mrkdwn, user text escaped)."""
    example = closest_example(person_text(title=title, affected=affected, problem=problem))
    gaps = Gaps.of(affected=affected, problem=problem, has_number=has_number)
    wrote = mrkdwn(truncate(one_line(problem), 160).rstrip("."), 400)
    return (
        f"*How to restate it.* You wrote “{wrote}”. {mrkdwn(missing_question(gaps, affected), 400)}\n"
        f"_For example_, instead of “{mrkdwn(example.request)}”: “{mrkdwn(example.problem)}”"
    )
