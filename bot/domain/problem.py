"""The problem gate: every idea must name the customer problem, not just a fix.

`check_problem(draft)` is pure. It returns hard errors (the form cannot be submitted) and
coaching (a solution-framed or content-free problem: explained once, accepted unchanged on the
second submit and flagged). Whether a statement is a problem, a solution or too vague is decided
by `judge_problem`: a classifier learned from labelled real writing (`bot/judgment/gate.py`,
trained by `python -m bot.judgment.train`) that reads the text and the rule's reading below.
The rule alone (`classify_by_rule`) is its baseline and one of its features; its quote is what
the coaching message shows. The word lists and hard thresholds live at the top of this module.

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
from bot.domain.words import STOP_WORDS, fold, normalize
from bot.judgment.gate import cue_vector, gate_model

# --- thresholds ------------------------------------------------------------------------------

MIN_WORDS = 6  # fewer words than this is a hard error: nobody can state a problem in five
SAME_TEXT_RATIO = 92  # rapidfuzz ratio at which the problem "is" the title or the solution
PAIN_TO_PASS = 2  # pain score a statement needs; a strong cue scores 2, a weak one 1
PAIN_TO_PASS_AFTER_FIX = 3  # …when it opens by proposing a fix ("We need X because …")
MIN_CONCRETE_WORDS = 4  # specific words (not stop, buzz or pain words) a statement needs
QUOTE_MAX_CHARS = 60  # how much of the text a coaching message quotes

# --- word lists ------------------------------------------------------------------------------

# Strong pain cues: one of these says something goes wrong for someone today.
STRONG_PAIN_WORDS = frozenset(
    """
    can't cant cannot couldn't couldnt unable impossible fail fails failed failing failure failures
    error errors broken breaks crash crashes crashed crashing bug bugs buggy glitch glitches slow
    sluggish lag laggy hangs freezes frozen timeout timeouts outage outages downtime wait waits
    waiting waited delay delays delayed late overdue backlog backlogs queueing lose loses losing
    lost loss losses miss misses missed missing forget forgets forgot forgotten confused confusing
    confusion unclear frustrating frustrated frustration annoying annoyed complain complains
    complained complaint complaints angry upset unhappy furious hard difficult struggle struggles
    struggling stuck pain painful tedious cumbersome clunky manual manually retype retyping re-type
    re-enter reenter re-entering rekey copy-paste duplicated duplicates twice redo rework chase
    chasing mistake mistakes mistyped typos wrong incorrect inaccurate outdated mismatch mismatched
    costly expensive waste wastes wasted wasting overtime burnout churn cancel cancels cancelled
    canceled refund refunds abandoned abandon rejected rejects bottleneck penalty penalties fines
    breach nobody noone lack lacks lacking shortage overloaded overwhelmed flooded swamped spend
    spends spent headache headaches nightmare chaos idle unseen skipped overwritten stripped jams
    jammed chargeback chargebacks dispute disputes quit recall recalls blinding injury injuries
    unsafe hazard accident accidents spoiled expired suffers suffer suffering bounce bounced
    scattered ignored stale unreachable locked
    """.split()
)

# Strong pain phrases, matched on the normalised text.
STRONG_PAIN_PHRASES = (
    r"(?:don't|dont|do not|doesn't|doesnt|does not|didn't|didnt|did not|won't|wont|isn't|isnt|is not|"
    r"aren't|arent|are not|wasn't|wasnt|was not|weren't|haven't|hasn't|hasnt|no longer|never) "
    r"(?:\w+ ){0,2}?(?:work|works|working|know|knows|see|sees|show|shows|get|gets|reach|match|matches|"
    r"sync|syncs|load|loads|open|opens|find|update|updated|arrive|arrives|respond|reply|replied|come|"
    r"pick|notice|hear|talk|understand|tell|fit|print|save|saves|saved|send|sent|have|has|appear|appears)\b",
    r"(?:no way to|there is no|there's no|theres no|there are no|no one|not enough|too many|too much|"
    r"too long|too slow|too often|takes? (?:ages|forever|too long)|end up|ends up|ended up|fall through|"
    r"falls through|slip through|slips through|gets? lost|go missing|goes missing|out of stock|turned away|"
    r"on hold|by hand|instead of|rather than|only way|have no idea|no idea|can't tell|hard to|"
    r"difficult to|impossible to|struggle to|struggling to|i'?m always|backed up|fed up|give up|gives up|"
    r"gave up|drop out|dropped out|goes down|went down|keep using|keeps using|by the time|"
    r"(?:went|gone|jumped|dropped|fell|rose) (?:from|up|down|to) )",
    r"(?:have|has|had|need|needs) to (?:manually |always |still |then |also |first )?(?:re-?\w+|copy|call|"
    r"chase|wait|check|search|dig|look|log ?in|walk|drive|go|print|scan|email|e-mail|ask|remind|fix|type|"
    r"enter|fill|phone|ring|text|write|find|guess|spend|pay|open|download|upload|export|import|count|"
    r"reconcile|track|figure|keep|explain|repeat|refund|cancel|turn|apologi[sz]e|update|send|collect|"
    r"match|compare|merge|sort|move|carry|transfer|dial|visit|come|start|put|run|prove|pull|click|"
    r"scroll|switch between|juggle|remember|split|sit|stand|stay)\b",
    r"\b(?:takes?|took|taking|spends?|spent|wastes?|wasted|costs?|lose|loses|lost|wait|waits|waited|"
    r"adds|eats) (?:\w+ ){0,3}?(?:~|about |around |roughly |over |up to |at least )?\d",
    r"\bre-(?:apply|enter|type|key|send|do|check|upload|create|book|print|submit|start|explain)\w*",
    r"\bso (?:that )?(?:i|we|they|you|customers|staff|people) (?:don't|do not|no longer|stop|aren't) ",
    r"\b(?:call|calls|calling|phone|phones|email|emails|emailing|message|messages|chase|chases|ring|rings) "
    r"(?:us|the office|support|the shop|the store|reception|the front desk|the team|the helpdesk|in)\b",
    r"\b(?:keep|keeps|kept) (?:asking|calling|emailing|chasing|coming back|complaining|forgetting|missing)\b",
)

# Weak cues: context that often comes with a pain but does not prove one.
WEAK_PAIN_WORDS = frozenset(
    """
    because bc since otherwise currently today still every each always constantly repeatedly again
    regularly often daily weekly usually sometimes problem problems issue issues trouble risk risky
    only old paper spreadsheet spreadsheets excel email emails phone fax
    """.split()
)
WEAK_PAIN_PHRASES = (
    r"\b(?:right now|at the moment|these days|each time|every time|which means|this means|that means|"
    r"as a result|due to|so (?:we|they|i|the|our|customers|staff|people)|keeps? \w+ing)\b",
    r"\b\d+(?:[.,]\d+)?\s*(?:%|percent|min|mins|minutes|hours?|hrs?|days?|weeks?|months?|times|calls|"
    r"tickets|orders|customers|people|k|£|€|\$)",
    r"[£€$]\s?\d",
)

# Phrases that open a request for a fix: "we need", "can we get", "it would be nice if" …
SOLUTION_OPENERS = (
    r"(?:we|i|you|they|the team|our team|the company|our company|everyone|the business|the office|"
    r"the shop|the store|the clinic|the school|it|this|staff|management|customers|users|clients|"
    r"our [\w-]+(?: [\w-]+)?)?\s*(?:really |urgently |just |definitely |seriously |probably |also |still )?"
    r"(?:need|needs|want|wants|would like|'d like|should|must|ought to|would love|'d love|wish|"
    r"require|requires|propose|suggest|recommend)\b(?! to (?:re-?\w+ |manually|wait|call|chase|check|"
    r"search|copy|phone|ask|type|enter|spend|log ?in|print|walk|drive|go ))",
    r"(?:please|pls|plz|kindly)\b",
    r"(?:let's|lets|let us)\b",
    r"(?:can|could|would|shall|should)\s+(?:we|you|i|they|the \w+)\s+(?:get|have|add|use|start|buy|build|"
    r"implement|try|move|switch|set|make|consider|introduce|adopt|create|offer|do|install|integrate|"
    r"put|give|automate|replace|upgrade|invest|hire|launch|roll|pilot)\b",
    r"(?:why (?:not|don't we|dont we))\b",
    r"(?:how about|what about|what if we|maybe we|perhaps we|it'?s time (?:to|we))\b",
    r"(?:it would be|it'd be|would be|wouldn't it be|it'll be)\s+(?:really |so |very )?(?:nice|great|good|"
    r"cool|awesome|helpful|useful|amazing|handy|ideal|better|best|beneficial|valuable)\b",
    r"(?:i|we)\s+(?:think|believe|feel)\s+(?:that )?(?:we|you)\s+(?:should|need|must|could)\b",
    r"(?:as an?|as the)\s+[\w\s/-]{1,40}?,?\s+i\s+(?:want|would like|need|'d like|wish)\b",
    r"(?:feature request|request|suggestion|proposal|idea|enhancement)\s*[:\-]",
    r"(?:there should be|there needs to be|we should have|we need to have|there must be)\b",
)

# Verbs that, opening a sentence, propose a fix.
SOLUTION_VERBS = """
    add adopt allow automate buy build centralise centralize configure connect consolidate create
    deploy develop digitise digitize digitalise digitalize embrace enable equip establish expand
    explore get give hire implement install integrate introduce invest launch leverage license make
    migrate modernise modernize move offer outsource pilot procure provide purchase put rebuild
    redesign replace revamp rewrite roll set standardise standardize start subscribe support switch
    sync trial try upgrade use utilise utilize containerise containerize do run hold organise
    organize
""".split()

# Technologies and products: as the subject of a sentence, they make it a solution.
TECH_TERMS = """
    ai artificial intelligence machine learning ml llm llms gpt chatgpt openai copilot genai
    generative ai chatbot chatbots bot bots blockchain nft nfts web3 crypto metaverse vr ar virtual
    reality augmented reality iot kubernetes k8s docker microservices serverless cloud aws azure gcp
    crm erp salesforce hubspot sap oracle netsuite zapier rpa robotic process automation automation
    slack teams jira linear notion confluence trello asana monday tableau power bi powerbi looker
    data lake data warehouse snowflake databricks api apis sso saml oauth mobile app app apps portal
    dashboard dashboards kiosk kiosks tablets ipads drones drone robot robots 5g wifi sharepoint
    dynamics quickbooks xero shopify wordpress react graphql postgres postgresql mongodb kafka redis
    terraform ansible predictive online push loyalty new
""".split()

# Things people build, buy or set up: a statement that names one and no pain is a solution.
THING_WORDS = frozenset(
    """
    app apps tool tools system platform portal widget dashboard programme program sensor sensors
    machine machines printer printers bot chatbot integration integrations feature module plugin
    button licence licences license licenses software hardware kiosk scanner scanners tablet tablets
    laptop laptops screen screens display website site page form template report policy training
    course workshop hackathon newsletter meeting sync booking calendar notification notifications
    export import mode theme view option setting settings checkout wizard api database spreadsheet
    intranet wiki database chat channel emails email sms alerts alert tracker tracking pilot
    """.split()
)

# Words with no specific content: buzzwords, generic nouns, filler.
VAGUE_WORDS = frozenset(
    """
    improve improved improves improving improvement improvements better best good great enhance
    enhanced enhancement optimize optimise optimized optimised optimization optimisation optimal
    streamline streamlined modernize modernise modernized modernised modern transform transformation
    transformational leverage boost increase increased decrease reduce maximize maximise minimize
    minimise grow growth scale scaling efficiency efficient effectiveness effective productivity
    productive performance quality experience experiences ux ui overall general generally stuff
    things thing everything something anything process processes workflow workflows system systems
    tool tools solution solutions platform synergy synergies innovation innovative innovate digital
    digitally strategy strategic alignment value values culture communication communications
    collaboration engagement engaged satisfaction cx operations operational business company
    organisation organization people level levels way ways across whole entire more less much many
    lot lots kind sort area areas aspect aspects side sides part parts approach approaches paradigm
    journey journeys touchpoint touchpoints next-level world-class best-in-class cutting-edge
    state-of-the-art seamless seamlessly holistic robust agile lean smart smarter future
    future-proof latest faster easier simpler cheaper bigger make making made get getting need needs
    want wants should could would can will let think help helps helpful excellence sustainable drive
    driven drives unit units current situation customer-centric data-driven centric full potential
    unlock empower competition ahead stay fast faster end higher lower high low bad worse terrible
    awful okay fine friendly just bit look idk tbh imo honestly maybe probably everyone everybody
    someone somebody anyone here there same time last see above below etc cost costs money
    """.split()
)


# GitHub issue-template boilerplate: not the writer's words.
TEMPLATE_PHRASES = (
    r"\*{0,2}is your feature request related to a problem\??\s*(?:please describe\.?)?\*{0,2}",
    r"\*{0,2}describe the (?:solution|feature|alternatives?)[^\n.?:]*[.?:]?\*{0,2}",
    r"\*{0,2}additional context\*{0,2}",
    r"a clear and concise description of what (?:the problem|you want to happen|the bug) is\.?",
    r"ex\. i'm always frustrated when \[\.\.\.\]",
    r"\*{0,2}describe the bug:?\*{0,2}",
)

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
