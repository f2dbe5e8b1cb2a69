"""CSV import and export (`ideabot export` / `ideabot import`, see bot/commands/spreadsheet/)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert as sql_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.records import (
    CLOSED_FOR_SIMILAR,
    ExportedIdea,
    IdeaImport,
    OutboxKind,
    activity_row,
    outbox_row,
    similar_columns,
)
from models.store.ideas import IdeaStore
from models.tables import Activity, Idea, OutboxItem, Support, utcnow


class TransferStore(IdeaStore):
    """Ideas read out in batches for a CSV file, and a CSV file's rows stored in batches."""

    async def export_batch(self, *, after_id: int = 0, limit: int = 1000) -> list[ExportedIdea]:
        """Up to `limit` ideas with ids above `after_id`, in id order, with what their card shows
        and who supports them (a fixed number of queries per batch)."""
        async with self._reading() as session:
            query = select(Idea.id).where(col(Idea.id) > after_id).order_by(col(Idea.id)).limit(limit)
            ids = [int(i) for i in (await session.exec(query)).all()]
            if not ids:
                return []
            supports = await session.exec(
                select(Support.idea_id, Support.user_id)
                .where(col(Support.idea_id) >= ids[0], col(Support.idea_id) <= ids[-1])
                .order_by(col(Support.idea_id), col(Support.id))
            )
            supporters: dict[int, list[str]] = {}
            for idea_id, user_id in supports.all():
                supporters.setdefault(idea_id, []).append(user_id)
        cards = await self.cards_data(idea_ids=ids)
        return [ExportedIdea(card=cards[i], supporter_ids=tuple(supporters.get(i, ()))) for i in ids if i in cards]

    async def ideas_without_import_key(self, *, after_id: int = 0, limit: int = 1000) -> list[tuple[int, str, str]]:
        """(id, title, problem) of ideas that did not come from a CSV import, in id order."""
        async with self._reading() as session:
            query = (
                select(Idea.id, Idea.title, Idea.problem)
                .where(col(Idea.import_key).is_(None), col(Idea.id) > after_id)
                .order_by(col(Idea.id))
                .limit(limit)
            )
            return [(int(i), str(t), str(p)) for i, t, p in (await session.exec(query)).all()]

    async def stored_import_keys(self, *, keys: Sequence[str]) -> set[str]:
        """Which of `keys` are already stored (ideas imported before)."""
        if not keys:
            return set()
        async with self._reading() as session:
            query = select(Idea.import_key).where(col(Idea.import_key).in_(list(keys)))
            return {str(k) for k in (await session.exec(query)).all()}

    async def import_ideas(
        self, *, ideas: Sequence[IdeaImport], post_from: datetime | None = None, post_every: timedelta = timedelta(0)
    ) -> dict[str, int]:
        """Insert a batch of imported ideas (distinct import keys) in one transaction; {key: id} of
        those inserted — a key already stored is skipped. Each gets an "imported" activity; with
        `post_from`, a card owed to Slack, the n-th inserted due at `post_from + n * post_every`.
        """
        now = utcnow()
        ideas_table, activities_table, outbox_table = Idea.__table__, Activity.__table__, OutboxItem.__table__
        rows = {i.import_key: i.row(now) for i in ideas}  # built before the write lock is taken
        # Each row names the ideas stored before this batch that possibly state the same problem.
        if self.similar is None:
            raise RuntimeError("an import compares ideas: open the store with `similar=SimilarIdeas`")
        compared = await self.similar.compare([i.draft for i in ideas])  # may wait for the start-up build
        for i, similar in zip(ideas, compared.similar, strict=True):
            if similar is not None:
                rows[i.import_key].update(similar_columns(similar))

        def insert(session: Session) -> dict[str, int]:
            conn = session.connection()
            wanted = [i.import_key for i in ideas]
            stored = set(conn.execute(select(Idea.import_key).where(col(Idea.import_key).in_(wanted))).scalars())
            fresh = [i for i in ideas if i.import_key not in stored]
            if not fresh:
                return {}
            returning = sql_insert(ideas_table).returning(
                ideas_table.c.id, ideas_table.c.import_key, sort_by_parameter_order=True
            )
            ids = conn.execute(returning, [rows[i.import_key] for i in fresh]).all()
            inserted = {str(key): int(idea_id) for idea_id, key in ids}
            history = [
                activity_row(inserted[i.import_key], "import", "imported", i.status, now, i.source) for i in fresh
            ]
            conn.execute(sql_insert(activities_table), history)
            if post_from is not None:
                owed = [
                    outbox_row(OutboxKind.CARD, inserted[i.import_key], due=post_from + n * post_every, now=now)
                    for n, i in enumerate(fresh)
                ]
                conn.execute(sql_insert(outbox_table), owed)
            return inserted

        try:
            inserted = await self._transact(insert)
        except IntegrityError:  # a concurrent import stored some of these keys first: look again
            inserted = await self._transact(insert)
        stored = {
            n: inserted[i.import_key]
            for n, i in enumerate(ideas)
            if i.import_key in inserted and i.status not in CLOSED_FOR_SIMILAR
        }
        self.similar.put_compared(compared, stored)
        return inserted
