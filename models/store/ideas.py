"""Ideas: submitting one, finding them, what their cards show, and the rows of the similar-idea index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, or_, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.domain.ideas import IdeaDraft, SourceMessage, Status
from models.records import (
    CLOSED_FOR_SIMILAR,
    CardData,
    GateFlags,
    OutboxKind,
    activity_row,
    idea_row,
    outbox_row,
    parse_ids,
    similar_columns,
)
from models.store.base import StoreBase
from models.tables import Activity, Idea, OutboxItem, Score, Support, utcnow

if TYPE_CHECKING:
    from bot.judgment.similar import Match, MeaningIndex


class IdeaStore(StoreBase):
    """Ideas, their cards' contents, and the similar-idea index's rows."""

    async def add_idea(
        self,
        *,
        draft: IdeaDraft,
        submitter_id: str,
        view_id: str | None,
        flags: GateFlags,
        source: SourceMessage | None = None,
        similar_ids: Sequence[int] = (),
        deliver_at: datetime | None = None,
    ) -> tuple[Idea, bool]:
        """Store a submitted idea with its history and owed messages (card and receipt due now, or
        at `deliver_at` when a second look at its similar ideas comes first); (idea, created).

        A second delivery of the same view submission returns the stored idea, unchanged (the
        unique view id refuses the insert; no read is spent on the common first delivery).
        """
        now = utcnow()
        values = idea_row(
            draft,
            flags,
            submitter_id=submitter_id,
            status=Status.NEW,
            created_at=now,
            now=now,
            **similar_columns(similar_ids),
            source_channel=source.channel if source else "",
            source_ts=source.ts if source else "",
            view_id=view_id or None,
        )
        idea = Idea(**values)  # what the caller gets back; `values` is what is written

        def insert(conn: Connection) -> None:
            # Core inserts of plain rows on a plain connection, the values as parameters (one
            # cached statement each): this is the hottest write, and a session, model objects and
            # the ORM's unit of work cost more than the SQL here.
            idea.id = idea_id = conn.execute(sql_insert(Idea.__table__), values).inserted_primary_key[0]
            created = activity_row(idea_id, submitter_id, "created", Status.NEW, now)
            conn.execute(sql_insert(Activity.__table__), created)
            due = deliver_at or now
            owed = [outbox_row(kind, idea_id, due=due, now=now) for kind in (OutboxKind.CARD, OutboxKind.RECEIPT)]
            conn.execute(sql_insert(OutboxItem.__table__), owed)

        try:
            await self._transact_core(insert)
            assert idea.id is not None
            if self.similar is not None:
                self.similar.put([idea])  # seen here at once; other processes' ideas on refresh
        except IntegrityError:
            if view_id:
                existing = await self.idea_by_view(view_id=view_id)
                if existing is not None:
                    return existing, False
            raise
        return idea, True

    async def settle_similar(self, *, idea_id: int, similar_ids: Sequence[int] | None) -> None:
        """After the second look at a new idea's similar ideas: name `similar_ids` (None: keep what
        the vectors named) and make its card and receipt due now."""
        now = utcnow()

        def settle(conn: Connection) -> None:
            if similar_ids is not None:
                named = similar_columns(similar_ids)
                conn.execute(update(Idea.__table__).where(Idea.__table__.c.id == idea_id).values(**named))
            outbox = OutboxItem.__table__
            conn.execute(
                update(outbox)
                .where(
                    outbox.c.idea_id == idea_id,
                    outbox.c.kind.in_([OutboxKind.CARD, OutboxKind.RECEIPT]),
                    outbox.c.state == "pending",
                    outbox.c.lease_owner == "",
                    outbox.c.next_attempt_at > now,
                )
                .values(next_attempt_at=now)
            )

        await self._transact_core(settle)

    async def idea_texts(self, *, idea_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(title, problem) of these ideas, by id (one missing is left out)."""
        if not idea_ids:
            return {}
        async with self._reading() as session:
            query = select(Idea.id, Idea.title, Idea.problem).where(col(Idea.id).in_(list(idea_ids)))
            return {int(i): (str(t), str(p)) for i, t, p in (await session.exec(query)).all()}

    async def idea_by_view(self, *, view_id: str) -> Idea | None:
        """The idea submitted from this Slack view, if any."""
        async with self._reading() as session:
            return (await session.exec(select(Idea).where(Idea.view_id == view_id))).first()

    async def get_idea(self, *, idea_id: int) -> Idea | None:
        """One idea by id."""
        async with self._reading() as session:
            return await session.get(Idea, idea_id)

    async def idea_by_card(self, *, channel: str, ts: str) -> Idea | None:
        """The idea whose card is the message `ts` in `channel`."""
        async with self._reading() as session:
            query = select(Idea).where(Idea.card_channel == channel, Idea.card_ts == ts)
            return (await session.exec(query)).first()

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

    # --- the similar-idea index (kept by the index the store was given, see base.SimilarIndex) ---

    async def similar_ideas(
        self, *, title: str, problem: str, exclude_id: int | None = None, wide: bool = False
    ) -> list[Match]:
        """Open ideas that possibly state the same problem (by meaning), best first; [] while the
        model is still loading at start-up, or in a process that compares nothing (no index).
        `wide`: the candidates a language model looks at too (bot/runtime/same_problem.py)."""
        if self.similar is None:
            return []
        return await self.similar.search(title=title, problem=problem, exclude_id=exclude_id, wide=wide)

    async def similar_index(self) -> MeaningIndex | None:
        """The similar-idea index, brought up to date every minute or so (see SimilarIdeas.current);
        None while the model is still loading at start-up, or without an index."""
        return await self.similar.current() if self.similar is not None else None

    async def build_similar_index(self) -> MeaningIndex:
        """Build the index once (every caller awaits the same build) and return it."""
        if self.similar is None:
            raise RuntimeError("this store compares no ideas: open it with Store.from_url(url, similar=SimilarIdeas)")
        return await self.similar.build()

    async def open_idea_texts(self, *, after_id: int, limit: int) -> list[tuple[int, str, str]]:
        """(id, title, problem) of ideas that may be named as similar, ids above `after_id`, in id order."""
        async with self._reading() as session:
            query = (
                select(Idea.id, Idea.title, Idea.problem)
                .where(col(Idea.status).not_in(CLOSED_FOR_SIMILAR), Idea.id > after_id)
                .order_by(col(Idea.id))
                .limit(limit)
            )
            return [(int(i), str(t), str(p)) for i, t, p in (await session.exec(query)).all()]

    async def changed_idea_texts(self, *, since: datetime) -> tuple[list[tuple[int, str, str]], list[int]]:
        """Ideas updated since `since`: (id, title, problem) of those that may be named as similar,
        and the ids of those that may not (merged, declined)."""
        async with self._reading() as session:
            query = select(Idea.id, Idea.title, Idea.problem, Idea.status).where(Idea.updated_at >= since)
            rows = (await session.exec(query)).all()
        open_rows = [(int(i), str(t), str(p)) for i, t, p, status in rows if status not in CLOSED_FOR_SIMILAR]
        return open_rows, [int(i) for i, _, _, status in rows if status in CLOSED_FOR_SIMILAR]

    # --- cards ------------------------------------------------------------------------------

    async def card_data(self, *, idea_id: int) -> CardData | None:
        """The idea and the counts its card shows."""
        return (await self.cards_data(idea_ids=[idea_id])).get(idea_id)

    async def cards_data(self, *, idea_ids: Sequence[int]) -> dict[int, CardData]:
        """What the cards of several ideas show, in a fixed number of queries (the outbox's batches)."""
        ids = sorted(set(idea_ids))
        if not ids:
            return {}
        async with self._reading() as session:
            ideas = {i.id: i for i in (await session.exec(select(Idea).where(col(Idea.id).in_(ids)))).all()}
            supporters = dict(
                (
                    await session.exec(
                        select(Support.idea_id, func.count())
                        .where(col(Support.idea_id).in_(ids))
                        .group_by(Support.idea_id)
                    )
                ).all()
            )
            scores = {
                row[0]: (float(row[1]), int(row[2]))
                for row in (
                    await session.exec(
                        select(
                            Score.idea_id,
                            func.avg((Score.customer_value + Score.strategic_fit + Score.feasibility) / 3.0),
                            func.count(),
                        )
                        .where(col(Score.idea_id).in_(ids))
                        .group_by(Score.idea_id)
                    )
                ).all()
            }
            others = {
                x for i in ideas.values() for x in (*parse_ids(i.similar_ids), i.merged_into_id) if x and x not in ideas
            }
            related = dict(ideas)
            if others:
                related.update(
                    {i.id: i for i in (await session.exec(select(Idea).where(col(Idea.id).in_(others)))).all()}
                )
        return {
            idea_id: CardData(
                idea=idea,
                supporters=int(supporters.get(idea_id, 0)),
                score_average=scores[idea_id][0] if idea_id in scores else None,
                score_count=scores[idea_id][1] if idea_id in scores else 0,
                similar=tuple(related[x] for x in parse_ids(idea.similar_ids) if x in related),
                merged_into=related.get(idea.merged_into_id) if idea.merged_into_id else None,
            )
            for idea_id, idea in ideas.items()
        }

    async def set_card_permalink(self, *, idea_id: int, permalink: str) -> None:
        """Remember the permalink of an idea's card."""
        await self._update_idea(idea_id, card_permalink=permalink)

    async def set_source_permalink(self, *, idea_id: int, permalink: str) -> None:
        """Remember the permalink of the message an idea was captured from."""
        await self._update_idea(idea_id, source_permalink=permalink)

    async def _update_idea(self, idea_id: int, **values: object) -> None:
        def change(conn: Connection) -> None:
            conn.execute(update(Idea).where(col(Idea.id) == idea_id).values(**values))

        await self._transact_core(change)

    async def card_pending(self, *, idea_id: int) -> bool:
        """True while the idea's card is still waiting in the outbox to be posted."""
        async with self._reading() as session:
            query = select(OutboxItem.id).where(
                OutboxItem.idea_id == idea_id,
                OutboxItem.kind == OutboxKind.CARD,
                OutboxItem.state == "pending",
            )
            return (await session.exec(query.limit(1))).first() is not None
