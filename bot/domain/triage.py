"""Triage rules (pure): which status moves are allowed, and what a decision needs."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.ideas import Status

# Where an idea may go from each status. `new` is reached from `needs_problem` by the submitter
# restating the problem (or by a lead); `merged` only by merging.
MOVES: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.NEEDS_PROBLEM, Status.UNDER_REVIEW, Status.ACCEPTED, Status.PARKED, Status.DECLINED}),
    Status.NEEDS_PROBLEM: frozenset({Status.NEW, Status.UNDER_REVIEW, Status.ACCEPTED, Status.PARKED, Status.DECLINED}),
    Status.UNDER_REVIEW: frozenset({Status.NEEDS_PROBLEM, Status.ACCEPTED, Status.PARKED, Status.DECLINED}),
    Status.ACCEPTED: frozenset({Status.UNDER_REVIEW, Status.IN_PROGRESS, Status.PARKED, Status.DECLINED}),
    Status.IN_PROGRESS: frozenset({Status.ACCEPTED, Status.SHIPPED, Status.PARKED}),
    Status.SHIPPED: frozenset({Status.IN_PROGRESS}),
    Status.PARKED: frozenset({Status.NEEDS_PROBLEM, Status.UNDER_REVIEW, Status.ACCEPTED, Status.DECLINED}),
    Status.DECLINED: frozenset({Status.UNDER_REVIEW}),
    Status.MERGED: frozenset(),
}

# Decisions whose reason is required (the submitter deserves to know why).
REASON_REQUIRED = frozenset({Status.DECLINED, Status.PARKED, Status.NEEDS_PROBLEM})

# Statuses that still wait for a triage decision.
WAITING = (Status.NEW, Status.NEEDS_PROBLEM)
# Statuses that count as "triaged" in the digest (a decision was taken).
DECIDED = frozenset(
    {Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.SHIPPED, Status.PARKED, Status.DECLINED}
)
CLOSED = frozenset({Status.SHIPPED, Status.DECLINED, Status.MERGED})
# Moves that count as a lead's triage decision in the digest ("needs a clearer problem" included).
TRIAGE_DECISIONS = DECIDED | {Status.NEEDS_PROBLEM}

SCORE_MIN, SCORE_MAX = 1, 5


@dataclass(frozen=True)
class MoveCheck:
    """Whether a status move is allowed, and if not, why (in words a lead reads)."""

    allowed: bool
    message: str = ""
    no_op: bool = False  # already there: nothing to do, and nothing wrong


def check_move(current: str, target: str) -> MoveCheck:
    """Can an idea in `current` move to `target`?"""
    try:
        now, to = Status(current), Status(target)
    except ValueError:
        return MoveCheck(False, f"“{target}” is not a status ideabot knows.")
    if now is to:
        return MoveCheck(False, f"It is already {to.label}.", no_op=True)
    if now is Status.MERGED:
        return MoveCheck(False, "It was merged into another idea; triage that one instead.")
    if to not in MOVES[now]:
        allowed = ", ".join(s.label for s in sorted(MOVES[now], key=list(Status).index)) or "nothing"
        return MoveCheck(
            False, f"An idea can't go from {now.label} to {to.label}. From {now.label} it can go to: {allowed}."
        )
    return MoveCheck(True)
