"""Triage: status moves, sponsors and partners, scores, support, restated problems, merges, history.

Each change runs once per Slack delivery (`key`, remembered in `processed_keys`) and owes Slack
what it means (the card refreshed, a thread reply, direct messages) in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.ideas import Status, idea_ref
from bot.domain.similar import content_words
from bot.domain.triage import WAITING, check_move
from models.records import ALREADY_DONE, ALREADY_SUPPORTED, ActivityNotice, Change, GateFlags, OutboxKind, Role
from models.store.base import StoreBase
from models.store.outbox import enqueue, refresh_card
from models.tables import Activity, Idea, ProcessedKey, Score, Support, utcnow


def seen(session: Session, key: str | None) -> bool:
    """True if `key` was applied before; otherwise remember it in this transaction."""
    if not key:
        return False
    if session.get(ProcessedKey, key) is not None:
        return True
    session.add(ProcessedKey(key=key))
    return False


def _notify(
    session: Session,
    *,
    idea: Idea,
    activity: Activity,
    thread: bool = True,
    dms: Sequence[tuple[str, str]] = (),
) -> None:
    """Owe Slack what a change means: the card refreshed, a thread reply, direct messages."""
    assert idea.id is not None and activity.id is not None
    refresh_card(session, idea.id)
    if thread:
        enqueue(session, kind=OutboxKind.THREAD, idea_id=idea.id, payload={"activity": activity.id})
    sent: set[str] = set()
    for user, role in dms:
        if user and user not in sent:
            sent.add(user)
            payload = {"activity": activity.id, "user": user, "role": role}
            enqueue(session, kind=OutboxKind.DM, idea_id=idea.id, payload=payload)


def _move(session: Session, idea: Idea, *, actor_id: str, to_status: str, reason: str) -> Activity:
    """Move an idea to `to_status` in the session, with its activity (the caller checked the move)."""
    assert idea.id is not None
    now = utcnow()
    activity = Activity(
        idea_id=idea.id,
        actor_id=actor_id,
        action="status",
        from_value=idea.status,
        to_value=to_status,
        reason=reason,
        created_at=now,
    )
    idea.status = to_status
    idea.status_changed_at = idea.updated_at = now
    session.add(activity)
    session.add(idea)
    return activity


class TriageStore(StoreBase):
    """Triage decisions and what is read around them."""

    async def _apply(self, *, idea_id: int, key: str | None, change: Callable[[Session, Idea], Change]) -> Change:
        """Run a triage `change` on one idea in a write transaction, once per delivery `key`."""

        def apply(session: Session) -> Change:
            if seen(session, key):
                return ALREADY_DONE
            idea = session.get(Idea, idea_id)
            if idea is None:
                return Change(False, message=f"There is no {idea_ref(idea_id)}.")
            return change(session, idea)

        try:
            return await self._transact(apply)
        except IntegrityError:  # a concurrent delivery of the same key won the race
            return ALREADY_DONE

    async def change_status(
        self, *, idea_id: int, actor_id: str, to_status: str, reason: str = "", key: str | None = None
    ) -> Change:
        """Move an idea to `to_status` (if the move is allowed), recording who, why and when."""

        def change(session: Session, idea: Idea) -> Change:
            check = check_move(idea.status, to_status)
            if not check.allowed:
                return Change(False, idea, message=f"{idea_ref(idea_id)}: {check.message}")
            activity = _move(session, idea, actor_id=actor_id, to_status=to_status, reason=reason)
            session.flush()
            _notify(session, idea=idea, activity=activity, dms=[(idea.submitter_id, Role.SUBMITTER)])
            return Change(True, idea, activity_id=activity.id)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    async def assign(
        self, *, idea_id: int, actor_id: str, sponsor_id: str | None, partner_id: str | None, key: str | None = None
    ) -> Change:
        """Set the business sponsor and/or the tech partner (None leaves one as it is)."""

        def change(session: Session, idea: Idea) -> Change:
            before = {"sponsor": idea.sponsor_id, "partner": idea.partner_id}
            after = {
                "sponsor": before["sponsor"] if sponsor_id is None else sponsor_id,
                "partner": before["partner"] if partner_id is None else partner_id,
            }
            if after == before:
                return Change(False, idea, message=f"{idea_ref(idea_id)} already has that sponsor and partner.")
            idea.sponsor_id, idea.partner_id = after["sponsor"], after["partner"]
            idea.updated_at = utcnow()
            activity = Activity(
                idea_id=idea_id,
                actor_id=actor_id,
                action="assign",
                from_value=json.dumps(before),
                to_value=json.dumps(after),
            )
            session.add_all([idea, activity])
            session.flush()
            dms = [(idea.submitter_id, Role.SUBMITTER)]
            if after["sponsor"] != before["sponsor"]:
                dms.append((after["sponsor"], Role.SPONSOR))
            if after["partner"] != before["partner"]:
                dms.append((after["partner"], Role.PARTNER))
            _notify(session, idea=idea, activity=activity, dms=dms)
            return Change(True, idea, activity_id=activity.id)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    async def score(
        self,
        *,
        idea_id: int,
        lead_id: str,
        customer_value: int,
        strategic_fit: int,
        feasibility: int,
        key: str | None = None,
    ) -> Change:
        """Record a lead's 1–5 scores (a lead's new scores replace their earlier ones)."""
        values = {"customer_value": customer_value, "strategic_fit": strategic_fit, "feasibility": feasibility}

        def change(session: Session, idea: Idea) -> Change:
            query = select(Score).where(Score.idea_id == idea_id, Score.lead_id == lead_id)
            existing = (session.exec(query)).first()
            before = ""
            if existing is None:
                session.add(Score(idea_id=idea_id, lead_id=lead_id, **values))
            else:
                before = json.dumps({k: getattr(existing, k) for k in values})
                for name, value in values.items():
                    setattr(existing, name, value)
                existing.created_at = utcnow()
                session.add(existing)
            activity = Activity(
                idea_id=idea_id, actor_id=lead_id, action="score", from_value=before, to_value=json.dumps(values)
            )
            session.add(activity)
            session.flush()
            _notify(session, idea=idea, activity=activity, dms=[(idea.submitter_id, Role.SUBMITTER)])
            return Change(True, idea, activity_id=activity.id)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    async def score_of(self, *, idea_id: int, lead_id: str) -> Score | None:
        """A lead's current scores for an idea."""
        async with self._reading() as session:
            query = select(Score).where(Score.idea_id == idea_id, Score.lead_id == lead_id)
            return (await session.exec(query)).first()

    async def set_support(self, *, idea_id: int, user_id: str, on: bool, via: str, key: str | None = None) -> Change:
        """Add (on) or take back (off) one person's support; one per person, however given."""

        def change(session: Session, idea: Idea) -> Change:
            if idea.status == Status.MERGED and on:
                return Change(False, idea, message=f"{idea_ref(idea_id)} was merged; support the idea it went to.")
            query = select(Support).where(Support.idea_id == idea_id, Support.user_id == user_id)
            existing = (session.exec(query)).first()
            if on == (existing is not None):
                return Change(False, idea, message=ALREADY_SUPPORTED if on else "You weren't supporting it.")
            if on:
                session.add(Support(idea_id=idea_id, user_id=user_id, via=via))
            else:
                session.delete(existing)
            refresh_card(session, idea_id)
            return Change(True, idea)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    async def restate_problem(
        self, *, idea_id: int, actor_id: str, affected: str, problem: str, flags: GateFlags, key: str | None = None
    ) -> Change:
        """Replace a needs-problem idea's problem (the old wording stays in history); back to New."""

        def change(session: Session, idea: Idea) -> Change:
            if idea.status != Status.NEEDS_PROBLEM:
                label = Status(idea.status).label if idea.status in Status._value2member_map_ else idea.status
                return Change(
                    False,
                    idea,
                    message=f"{idea_ref(idea_id)} is {label} now: it no longer waits for a restated problem.",
                )
            restate = Activity(
                idea_id=idea_id,
                actor_id=actor_id,
                action="restate",
                from_value=json.dumps({"affected": idea.affected, "problem": idea.problem}),
                to_value=json.dumps({"affected": affected, "problem": problem}),
            )
            idea.affected, idea.problem, idea.problem_key = affected, problem, content_words(problem)
            idea.problem_is_solution, idea.problem_is_vague = flags.problem_is_solution, flags.problem_is_vague
            idea.gate_quote = flags.quote
            session.add(restate)
            _move(session, idea, actor_id=actor_id, to_status=Status.NEW, reason="the problem was restated")
            session.flush()
            _notify(session, idea=idea, activity=restate)
            return Change(True, idea, activity_id=restate.id)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    async def merge(self, *, source_id: int, target_id: int, actor_id: str, key: str | None = None) -> Change:
        """Merge one idea into another: supporters combined (each person once), both told."""
        if source_id == target_id:
            return Change(False, message="An idea can't be merged into itself.")

        def change(session: Session, source: Idea) -> Change:
            target = session.get(Idea, target_id)
            if target is None:
                return Change(False, source, message=f"There is no {idea_ref(target_id)}.")
            if source.status == Status.MERGED:
                into = idea_ref(source.merged_into_id) if source.merged_into_id else "another idea"
                return Change(False, source, message=f"{idea_ref(source_id)} was already merged into {into}.")
            if target.status == Status.MERGED:
                return Change(
                    False, source, message=f"{idea_ref(target_id)} was itself merged; merge into the idea it went to."
                )
            supporters = set((session.exec(select(Support.user_id).where(Support.idea_id == target_id))).all())
            for support in (session.exec(select(Support).where(Support.idea_id == source_id))).all():
                if support.user_id not in supporters:
                    supporters.add(support.user_id)
                    session.add(Support(idea_id=target_id, user_id=support.user_id, via="merge"))
            source.merged_into_id = target_id
            moved = _move(
                session, source, actor_id=actor_id, to_status=Status.MERGED, reason=f"merged into {idea_ref(target_id)}"
            )
            merged_in = Activity(idea_id=target_id, actor_id=actor_id, action="merged_in", from_value=str(source_id))
            target.updated_at = utcnow()
            session.add_all([merged_in, target])
            session.flush()
            _notify(session, idea=source, activity=moved, dms=[(source.submitter_id, Role.SUBMITTER)])
            _notify(session, idea=target, activity=merged_in, dms=[(target.submitter_id, Role.SUBMITTER)])
            return Change(True, source, activity_id=moved.id)

        return await self._apply(idea_id=source_id, key=key, change=change)

    async def triage_queue(self, *, limit: int = 25) -> list[Idea]:
        """Ideas waiting for a triage decision (new and needs-problem), oldest first."""
        async with self._reading() as session:
            query = (
                select(Idea).where(col(Idea.status).in_([s.value for s in WAITING])).order_by(col(Idea.id)).limit(limit)
            )
            return list((await session.exec(query)).all())

    async def history(self, *, idea_id: int, limit: int = 5) -> list[Activity]:
        """An idea's latest activities, newest first."""
        async with self._reading() as session:
            query = (
                select(Activity)
                .where(Activity.idea_id == idea_id)
                .order_by(col(Activity.created_at).desc(), col(Activity.id).desc())
                .limit(limit)
            )
            return list((await session.exec(query)).all())

    async def activity_notice(self, *, activity_id: int) -> ActivityNotice | None:
        """An activity, its idea, and for a merge the other idea."""
        async with self._reading() as session:
            activity = await session.get(Activity, activity_id)
            if activity is None:
                return None
            idea = await session.get(Idea, activity.idea_id)
            if idea is None:
                return None
            other = None
            if activity.action == "merged_in" and activity.from_value.isdigit():
                other = await session.get(Idea, int(activity.from_value))
            elif activity.to_value == Status.MERGED and idea.merged_into_id:
                other = await session.get(Idea, idea.merged_into_id)
        return ActivityNotice(activity=activity, idea=idea, other=other)

    async def forget_processed(self, *, before: datetime) -> int:
        """Forget deliveries applied before `before` (Slack redelivers within minutes); how many."""

        def forget(session: Session) -> int:
            result = session.exec(delete(ProcessedKey).where(col(ProcessedKey.received_at) < before))
            return int(result.rowcount or 0)

        return await self._transact(forget)
