"""The problem gate: every idea must name the customer problem, not just a fix.

`check_problem(draft)` is pure. It returns hard errors (the form cannot be submitted) and
coaching (a solution-framed or content-free problem: explained once, accepted unchanged on the
second submit and flagged). Whether a statement is a problem, a solution or too vague is decided
by `judge_problem`: a classifier learned from labelled real writing (`bot/judgment/gate.py`,
trained by `python -m bot.judgment.train`) that reads the text and the rule's reading below.
The rule alone (`classify_by_rule`) is its baseline and one of its features; its quote is what
the coaching message shows. The hard thresholds live at the top of this module, the word lists
in bot/domain/problem_words.py.

How a problem statement is read (`read_problem`):
- *pain cues* say something goes wrong for someone today. Strong cues ("can't", "takes 20
  minutes", "re-enter", "customers complain", "we lose", "nobody knows", "so I don't have to")
  score 2; weak ones ("because", "every day", "currently", "40 calls") score 1. A statement
  needs `PAIN_TO_PASS`, or `PAIN_TO_PASS_AFTER_FIX` when it opens by proposing a fix — a person
  who names the pain may also propose a fix ("We need X because our deploys take 45 minutes").
- *solution framing*: a sentence that opens with a fix ("we need X", "buy X", "migrate to X",
  "can we get X?", "it would be nice to have X", "as a user I want X", "Proposal: …") or with a
  technology as its subject ("a chatbot that …"). With too little pain it is coached as a
  solution, quoting the words; so is a bare noun phrase naming a thing ("Online booking widget").
- *content-free* statements ("improve the UI", "our data is a mess", "people are frustrated")
  have fewer than `MIN_CONCRETE_WORDS` specific words (outside the stop, buzz and pain lists)
  and no number; they are coached as too vague, whatever pain words they use.
- GitHub issue-template boilerplate is ignored, so an unanswered template reads as empty.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz

from bot.domain.coach import coach, too_short
from bot.domain.ideas import IdeaDraft
from bot.domain.problem_words import (
    SOLUTION_OPENERS,
    SOLUTION_VERBS,
    STRONG_PAIN_PHRASES,
    STRONG_PAIN_WORDS,
    TECH_TERMS,
    TEMPLATE_PHRASES,
    THING_WORDS,
    VAGUE_WORDS,
    WEAK_PAIN_PHRASES,
    WEAK_PAIN_WORDS,
)
from bot.domain.words import STOP_WORDS, fold, normalize
from bot.judgment.gate import cue_vector, gate_model

# --- thresholds ------------------------------------------------------------------------------

MIN_WORDS = 6  # fewer words than this is a hard error: nobody can state a problem in five
SAME_TEXT_RATIO = 92  # rapidfuzz ratio at which the problem "is" the title or the solution
PAIN_TO_PASS = 2  # pain score a statement needs; a strong cue scores 2, a weak one 1
PAIN_TO_PASS_AFTER_FIX = 3  # …when it opens by proposing a fix ("We need X because …")
MIN_CONCRETE_WORDS = 4  # specific words (not stop, buzz or pain words) a statement needs
QUOTE_MAX_CHARS = 60  # how much of the text a coaching message quotes

# --- the verdict -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GateResult:
    """What the gate says about a draft."""

    errors: dict[str, str] = field(default_factory=dict)  # hard: block_id -> message
    coaching: dict[str, str] = field(default_factory=dict)  # soft: block_id -> message
    problem_is_solution: bool = False
    problem_is_vague: bool = False
    quote: str = ""  # the words that made the gate coach
    example_id: str = ""  # the bank example the coaching shows (bot/domain/coach.py)

    @property
    def passed(self) -> bool:
        """True when nothing stands in the way of storing the idea."""
        return not self.errors and not self.coaching


@dataclass(frozen=True)
class ProblemReading:
    """How the gate read one problem text (exposed for tests and tuning)."""

    words: int
    strong_cues: tuple[str, ...]
    weak_cues: tuple[str, ...]
    solution_quote: str  # the opening words of a fix-first sentence, "" if none
    fix_first: bool  # the text opens by proposing a fix
    concrete_words: int
    has_number: bool
    names_a_thing: bool  # mentions something to build, buy or set up (an app, a CRM, a sensor…)

    @property
    def pain_score(self) -> int:
        """2 per strong cue, 1 per weak cue."""
        return 2 * len(self.strong_cues) + len(self.weak_cues)

    @property
    def states_pain(self) -> bool:
        """Enough pain is named to count as a problem (more when it opens with a fix)."""
        needed = PAIN_TO_PASS_AFTER_FIX if self.fix_first else PAIN_TO_PASS
        return self.pain_score >= needed and bool(self.strong_cues or len(self.weak_cues) >= 3)

    @property
    def content_free(self) -> bool:
        """Too generic to act on: few specific words and no number."""
        return self.concrete_words < MIN_CONCRETE_WORDS and not self.has_number


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'\-]*", text)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;:])\s+|\n+|\s+[-–—]\s+|^\s*[-*•]\s+|\s*\d+[.)]\s+", text)
    return [p.strip(" -*•\"'()[]") for p in parts if p and p.strip(" -*•\"'()[]")]


_PREAMBLE = r"^\s*(?:(?:hi|hey|hello|so|ok|okay|well|also|and|but|honestly|imo|tbh|basically|ideally)\b[,!\s]*)*"
_OPENER_RES = [re.compile(_PREAMBLE + p) for p in SOLUTION_OPENERS]
_VERB_RE = re.compile(
    _PREAMBLE + r"(?:to\s+)?(?:" + "|".join(sorted(set(SOLUTION_VERBS), key=len, reverse=True)) + r")\b"
)
_TECH_RE = re.compile(
    _PREAMBLE
    + r"(?:a|an|the|some|using|use of|adopting|implementing)?\s*(?:"
    + "|".join(re.escape(t) for t in sorted(set(TECH_TERMS), key=len, reverse=True))
    + r")\b"
)
_STRONG_RES = [re.compile(r"\b" + p) if not p.startswith(r"\b") else re.compile(p) for p in STRONG_PAIN_PHRASES]
_WEAK_RES = [re.compile(p) for p in WEAK_PAIN_PHRASES]
_TEMPLATE_RE = re.compile("|".join(TEMPLATE_PHRASES))
_NUMBER_RE = re.compile(r"\d")
_TECH_WORDS = frozenset(TECH_TERMS) - {"new", "online", "push", "teams", "linear", "monday", "dynamics", "data"}


def _quote(sentence: str) -> str:
    quote = ""
    for word in sentence.split():
        candidate = f"{quote} {word}".strip()
        if len(candidate) > QUOTE_MAX_CHARS:
            return quote + "…"
        quote = candidate
    return quote.rstrip(".,;:!?")


def _opens_with_fix(sentence: str) -> bool:
    return any(r.match(sentence) for r in _OPENER_RES) or bool(_VERB_RE.match(sentence) or _TECH_RE.match(sentence))


def read_problem(text: str) -> ProblemReading:
    """Read a problem statement: its pain cues, solution framing and concreteness."""
    norm = normalize(_TEMPLATE_RE.sub(" ", text.lower()))
    tokens = _tokens(norm)
    strong = [t for t in dict.fromkeys(tokens) if t in STRONG_PAIN_WORDS]
    strong += [m.group(0).strip() for r in _STRONG_RES for m in r.finditer(norm)]
    weak = [t for t in dict.fromkeys(tokens) if t in WEAK_PAIN_WORDS]
    weak += [m.group(0).strip() for r in _WEAK_RES for m in r.finditer(norm)]
    sentences = _sentences(norm)
    fix_sentences = [s for s in sentences if _opens_with_fix(s)]
    fix_first = bool(sentences) and bool(fix_sentences) and fix_sentences[0] == sentences[0]
    concrete = {
        t
        for t in tokens
        if len(t) > 2
        and not t.isdigit()
        and t not in STOP_WORDS
        and t not in VAGUE_WORDS
        and t not in STRONG_PAIN_WORDS
        and t not in WEAK_PAIN_WORDS
    }
    return ProblemReading(
        words=len(tokens),
        strong_cues=tuple(dict.fromkeys(strong)),
        weak_cues=tuple(dict.fromkeys(weak)),
        solution_quote=_quote(fix_sentences[0]) if fix_sentences else "",
        fix_first=fix_first,
        concrete_words=len(concrete),
        has_number=bool(_NUMBER_RE.search(norm)),
        names_a_thing=any(t in THING_WORDS or t in _TECH_WORDS for t in tokens),
    )


def _original_quote(text: str, quote: str) -> str:
    """`quote` (read from the lowercased text) in the writer's own casing, where it can be found."""
    words = quote.rstrip("…").split()
    if not words:
        return quote
    match = re.search(r"\s+".join(map(re.escape, words)), fold(text), re.IGNORECASE)
    if match is None:
        return quote
    return match.group(0) + ("…" if quote.endswith("…") else "")


class Verdict(StrEnum):
    """How the gate classifies a problem statement."""

    PROBLEM = "problem"
    SOLUTION = "solution"
    VAGUE = "vague"


def classify_by_rule(reading: ProblemReading) -> Verdict:
    """Problem, solution or too vague by the word lists alone: the learned gate's baseline and
    one of its features (see the module docstring)."""
    if reading.states_pain and not reading.content_free:
        return Verdict.PROBLEM
    if not reading.states_pain and (reading.solution_quote or (reading.names_a_thing and not reading.content_free)):
        return Verdict.SOLUTION
    return Verdict.VAGUE


# --- messages --------------------------------------------------------------------------------

MSG_AFFECTED_EMPTY = "Name who has the problem: a customer group, a team or a role (e.g. “new warehouse staff”)."
MSG_PROBLEM_EMPTY = "Describe the problem: who struggles with what, and what it costs them today."
MSG_SAME_AS_TITLE = (
    "This repeats the title. Use this box for the pain behind it: who struggles, with what, and what it costs."
)
MSG_SAME_AS_SOLUTION = (
    "This repeats your proposed solution. Use this box for the pain the solution would remove: "
    "who struggles today, and with what."
)
# The too-short error and the coaching messages are tailored to the writer: see bot/domain/coach.py.


def _same(a: str, b: str) -> bool:
    """True when two texts say the same words (punctuation, case and symbols aside)."""
    a, b = " ".join(_tokens(normalize(a))), " ".join(_tokens(normalize(b)))
    if not a or not b:
        return False
    return a == b or fuzz.ratio(a, b) >= SAME_TEXT_RATIO


def check_problem(draft: IdeaDraft) -> GateResult:
    """Apply the problem gate to a draft: hard errors first, then coaching."""
    errors: dict[str, str] = {}
    if not draft.affected.strip():
        errors["affected"] = MSG_AFFECTED_EMPTY
    problem = draft.problem.strip()
    if not problem:
        errors["problem"] = MSG_PROBLEM_EMPTY
        return GateResult(errors=errors)

    reading = read_problem(problem)
    if reading.words < MIN_WORDS:
        errors["problem"] = too_short(words=reading.words, title=draft.title, affected=draft.affected, problem=problem)
    elif _same(problem, draft.title):
        errors["problem"] = MSG_SAME_AS_TITLE
    elif _same(problem, draft.solution):
        errors["problem"] = MSG_SAME_AS_SOLUTION
    if errors:
        return GateResult(errors=errors)

    verdict = judge_problem(problem, reading).verdict
    return GateResult() if verdict is Verdict.PROBLEM else _coached(draft, problem, reading, verdict)


def _coached(draft: IdeaDraft, problem: str, reading: ProblemReading, verdict: Verdict) -> GateResult:
    """The gate's soft answer: the quote that made it coach and the tailored message (bot/domain/coach.py)."""
    solution = verdict is Verdict.SOLUTION
    if solution and reading.solution_quote:
        quote = _original_quote(problem, reading.solution_quote)
    else:
        quote = _quote(fold(problem))
    tailored = coach(
        vague=not solution,
        quote=quote,
        title=draft.title,
        affected=draft.affected,
        problem=problem,
        has_number=reading.has_number,
    )
    return GateResult(
        coaching={"problem": tailored.message},
        problem_is_solution=solution,
        problem_is_vague=not solution,
        quote=quote,
        example_id=tailored.example.id,
    )


@dataclass(frozen=True)
class ProblemJudgment:
    """The learned gate's verdict on a problem statement, and how sure it is."""

    verdict: Verdict
    p_problem: float


def judge_problem(text: str, reading: ProblemReading | None = None) -> ProblemJudgment:
    """Problem, solution or too vague, by the learned model (`bot.judgment.gate`) reading the text
    and the rule's cues. The CSV import, the shiny-object rule and the modal all decide by this."""
    reading = reading or read_problem(text)
    judgment = gate_model().judge(normalize(text), cue_vector(reading, classify_by_rule(reading)))
    return ProblemJudgment(verdict=Verdict(judgment.verdict), p_problem=judgment.p_problem)


def problem_fingerprint(text: str) -> str:
    """A stable hash of a problem text, to recognise an unchanged resubmission."""
    return hashlib.sha256(normalize(text).encode()).hexdigest()[:32]
