"""The shiny-object rule (pure): ideas that start from a technology and state no business need.

`check_shiny(idea)` returns whether an idea is a shiny object and *why*, in words a leader
understands. An idea is a shiny object when it **states no business need** (no business value,
or only a content-free one like "improve efficiency") **and** it **starts from a technology**:
the submitter said so, or its problem names a solution and a technology is what the idea is
about ("we need a blockchain", "move to TypeScript"; `TECHNOLOGIES`). A problem that names a
solution and no technology ("please add dark mode") is a feature request: the card already
flags that it reads like a solution, and on real ideas counting those as shiny flagged a third
of everything (`bench/shiny.py`). The other reasons — nobody affected named, no evidence — are
reported too, so a leader sees everything that is thin about an idea, but on their own they
don't make it shiny.

Word lists and thresholds live here; `tests/unit/test_shiny.py` checks the rule on a labelled set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.ideas import Origin
from bot.domain.problem import Verdict, fold, judge_problem, read_problem

# What people write in "who has the problem?" when they name nobody in particular.
NOBODY = frozenset(
    (
        "everyone",
        "everybody",
        "anyone",
        "anybody",
        "all",
        "all of us",
        "people",
        "users",
        "the users",
        "user",
        "staff",
        "the company",
        "company",
        "us",
        "we",
        "the business",
        "business",
        "n/a",
        "na",
        "none",
        "nobody",
        "-",
        "--",
        "?",
        "tbd",
        "tbc",
        "idk",
        "unknown",
        "everything",
        "all staff",
    )
)
# What makes an idea that names a solution start from a technology: the technology, tool or
# product it is about. Whole words, any case. Chosen on half the real texts and measured on the
# other half (`bench/shiny.py`); words with an everyday meaning in business writing are left out
# ("ar" is accounts receivable, "containers" are shipped, "notion" and "linear" are words).
TECHNOLOGIES = (
    # AI and the like
    "ai", "a.i.", "artificial intelligence", "machine learning", "ml", "llm", "llms", "gpt", "chatgpt",
    "openai", "copilot", "chatbot", "chatbots", "chat bot", "chat bots", "neural network",
    "deep learning", "computer vision", "generative",
    # the next big things
    "blockchain", "blockchains", "crypto", "cryptocurrency", "nft", "nfts", "web3", "smart contract",
    "smart contracts", "metaverse", "vr", "virtual reality", "augmented reality", "iot",
    "drone", "drones", "rfid", "5g", "quantum",
    # platforms and infrastructure
    "kubernetes", "k8s", "docker", "dockerfile", "helm", "microservice",
    "microservices", "serverless", "aws", "azure", "gcp", "terraform", "ci/cd",
    # languages, interfaces, databases
    "typescript", "rust", "golang", "graphql", "grpc", "api", "apis", "rest api", "sdk", "xml",
    "database", "databases", "postgres", "postgresql", "mysql", "mongodb", "redis",
    "elasticsearch", "kafka", "data lake", "data warehouse", "snowflake",
    # products and tool categories
    "salesforce", "hubspot", "xero", "quickbooks", "zapier", "airtable", "power bi",
    "tableau", "power automate", "sharepoint", "sap", "crm", "erp", "sso", "saml", "oauth", "ldap",
    "ipad", "ipads", "macbook", "macbooks", "webhook", "webhooks", "jira", "slack",
    "microsoft teams", "ms teams", "gps", "utm",
)  # fmt: skip
_TECHNOLOGY = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in sorted(TECHNOLOGIES, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
# A business value needs a number, or this many words and this many specific ones (not buzzwords).
MIN_VALUE_WORDS = 3
MIN_SPECIFIC_WORDS = 2


@dataclass(frozen=True)
class ShinyInput:
    """The parts of an idea the rule reads."""

    origin: str
    problem: str
    affected: str
    business_value: str
    evidence: str
    problem_is_solution: bool = False
    gate_quote: str = ""
    title: str = ""
    solution: str = ""

    @classmethod
    def of(cls, idea: object) -> ShinyInput:
        """The rule's input from anything with these fields as attributes (a stored idea)."""
        return cls(**{name: getattr(idea, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ShinyVerdict:
    """Whether an idea is a shiny object, and every reason a leader should see."""

    is_shiny: bool
    reasons: tuple[str, ...]


def states_business_need(business_value: str) -> bool:
    """True when the business value says something specific (not "improve efficiency")."""
    text = fold(business_value)
    if not text:
        return False
    reading = read_problem(text)
    if reading.has_number:
        return True
    # Pain words count here: "fewer chargebacks" is a specific business need.
    specific = reading.concrete_words + len(reading.strong_cues)
    return reading.words >= MIN_VALUE_WORDS and specific >= MIN_SPECIFIC_WORDS


def named_technology(*texts: str) -> str:
    """The first technology `TECHNOLOGIES` finds in the texts, as written there; "" for none."""
    for text in texts:
        found = _TECHNOLOGY.search(fold(text))
        if found:
            return found.group(0)
    return ""


def _technology_of(idea: ShinyInput) -> str:
    return named_technology(idea.title, idea.problem, idea.solution)


def _quote(text: str, limit: int = 60) -> str:
    text = fold(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_shiny(idea: ShinyInput) -> bool:
    """`check_shiny(idea).is_shiny`, without the reasons: the learned verdict on the problem is
    asked only when the answer turns on it (the digest's trend checks thousands of ideas)."""
    if states_business_need(fold(idea.business_value)):
        return False
    if idea.origin == Origin.TECHNOLOGY:
        return True
    if not _technology_of(idea):
        return False
    return idea.problem_is_solution or judge_problem(idea.problem).verdict is Verdict.SOLUTION


def check_shiny(idea: ShinyInput) -> ShinyVerdict:
    """Apply the shiny-object rule; the reasons come in a fixed, readable order."""
    reasons: list[str] = []
    from_technology = idea.origin == Origin.TECHNOLOGY
    if from_technology:
        reasons.append("started from a technology")

    value = fold(idea.business_value)
    need = states_business_need(value)
    if not value:
        reasons.append("no business value stated")
    elif not need:
        reasons.append(f"only a vague business value (“{_quote(value)}”)")

    names_solution = idea.problem_is_solution or judge_problem(idea.problem).verdict is Verdict.SOLUTION
    if names_solution:
        quote = idea.gate_quote or read_problem(idea.problem).solution_quote or idea.problem
        reasons.append(f"the problem names a solution: “{_quote(quote)}”")
    technology = _technology_of(idea) if names_solution and not from_technology else ""
    if technology:
        reasons.append(f"starts from a technology (“{technology}”)")

    affected = fold(idea.affected).lower().strip(" .!")
    if not affected or affected in NOBODY:
        reasons.append("no one affected named")
    if not fold(idea.evidence):
        reasons.append("no evidence")

    return ShinyVerdict(is_shiny=not need and (from_technology or bool(technology)), reasons=tuple(reasons))
