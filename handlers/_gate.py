"""The problem gate at a modal's submit: refuse, coach once, or let through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.deps import Deps
from bot.domain.problem import GateResult, problem_fingerprint
from bot.listener_work import Ack


async def passes_gate(
    ack: Ack,
    deps: Deps,
    *,
    view_id: str,
    problem: str,
    gate: GateResult,
    extra_errors: dict[str, str] | None = None,
    after_coaching: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """False after answering the modal with inline errors; True when the idea may be stored.

    Hard errors always stop. Coaching stops the first submit of a text; the same text submitted
    again from the same modal passes (flagged by the caller). The memory of what was coached is
    kept in this process before the ack and in the database after it, so no write delays the ack.
    `after_coaching` runs once the coaching is shown (Slack has its answer by then).
    """
    errors = {**(extra_errors or {}), **gate.errors}
    if errors:
        await ack(response_action="errors", errors=errors)
        return False
    if not gate.coaching:
        return True
    fingerprint = problem_fingerprint(problem)
    if view_id and (
        (view_id, fingerprint) in deps.coached or await deps.store.was_coached(view_id=view_id, fingerprint=fingerprint)
    ):
        return True
    if view_id:
        deps.remember_coached(view_id, fingerprint)
    await ack(response_action="errors", errors=gate.coaching)
    if view_id:
        await deps.store.remember_coaching(view_id=view_id, fingerprint=fingerprint)
    if after_coaching is not None:
        await after_coaching()
    return False
