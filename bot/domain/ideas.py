"""Plain domain values shared by the gate, the store and the views (no Slack, no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where an idea is in the pipeline."""

    NEW = "new"
    NEEDS_PROBLEM = "needs_problem"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    PARKED = "parked"
    DECLINED = "declined"
    MERGED = "merged"

    @property
    def label(self) -> str:
        """Human label, e.g. "Needs problem"."""
        return _STATUS_LABELS[self]

    @property
    def emoji(self) -> str:
        """A Slack emoji code shown next to the label."""
        return _STATUS_EMOJI[self]


_STATUS_LABELS = {
    Status.NEW: "New",
    Status.NEEDS_PROBLEM: "Needs problem",
    Status.UNDER_REVIEW: "Under review",
    Status.ACCEPTED: "Accepted",
    Status.IN_PROGRESS: "In progress",
    Status.SHIPPED: "Shipped",
    Status.PARKED: "Parked",
    Status.DECLINED: "Declined",
    Status.MERGED: "Merged",
}
_STATUS_EMOJI = {
    Status.NEW: ":new:",
    Status.NEEDS_PROBLEM: ":question:",
    Status.UNDER_REVIEW: ":eyes:",
    Status.ACCEPTED: ":white_check_mark:",
    Status.IN_PROGRESS: ":hammer_and_wrench:",
    Status.SHIPPED: ":rocket:",
    Status.PARKED: ":parking:",
    Status.DECLINED: ":no_entry_sign:",
    Status.MERGED: ":twisted_rightwards_arrows:",
}


class Origin(StrEnum):
    """What sparked the idea: front-end (a problem) or back-end (a technology) driven."""

    PROBLEM = "problem"
    TECHNOLOGY = "technology"

    @property
    def label(self) -> str:
        """Human label for the radio button and the card tag."""
        return "A customer or business problem we saw" if self is Origin.PROBLEM else "A technology we want to use"

    @property
    def tag(self) -> str:
        """Short tag for cards and digests."""
        return "problem-first" if self is Origin.PROBLEM else "technology-first"


class Kind(StrEnum):
    """Invent something new, or adopt something that exists."""

    INVENT = "invent"
    ADOPT = "adopt"

    @property
    def label(self) -> str:
        """Human label for the radio button."""
        return "Invent something new" if self is Kind.INVENT else "Adopt something that exists"

    @property
    def tag(self) -> str:
        """Short tag for cards and digests."""
        return "invent" if self is Kind.INVENT else "adopt"


@dataclass(frozen=True)
class IdeaDraft:
    """What a person typed into the idea modal, already stripped."""

    title: str
    affected: str
    problem: str
    evidence: str = ""
    business_value: str = ""
    solution: str = ""
    origin: Origin | None = None
    kind: Kind | None = None


@dataclass(frozen=True)
class SourceMessage:
    """The Slack message an idea was captured from (message shortcut)."""

    channel: str
    ts: str


_REF_RE = re.compile(r"^\s*(?:idea)?[\s#-]*(\d{1,9})\s*$", re.IGNORECASE)


def idea_ref(idea_id: int) -> str:
    """The stable human reference of an idea, e.g. IDEA-42."""
    return f"IDEA-{idea_id}"


def parse_ref(text: str) -> int | None:
    """The idea id in "IDEA-42", "idea 42", "#42" or "42"; None if it is not a reference."""
    match = _REF_RE.match(text or "")
    return int(match.group(1)) if match else None
