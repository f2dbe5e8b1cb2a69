"""Find an existing idea that names the same problem in other words (rapidfuzz)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.problem import STOP_WORDS, normalize

# A candidate is "the same problem" at or above this score (0–100, token similarity of the content
# words of the problem statements). On tests/test_similar.py's pairs the same problem in other
# words scores 84–100 and a different problem on the same topic 28–58.
SIMILAR_SCORE = 72
# Below this many content words a text is too short to call anything similar to it.
MIN_CONTENT_WORDS = 4
# How many candidates the fast first pass hands to the finer score, and the share of words a
# candidate must share with the new problem to get there (true matches share well over half).
SHORTLIST = 10
FIRST_PASS_OVERLAP = 0.34

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
    """An existing idea to compare against: its id and the content words of its problem."""

    idea_id: int
    words: str  # `content_words(problem)`, stored with the idea so nothing is recomputed per search

    @classmethod
    def of(cls, idea_id: int, problem: str) -> Candidate:
        """A candidate from a problem statement."""
        return cls(idea_id=idea_id, words=content_words(problem))


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


class SimilarIndex:
    """Ideas' problem words in memory, searched for the same problem in other words.

    A first pass ranks every idea by the share of its words it has in common with the query —
    each word is a bit, each idea's words an integer, so an idea costs one AND and a bit count
    (microseconds for the whole index); only the `SHORTLIST` best are scored with `_score`.
    """

    def __init__(self, *, limit: int | None = None) -> None:
        self.words: dict[int, str] = {}  # in the order put: the oldest first
        self._masks: dict[int, int] = {}  # idea -> its words as bits (see `_bits`)
        self._sizes: dict[int, int] = {}  # idea -> how many distinct words it has
        self._bit: dict[str, int] = {}  # word -> its bit (words are never given back a bit)
        self.limit = limit  # at most this many ideas: putting one more forgets the oldest

    def __len__(self) -> int:
        return len(self.words)

    def _bits(self, tokens: set[str], *, add: bool) -> int:
        """The words as an integer with their bits set (unknown words get a bit when `add`)."""
        mask = 0
        for word in tokens:
            bit = self._bit.get(word)
            if bit is None and add:
                bit = self._bit[word] = len(self._bit)
            if bit is not None:
                mask |= 1 << bit
        return mask

    def put(self, idea_id: int, words: str) -> None:
        """Add or replace an idea's problem words (too-short ones are left out)."""
        tokens = set(words.split())
        if len(tokens) < MIN_CONTENT_WORDS:
            self.discard(idea_id)
            return
        self.words[idea_id] = words
        self._masks[idea_id] = self._bits(tokens, add=True)
        self._sizes[idea_id] = len(tokens)
        while self.limit is not None and len(self.words) > self.limit:
            self.discard(next(iter(self.words)))

    def discard(self, idea_id: int) -> None:
        """Forget an idea."""
        self.words.pop(idea_id, None)
        self._masks.pop(idea_id, None)
        self._sizes.pop(idea_id, None)

    def find(self, text: str, *, exclude_id: int | None = None) -> Match | None:
        """The idea naming the same problem as `text`, if any scores `SIMILAR_SCORE` or more."""
        query = content_words(text)
        tokens = set(query.split())
        if len(tokens) < MIN_CONTENT_WORDS:
            return None
        wanted, size, sizes = self._bits(tokens, add=False), len(tokens), self._sizes
        ranked = [
            (overlap, idea_id)
            for idea_id, mask in self._masks.items()
            if (overlap := (wanted & mask).bit_count() / min(size, sizes[idea_id])) >= FIRST_PASS_OVERLAP
            and idea_id != exclude_id
        ]
        ranked.sort(reverse=True)  # in C: faster than heapq.nlargest's Python loop over many ties
        best: Match | None = None
        for _, idea_id in ranked[:SHORTLIST]:
            score = _score(query, self.words[idea_id])
            if score >= SIMILAR_SCORE and (best is None or score > best.score):
                best = Match(idea_id=idea_id, score=round(score, 1))
        return best


def find_similar(text: str, candidates: Sequence[Candidate], *, exclude_id: int | None = None) -> Match | None:
    """The candidate naming the same problem as `text` (see `SimilarIndex.find`)."""
    index = SimilarIndex()
    for candidate in candidates:
        index.put(candidate.idea_id, candidate.words)
    return index.find(text, exclude_id=exclude_id)
