"""The dependencies listeners receive through the Bolt context, by the name `deps`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.listener_work import Ack, ListenerWork
from bot.runtime.leads import LeadDirectory
from bot.runtime.rewrite import Rewriter
from bot.runtime.same_problem import SameProblemJudge
from models.store import Store
from models.tables import utcnow


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class OutboxBell:
    """How a listener tells whoever delivers that the store now owes Slack a message.

    The message itself is already a row (written with the change that caused it); ringing only
    makes the worker in this process look now instead of at its next poll (bot/delivery/outbox/). With
    DELIVERY=external nobody here delivers and ringing does nothing: `ideabot deliver` polls.
    """

    wake: Callable[[], None] = _nothing

    def notify(self) -> None:
        """Something was written to the outbox: deliver it now."""
        self.wake()


@dataclass
class Deps:
    """What listeners need: settings, the store, who leads triage, the outbox's bell, a clock, and a
    count of the listeners working (for a graceful shutdown)."""

    settings: Settings
    store: Store
    leads: LeadDirectory
    outbox: OutboxBell = field(default_factory=OutboxBell)
    clock: Callable[[], datetime] = utcnow
    # (view id, problem fingerprint) coached in this process; the store remembers them durably.
    coached: set[tuple[str, str]] = field(default_factory=set)
    rewriter: Rewriter | None = None  # a language model's suggested wording (LLM_* settings), or none
    similar_judge: SameProblemJudge | None = None  # …its look at similar ideas (LLM_SIMILAR_IDEAS), or none
    listeners: ListenerWork = field(default_factory=ListenerWork)

    def work(self, ack: Ack | None = None) -> contextlib.AbstractAsyncContextManager[Ack]:
        """A listener's whole body runs in this: `async with deps.work(ack) as ack:` (bot/listener_work.py)."""
        return self.listeners.work(ack)

    def remember_coached(self, view_id: str, fingerprint: str) -> None:
        """Remember a coached problem text in memory (bounded: the store keeps them all)."""
        if len(self.coached) >= 10_000:
            self.coached.clear()
        self.coached.add((view_id, fingerprint))
