"""Find an existing idea that names the same problem in other words (rapidfuzz)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.problem import STOP_WORDS, normalize

# A candidate is "the same problem" at or above this score (0–100, token similarity of the content
# words of the problem statements). On tests/test_similar.py's pairs the same problem in other
# words scores 84–100 and a different problem on the same topic 28–58.
SIMILAR_SCORE = 72
# Below this many content words a text is too short to call anything similar to it.
MIN_CONTENT_WORDS = 4

# Words that say nothing about which problem it is.
_FILLER = frozenset("because after before cannot can't get gets got first every also really about around some".split())
# Irregular forms that matter in problem statements.
_IRREGULAR = {
    "paid": "pay",
    "lost": "lose",
    "spent": "spend",
    "sent": "send",
    "took": "take",
    "left": "leave",
    "got": "get",
    "went": "go",
    "came": "come",
    "kept": "keep",
    "made": "make",
    "told": "tell",
}


@dataclass(frozen=True)
class Candidate:
    """An existing idea to compare against."""

    idea_id: int
    text: str  # the problem statement


@dataclass(frozen=True)
class Match:
    """The most similar existing idea and how similar it is."""

    idea_id: int
    score: float


def _stem(word: str) -> str:
    """A light English stemmer: enough that "invoices", "invoicing" and "invoice" meet."""
    word = _IRREGULAR.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            return word.rstrip("e")
    return word.rstrip("e") if len(word) > 4 else word


def content_words(text: str) -> str:
    """The distinct stemmed content words of a text, space separated, for comparison."""
    words = re.findall(r"[a-z0-9]+", normalize(text))
    stems = (_stem(w) for w in words if w not in STOP_WORDS and w not in _FILLER and len(w) > 2)
    return " ".join(dict.fromkeys(stems))


def _score(a: str, b: str, **_: object) -> float:
    """Similarity of two content-word strings: token-set ratio, damped when one is a tiny subset."""
    if not a or not b:
        return 0.0
    set_a, set_b = set(a.split()), set(b.split())
    overlap = len(set_a & set_b) / max(1, min(len(set_a), len(set_b)))
    if overlap < 0.5:
        return min(fuzz.token_sort_ratio(a, b), fuzz.token_set_ratio(a, b) * 0.8)
    return max(fuzz.token_sort_ratio(a, b), fuzz.token_set_ratio(a, b) * (0.6 + 0.4 * overlap))


def find_similar(text: str, candidates: Sequence[Candidate], *, exclude_id: int | None = None) -> Match | None:
    """The candidate naming the same problem as `text`, if any scores `SIMILAR_SCORE` or more."""
    query = content_words(text)
    if len(query.split()) < MIN_CONTENT_WORDS:
        return None
    choices: dict[int, str] = {}
    for candidate in candidates:
        words = content_words(candidate.text)
        if candidate.idea_id != exclude_id and len(words.split()) >= MIN_CONTENT_WORDS:
            choices[candidate.idea_id] = words
    if not choices:
        return None
    best = process.extractOne(query, choices, scorer=_score, score_cutoff=SIMILAR_SCORE)
    if best is None:
        return None
    _, score, idea_id = best
    return Match(idea_id=idea_id, score=round(score, 1))
