"""Parse `/idea …` into what the person asked for (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.ideas import parse_ref


class Ask(StrEnum):
    """What a `/idea` invocation asks for."""

    SUBMIT = "submit"  # open the modal (text, if any, prefills the title)
    HELP = "help"
    LIST = "list"
    MINE = "mine"
    SEARCH = "search"
    SHOW = "show"
    MERGE = "merge"  # leads: merge one idea into another
    USAGE = "usage"  # a subcommand used wrongly: explain it
    UNKNOWN = "unknown"  # one word that looks like a subcommand we don't have


SUBCOMMANDS = ("help", "list", "mine", "search", "show", "merge")
_MERGE = re.compile(r"^(?P<source>\S+)\s+(?:into\s+|to\s+|->\s*)?(?P<target>\S+)$", re.IGNORECASE)
_WORD = re.compile(r"^[a-z][a-z-]{0,14}$")


@dataclass(frozen=True)
class SlashRequest:
    """A parsed `/idea` command."""

    ask: Ask
    text: str = ""  # the title to prefill, the search words, or the unknown word
    idea_id: int | None = None
    target_id: int | None = None  # MERGE: the idea to merge into
    usage: str = ""  # which subcommand's usage to show

    @property
    def words(self) -> list[str]:
        """The search words."""
        return self.text.split()


def parse_idea_command(text: str) -> SlashRequest:
    """Read the text after `/idea`.

    `help`, `list` and `mine` stand alone; `search WORDS`, `show IDEA-42` and
    `merge IDEA-7 into IDEA-3` take arguments.
    A single lowercase word that is not a subcommand is answered with help (it is almost always a
    mistyped subcommand); anything else is a title for a new idea.
    """
    cleaned = " ".join((text or "").split())
    if not cleaned:
        return SlashRequest(Ask.SUBMIT)
    head, _, rest = cleaned.partition(" ")
    word = head.lower()
    if word in ("help", "list", "mine") and not rest:
        return SlashRequest(Ask(word))
    if word == "?" and not rest:
        return SlashRequest(Ask.HELP)
    if word == "search":
        return SlashRequest(Ask.SEARCH, text=rest) if rest else SlashRequest(Ask.USAGE, usage="search")
    if word == "show":
        idea_id = parse_ref(rest)
        return SlashRequest(Ask.SHOW, idea_id=idea_id) if idea_id else SlashRequest(Ask.USAGE, usage="show")
    if word == "merge":
        match = _MERGE.match(rest)
        source = parse_ref(match.group("source")) if match else None
        target = parse_ref(match.group("target")) if match else None
        if source is None or target is None:
            return SlashRequest(Ask.USAGE, usage="merge")
        return SlashRequest(Ask.MERGE, idea_id=source, target_id=target)
    if not rest and _WORD.match(head):
        return SlashRequest(Ask.UNKNOWN, text=head)
    return SlashRequest(Ask.SUBMIT, text=cleaned)
