"""The store: the only code that opens database sessions.

One short session per method; `expire_on_commit=False` so returned rows are plain data; writes
begin with `BEGIN IMMEDIATE` on SQLite (see models.db). Every message the bot owes Slack is
written to the outbox in the same transaction as the change that causes it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import IdeaDraft, SourceMessage, Status
from models.db import create_engine, writer
from models.tables import (
    Activity,
    CoachedDraft,
    Idea,
    OutboxItem,
    Score,
    Support,
    utcnow,
)


class OutboxKind:
    """What an outbox item asks the worker to do."""

    CARD = "card"  # post the idea's card, or update it in place once posted
    RECEIPT = "receipt"  # DM the submitter a receipt with a link to the card


@dataclass(frozen=True)
class GateFlags:
    """What the problem gate flagged on an accepted idea."""

    problem_is_solution: bool = False
    problem_is_vague: bool = False
    quote: str = ""


@dataclass(frozen=True)
class CardData:
    """Everything an idea's card shows, read in one go."""

    idea: Idea
    supporters: int
    score_average: float | None
    score_count: int
    similar: Idea | None
    merged_into: Idea | None


class Store:
    """Async, keyword-only access to ideabot's tables."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._read = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(writer(engine), class_=AsyncSession, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Store:
        """A store on a new engine for `url` (call `close()` when done)."""
        return cls(create_engine(url))

    async def create_schema(self) -> None:
        """Create any missing tables."""
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        async with self._write() as session, session.begin():
            yield session

    # --- ideas ----------------------------------------------------------------------------

    async def add_idea(
        self,
        *,
        draft: IdeaDraft,
        submitter_id: str,
        view_id: str | None,
        flags: GateFlags,
        source: SourceMessage | None = None,
        similar_to_id: int | None = None,
    ) -> tuple[Idea, bool]:
        """Store a submitted idea with its history and owed messages; (idea, created).

        A second delivery of the same view submission returns the stored idea, unchanged.
        """
        if view_id:
            existing = await self.idea_by_view(view_id=view_id)
            if existing is not None:
                return existing, False
        now = utcnow()
        idea = Idea(
            title=draft.title,
            affected=draft.affected,
            problem=draft.problem,
            evidence=draft.evidence,
            business_value=draft.business_value,
            solution=draft.solution,
            origin=(draft.origin or "problem"),
            kind=(draft.kind or "invent"),
            submitter_id=submitter_id,
            status=Status.NEW,
            problem_is_solution=flags.problem_is_solution,
            problem_is_vague=flags.problem_is_vague,
            gate_quote=flags.quote,
            similar_to_id=similar_to_id,
            source_channel=source.channel if source else "",
            source_ts=source.ts if source else "",
            view_id=view_id or None,
            created_at=now,
            updated_at=now,
            status_changed_at=now,
        )
        try:
            async with self._writing() as session:
                session.add(idea)
                await session.flush()
                assert idea.id is not None
                session.add(Activity(idea_id=idea.id, actor_id=submitter_id, action="created", to_value=Status.NEW))
                self._enqueue(session, kind=OutboxKind.CARD, idea_id=idea.id)
                self._enqueue(session, kind=OutboxKind.RECEIPT, idea_id=idea.id)
        except IntegrityError:
            if view_id:
                existing = await self.idea_by_view(view_id=view_id)
                if existing is not None:
                    return existing, False
            raise
        return idea, True

    async def idea_by_view(self, *, view_id: str) -> Idea | None:
        """The idea submitted from this Slack view, if any."""
        async with self._reading() as session:
            return (await session.exec(select(Idea).where(Idea.view_id == view_id))).first()

    async def get_idea(self, *, idea_id: int) -> Idea | None:
        """One idea by id."""
        async with self._reading() as session:
            return await session.get(Idea, idea_id)

    async def recent_ideas(self, *, limit: int = 10) -> list[Idea]:
        """The newest ideas, merged ones left out."""
        async with self._reading() as session:
            query = select(Idea).where(Idea.status != Status.MERGED).order_by(col(Idea.id).desc()).limit(limit)
            return list((await session.exec(query)).all())

    async def ideas_by_submitter(self, *, user_id: str, limit: int = 20) -> list[Idea]:
        """A person's own ideas, newest first."""
        async with self._reading() as session:
            query = select(Idea).where(Idea.submitter_id == user_id).order_by(col(Idea.id).desc()).limit(limit)
            return list((await session.exec(query)).all())

    async def search_ideas(self, *, words: Sequence[str], limit: int = 10) -> list[Idea]:
        """Ideas whose text contains every word (case-insensitive), newest first."""
        fields = (Idea.title, Idea.problem, Idea.affected, Idea.solution, Idea.business_value, Idea.evidence)
        conditions = []
        for word in words[:8]:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(or_(*(col(f).ilike(pattern, escape="\\") for f in fields)))
        async with self._reading() as session:
            query = (
                select(Idea)
                .where(and_(*conditions), Idea.status != Status.MERGED)
                .order_by(col(Idea.id).desc())
                .limit(limit)
            )
            return list((await session.exec(query)).all())

    async def similar_candidates(self, *, limit: int = 2000) -> list[tuple[int, str]]:
        """(id, problem) of the newest open ideas, to look for duplicates."""
        closed = (Status.MERGED, Status.DECLINED)
        async with self._reading() as session:
            query = (
                select(Idea.id, Idea.problem)
                .where(col(Idea.status).not_in(closed))
                .order_by(col(Idea.id).desc())
                .limit(limit)
            )
            rows = (await session.exec(query)).all()
        return [(row[0], row[1]) for row in rows]

    async def card_data(self, *, idea_id: int) -> CardData | None:
        """The idea and the counts its card shows."""
        async with self._reading() as session:
            idea = await session.get(Idea, idea_id)
            if idea is None:
                return None
            supporters = (
                await session.exec(select(func.count()).select_from(Support).where(Support.idea_id == idea_id))
            ).one()
            score_row = (
                await session.exec(
                    select(
                        func.avg((Score.customer_value + Score.strategic_fit + Score.feasibility) / 3.0),
                        func.count(),
                    ).where(Score.idea_id == idea_id)
                )
            ).one()
            similar = await session.get(Idea, idea.similar_to_id) if idea.similar_to_id else None
            merged = await session.get(Idea, idea.merged_into_id) if idea.merged_into_id else None
        average = float(score_row[0]) if score_row[0] is not None else None
        return CardData(
            idea=idea,
            supporters=int(supporters),
            score_average=average,
            score_count=int(score_row[1]),
            similar=similar,
            merged_into=merged,
        )

    async def record_card(self, *, idea_id: int, item_id: int, channel: str, ts: str) -> None:
        """The card was posted: remember where, and mark its outbox item sent, together."""
        async with self._writing() as session:
            await session.exec(update(Idea).where(col(Idea.id) == idea_id).values(card_channel=channel, card_ts=ts))
            await self._mark_sent(session, item_id=item_id, channel=channel, ts=ts, now=utcnow())

    async def set_card_permalink(self, *, idea_id: int, permalink: str) -> None:
        """Remember the permalink of an idea's card."""
        async with self._writing() as session:
            await session.exec(update(Idea).where(col(Idea.id) == idea_id).values(card_permalink=permalink))

    async def set_source_permalink(self, *, idea_id: int, permalink: str) -> None:
        """Remember the permalink of the message an idea was captured from."""
        async with self._writing() as session:
            await session.exec(update(Idea).where(col(Idea.id) == idea_id).values(source_permalink=permalink))

    async def card_pending(self, *, idea_id: int) -> bool:
        """True while the idea's card is still waiting in the outbox to be posted."""
        async with self._reading() as session:
            query = select(OutboxItem.id).where(
                OutboxItem.idea_id == idea_id,
                OutboxItem.kind == OutboxKind.CARD,
                OutboxItem.state == "pending",
            )
            return (await session.exec(query.limit(1))).first() is not None

    # --- the problem gate's memory ----------------------------------------------------------

    async def was_coached(self, *, view_id: str, fingerprint: str) -> bool:
        """True if this exact problem text was already coached in this modal."""
        async with self._reading() as session:
            row = await session.get(CoachedDraft, (view_id, fingerprint))
            return row is not None

    async def remember_coaching(self, *, view_id: str, fingerprint: str) -> None:
        """Remember that this problem text was coached in this modal."""
        try:
            async with self._writing() as session:
                if await session.get(CoachedDraft, (view_id, fingerprint)) is None:
                    session.add(CoachedDraft(view_id=view_id, problem_hash=fingerprint))
        except IntegrityError:
            pass  # remembered by a concurrent delivery of the same submission

    # --- the outbox -------------------------------------------------------------------------

    @staticmethod
    def _enqueue(session: AsyncSession, *, kind: str, idea_id: int | None = None, payload: dict | None = None) -> None:
        session.add(OutboxItem(kind=kind, idea_id=idea_id, payload=json.dumps(payload or {})))

    async def claim_outbox(self, *, owner: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Lease up to `limit` due items to `owner`; an item leased before and never released is
        marked uncertain (its earlier attempt may have reached Slack)."""
        async with self._writing() as session:
            due = (
                await session.exec(
                    select(OutboxItem)
                    .where(
                        OutboxItem.state == "pending",
                        col(OutboxItem.next_attempt_at) <= now,
                        or_(col(OutboxItem.lease_until).is_(None), col(OutboxItem.lease_until) < now),
                    )
                    .order_by(col(OutboxItem.id))
                    .limit(limit)
                )
            ).all()
            claimed: list[OutboxItem] = []
            for item in due:
                result = await session.exec(
                    update(OutboxItem)
                    .where(
                        col(OutboxItem.id) == item.id,
                        OutboxItem.state == "pending",
                        or_(col(OutboxItem.lease_until).is_(None), col(OutboxItem.lease_until) < now),
                    )
                    .values(
                        lease_owner=owner,
                        lease_until=now + lease,
                        uncertain=or_(col(OutboxItem.uncertain), col(OutboxItem.lease_owner) != ""),
                    )
                )
                if result.rowcount == 1:
                    await session.refresh(item)
                    claimed.append(item)
            return claimed

    async def outbox_done(self, *, item_id: int, channel: str = "", ts: str = "") -> None:
        """Mark an item delivered."""
        async with self._writing() as session:
            await self._mark_sent(session, item_id=item_id, channel=channel, ts=ts, now=utcnow())

    @staticmethod
    async def _mark_sent(session: AsyncSession, *, item_id: int, channel: str, ts: str, now: datetime) -> None:
        await session.exec(
            update(OutboxItem)
            .where(col(OutboxItem.id) == item_id)
            .values(
                state="sent",
                result_channel=channel,
                result_ts=ts,
                sent_at=now,
                lease_owner="",
                lease_until=None,
                uncertain=False,
                attempts=OutboxItem.attempts + 1,
            )
        )

    async def outbox_retry(
        self, *, item_id: int, error: str, at: datetime, uncertain: bool, attempt: bool = True
    ) -> None:
        """Release an item to be tried again at `at` (not counted as an attempt with attempt=False)."""
        values: dict = {
            "next_attempt_at": at,
            "last_error": error[:500],
            "lease_owner": "",
            "lease_until": None,
            "uncertain": uncertain,
        }
        if attempt:
            values["attempts"] = OutboxItem.attempts + 1
        async with self._writing() as session:
            await session.exec(update(OutboxItem).where(col(OutboxItem.id) == item_id).values(**values))

    async def outbox_failed(self, *, item_id: int, error: str) -> None:
        """Give up on an item: Slack refused it for good (e.g. channel_not_found)."""
        async with self._writing() as session:
            await session.exec(
                update(OutboxItem)
                .where(col(OutboxItem.id) == item_id)
                .values(
                    state="failed",
                    last_error=error[:500],
                    lease_owner="",
                    lease_until=None,
                    attempts=OutboxItem.attempts + 1,
                )
            )

    async def outbox_items(
        self, *, states: Sequence[str] = ("pending", "failed"), limit: int = 200
    ) -> list[OutboxItem]:
        """Outbox items in the given states, oldest first (for `ideabot outbox`)."""
        async with self._reading() as session:
            query = (
                select(OutboxItem)
                .where(col(OutboxItem.state).in_(list(states)))
                .order_by(col(OutboxItem.id))
                .limit(limit)
            )
            return list((await session.exec(query)).all())

    async def outbox_counts(self) -> dict[str, int]:
        """How many outbox items are in each state."""
        async with self._reading() as session:
            rows = (await session.exec(select(OutboxItem.state, func.count()).group_by(OutboxItem.state))).all()
        return {state: int(count) for state, count in rows}
