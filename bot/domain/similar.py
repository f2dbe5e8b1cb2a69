"""A problem's content words (stemmed, stop words out), stored with each idea as its `problem_key`.

Similar ideas are found by meaning since 0004: see bot/judgment/similar.py."""

from __future__ import annotations

import re

from bot.domain.words import STOP_WORDS, normalize

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
