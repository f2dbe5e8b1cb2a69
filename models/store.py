"""The store: the only code that opens database sessions.

One short session per method; `expire_on_commit=False` so returned rows are plain data; writes
begin with `BEGIN IMMEDIATE` on SQLite (see models.db). Every message the bot owes Slack is
written to the outbox in the same transaction as the change that causes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import and_, bindparam, case, delete, distinct, func, or_, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import IdeaDraft, SourceMessage, Status, idea_ref
from bot.similar import content_words
from bot.triage import CLOSED, TRIAGE_DECISIONS, WAITING, check_move
from models.db import create_engine, create_sqlite_writer, is_sqlite
from models.digest_trend import TrendRows, read_pipeline, read_trend
from models.tables import (
    Activity,
    CoachedDraft,
    Comment,
    DigestRun,
    Idea,
    OutboxItem,
    ProcessedKey,
    Score,
    Support,
    utcnow,
)

if TYPE_CHECKING:  # the similar-idea index needs numpy: imported where it is used, so a process
    # that never compares ideas (`ideabot deliver`'s, the CLI's) does not load it
    from bot.judgment.similar import Match, MeaningIndex

T = TypeVar("T")


class OutboxKind:
    """What an outbox item asks the worker to do."""

    CARD = "card"  # post the idea's card, or update it in place once posted
    RECEIPT = "receipt"  # DM the submitter a receipt with a link to the card
    THREAD = "thread"  # a reply in the card's thread about an activity: {"activity": id}
    DIGEST = "digest"  # one message of a digest: {"run": key, "part": n}; parts > 0 go in part 0's thread
    DM = "dm"  # a direct message about an activity: {"activity": id, "user": U…, "role": …}
    DIGEST_CHART = "digest_chart"  # the digest's chart, uploaded after its first message: {"run": key, "chart": {…}}


class Role:
    """Whom a direct message about an activity is for."""

    SUBMITTER = "submitter"
    SPONSOR = "sponsor"
    PARTNER = "partner"


@dataclass(frozen=True)
class GateFlags:
    """What the problem gate flagged on an accepted idea."""

    problem_is_solution: bool = False
    problem_is_vague: bool = False
    quote: str = ""


@dataclass(frozen=True)
class Change:
    """The outcome of a triage write: applied, or why not."""

    applied: bool
    idea: Idea | None = None
    message: str = ""  # why nothing changed, in words for the person who asked
    duplicate: bool = False  # this very delivery was applied before
    activity_id: int | None = None


@dataclass(frozen=True)
class Completion:
    """An outbox item that reached Slack: where it went; for a new card, the idea it belongs to."""

    item_id: int
    channel: str = ""
    ts: str = ""
    card_idea_id: int | None = None
    permalink: str = ""


ALREADY_DONE = Change(False, message="This was already done.", duplicate=True)
ALREADY_SUPPORTED = "You already support it."


@dataclass(frozen=True)
class ActivityNotice:
    """An activity with its idea, as the outbox renders thread replies and DMs."""

    activity: Activity
    idea: Idea
    other: Idea | None  # the other idea of a merge


@dataclass(frozen=True)
class DigestInputs:
    """What the store read for one digest (every list already bounded)."""

    new_ideas: Sequence[Idea]
    new_count: int
    moves: Sequence[tuple[Activity, Idea]]  # the latest status changes, newest first
    moves_count: int
    triaged: int  # ideas that got a triage decision in the period (each counted once)
    accepted: int
    shipped: int
    stale: Sequence[Idea]
    stale_count: int
    supported: Sequence[tuple[Idea, int]]
    balance: Sequence[tuple[str, str, int]]  # (origin, kind, count) over the balance window
    gaps: Sequence[Idea]
    gaps_count: int
    open_total: int
    trend: TrendRows | None = None  # the last periods, oldest first (when the caller asked for them)
    pipeline: Sequence[tuple[str, int]] = ()  # (status, ideas) submitted in the balance window


@dataclass(frozen=True)
class CardData:
    """Everything an idea's card shows, read in one go."""

    idea: Idea
    supporters: int
    score_average: float | None
    score_count: int
    similar: tuple[Idea, ...]  # possibly the same problem, best first (at most three)
    merged_into: Idea | None


SIMILAR_REFRESH = timedelta(seconds=60)  # how often other processes' new and changed ideas are read
SIMILAR_OVERLAP = timedelta(seconds=60)  # …reading again this much before the last read (clock skew)
SIMILAR_READ_BATCH = 5000  # ideas read and embedded at a time when the index is built
CLOSED_FOR_SIMILAR = (Status.MERGED, Status.DECLINED)  # ideas never named as similar


@dataclass
class _MeaningCache:
    """The store's similar-idea index (every open idea's vector) and how fresh it is."""

    index: MeaningIndex | None = None  # None until the model is loaded; filled by `build`
    build: asyncio.Task | None = None  # the one first build (start-up's, or the first use's)
    changes_since: datetime | None = None  # ideas updated since then are read on the next refresh
    refreshed: float = float("-inf")  # time.monotonic() of the last refresh
    refreshing: bool = False


def parse_ids(text: str) -> list[int]:
    """ "12,40,7" -> [12, 40, 7] (anything else in it is skipped)."""
    return [int(part) for part in text.split(",") if part.strip().isdigit()]


def _idea_row(
    draft: IdeaDraft, flags: GateFlags, *, submitter_id: str, status: str, created_at: datetime, now: datetime, **more
) -> dict[str, object]:
    """An `ideas` row for what someone typed (a form or a CSV row) as the gate judged it; `more`
    sets other columns, the table's defaults fill the rest."""
    return {
        "title": draft.title,
        "affected": draft.affected,
        "problem": draft.problem,
        "problem_key": content_words(draft.problem),
        "evidence": draft.evidence,
        "business_value": draft.business_value,
        "solution": draft.solution,
        "origin": str(draft.origin or "problem"),
        "kind": str(draft.kind or "invent"),
        "submitter_id": submitter_id,
        "status": str(status),
        "problem_is_solution": flags.problem_is_solution,
        "problem_is_vague": flags.problem_is_vague,
        "gate_quote": flags.quote,
        "created_at": created_at,
        "updated_at": now,
        "status_changed_at": created_at,
        **more,
    }


def _activity_row(
    idea_id: int, actor_id: str, action: str, to_value: str, now: datetime, reason: str = ""
) -> dict[str, object]:
    """An `activities` row to insert as it is (the table's defaults fill the other columns):
    for the bulk writes, where building model objects costs more than the SQL."""
    return {
        "idea_id": idea_id,
        "actor_id": actor_id,
        "action": action,
        "to_value": to_value,
        "reason": reason,
        "created_at": now,
    }


def _outbox_row(kind: str, idea_id: int, *, due: datetime, now: datetime) -> dict[str, object]:
    """An `outbox` row owing `kind` for an idea, due at `due` (see `_activity_row`)."""
    return {"kind": kind, "idea_id": idea_id, "payload": "{}", "next_attempt_at": due, "created_at": now}


def _settle_futures(outcomes: list[tuple[asyncio.Future, bool, object]]) -> None:
    """On the event loop: hand each waiting caller its result or its error."""
    for future, ok, value in outcomes:
        if future.cancelled():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)  # type: ignore[arg-type]


class Store:
    """Async, keyword-only access to ideabot's tables."""

    def __init__(
        self, engine: AsyncEngine, sqlite_writer: Engine | None = None, write_engine: AsyncEngine | None = None
    ) -> None:
        self.engine = engine
        # Elsewhere than SQLite, writes get a pool of their own: a write waiting for a lock must
        # never hold the connection a read (a modal's, a button's) is waiting for.
        self.write_engine = write_engine or engine
        self._read = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(self.write_engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite: every write transaction runs whole on one thread of its own (see `_transact`).
        self.sqlite_writer = sqlite_writer
        self._sync_write = (
            sessionmaker(sqlite_writer, class_=Session, expire_on_commit=False) if sqlite_writer else None
        )
        self._writer_thread = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="ideabot-db-writer") if sqlite_writer else None
        )
        self._meaning = _MeaningCache()
        # Row works waiting for the writer thread (see `_transact_rows`).
        self._row_lock = threading.Lock()
        self._row_works: list[tuple[Callable[[Connection], object], asyncio.Future]] = []
        self._row_group_queued = False

    @classmethod
    def from_url(cls, url: str) -> Store:
        """A store on new engines for `url` (call `close()` when done).

        Both get a read engine and a write engine (see models.db): on SQLite a synchronous one
        used from one thread, elsewhere a second async pool.
        """
        if is_sqlite(url):
            return cls(create_engine(url), create_sqlite_writer(url))
        return cls(create_engine(url), write_engine=create_engine(url, writes=True))

    async def create_schema(self) -> None:
        """Create the schema at the newest revision if the database is empty (see models.schema)."""
        from models.schema import prepare_schema

        await prepare_schema(self)

    async def run_schema(self, work: Callable[[Connection], T]) -> T:
        """Run `work(connection)` in one transaction that holds the write lock (schema changes)."""
        if self.sqlite_writer is not None:

            def in_writer_thread() -> T:
                # SQLite's way to change a schema: foreign keys off (outside any transaction; tables
                # are rebuilt by copying them), the change in one transaction, and a check that
                # every reference still holds before it commits.
                assert self.sqlite_writer is not None
                with self.sqlite_writer.connect() as connection:
                    raw = connection.connection.dbapi_connection
                    assert raw is not None
                    raw.execute("PRAGMA foreign_keys=OFF")
                    try:
                        with connection.begin():  # BEGIN IMMEDIATE
                            result = work(connection)
                            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                            if broken:
                                raise RuntimeError(f"the schema change broke references: {broken[:5]}")
                        return result
                    finally:
                        raw.execute("PRAGMA foreign_keys=ON")

            return await self._in_writer_thread(in_writer_thread)
        return await self._transact_rows(work)

    async def close(self) -> None:
        """Release every pooled connection (and the writer thread)."""
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
        if self.sqlite_writer is not None and self._writer_thread is not None:
            await self._in_writer_thread(self.sqlite_writer.dispose)
            self._writer_thread.shutdown(wait=False)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    async def _transact(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in one write transaction and return what it returns.

        `work` is plain synchronous code over a synchronous session. On SQLite the whole
        transaction runs on the store's one writer thread: writers queue there in order (SQLite
        takes one writer at a time anyway), and a transaction, once begun, is never held open
        while the event loop is busy with other requests — which, measured under load, made
        every other writer wait behind it. Elsewhere (PostgreSQL) it runs through the async
        engine with `run_sync`, many at a time.
        """
        if self._sync_write is not None:
            return await self._in_writer_thread(self._run_sqlite_transaction, work)
        async with self._write() as session, session.begin():
            return await session.run_sync(work)

    async def _transact_rows(self, work: Callable[[Connection], T]) -> T:
        """As `_transact`, for work in plain SQL on a connection (no session: the hottest writes).

        On SQLite, works that queue while the writer thread is busy are committed together
        (see `_commit_row_groups`); each still succeeds or fails on its own.
        """
        if self.sqlite_writer is None:
            async with self.write_engine.begin() as connection:
                return await connection.run_sync(work)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._row_lock:
            self._row_works.append((work, future))
            start = not self._row_group_queued
            self._row_group_queued = True
        if start:
            assert self._writer_thread is not None
            self._writer_thread.submit(self._commit_row_groups, loop)
        return await future

    def _commit_row_groups(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the writer thread: commit what has queued, group by group, until nothing is left.

        A burst of submissions used to cost a transaction each — BEGIN IMMEDIATE, a commit to the
        WAL, two hand-overs between the threads — for a few rows. Now the works waiting when the
        writer gets to them share one transaction. Should one of them raise (a duplicate view id),
        the group is rolled back and each work runs again in a transaction of its own, so each
        caller gets its own outcome (works are plain SQL and a few local assignments: running one
        again is safe). Nobody hears "stored" before the commit.
        """
        while True:
            with self._row_lock:
                works, self._row_works = self._row_works, []
                if not works:
                    self._row_group_queued = False
                    return
            try:
                with self.sqlite_writer.begin() as connection:  # BEGIN IMMEDIATE (see models.db)
                    outcomes = [(future, True, work(connection)) for work, future in works]
            except Exception as error:
                if len(works) == 1:
                    outcomes = [(works[0][1], False, error)]
                else:  # nothing of the group was written: each again, alone, to find who failed
                    outcomes = [self._commit_alone(work, future) for work, future in works]
            loop.call_soon_threadsafe(_settle_futures, outcomes)

    def _commit_alone(self, work: Callable[[Connection], object], future: asyncio.Future) -> tuple:
        assert self.sqlite_writer is not None
        try:
            with self.sqlite_writer.begin() as connection:
                return (future, True, work(connection))
        except Exception as error:
            return (future, False, error)

    def _run_sqlite_transaction(self, work: Callable[[Session], T]) -> T:
        assert self._sync_write is not None
        with self._sync_write() as session, session.begin():
            return work(session)

    async def _in_writer_thread(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_thread, functools.partial(function, *args))

    # --- ideas ----------------------------------------------------------------------------

    async def add_idea(
        self,
        *,
        draft: IdeaDraft,
        submitter_id: str,
        view_id: str | None,
        flags: GateFlags,
        source: SourceMessage | None = None,
        similar_ids: Sequence[int] = (),
    ) -> tuple[Idea, bool]:
        """Store a submitted idea with its history and owed messages; (idea, created).

        A second delivery of the same view submission returns the stored idea, unchanged (the
        unique view id refuses the insert; no read is spent on the common first delivery).
        """
        now = utcnow()
        values = _idea_row(
            draft,
            flags,
            submitter_id=submitter_id,
            status=Status.NEW,
            created_at=now,
            now=now,
            similar_to_id=similar_ids[0] if similar_ids else None,
            similar_ids=",".join(str(i) for i in similar_ids),
            source_channel=source.channel if source else "",
            source_ts=source.ts if source else "",
            view_id=view_id or None,
        )
        idea = Idea(**values)  # what the caller gets back; `values` is what is written

        def insert(conn: Connection) -> None:
            # Core inserts of plain rows, the values as parameters (one cached statement each):
            # this is the hottest write, and model objects and the ORM's unit of work cost more
            # than the SQL here.
            idea.id = idea_id = conn.execute(sql_insert(Idea.__table__), values).inserted_primary_key[0]
            created = _activity_row(idea_id, submitter_id, "created", Status.NEW, now)
            conn.execute(sql_insert(Activity.__table__), created)
            owed = [_outbox_row(kind, idea_id, due=now, now=now) for kind in (OutboxKind.CARD, OutboxKind.RECEIPT)]
            conn.execute(sql_insert(OutboxItem.__table__), owed)

        try:
            await self._transact_rows(insert)
            assert idea.id is not None
            self._index_ideas([idea])  # seen here at once; other processes' ideas on refresh
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

    async def similar_ideas(self, *, title: str, problem: str, exclude_id: int | None = None) -> list[Match]:
        """Open ideas that possibly state the same problem (by meaning), best first; [] while the
        model is still loading at start-up (see `similar_index`)."""
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MIN_TEXT_CHARS, idea_text

        index = await self.similar_index()
        if index is None or len(problem.strip()) < MIN_TEXT_CHARS:
            return []
        return index.search(embedder().vector(idea_text(title, problem)), exclude=exclude_id)

    async def similar_index(self) -> MeaningIndex | None:
        """The similar-idea index, brought up to date every `SIMILAR_REFRESH` (other processes'
        ideas, merges, declines and restated problems). Its first use builds it; while the
        start-up build is under way it is what has been read so far (None until the model is
        loaded): a request never waits for the build."""
        cache = self._meaning
        if cache.build is None:
            await self.build_similar_index()
        elif (
            cache.build.done()
            and not cache.refreshing
            and time.monotonic() - cache.refreshed > SIMILAR_REFRESH.total_seconds()
        ):
            await self._refresh_similar_index()
        return cache.index

    async def build_similar_index(self) -> MeaningIndex:
        """Build the index once (every caller awaits the same build) and return it."""
        cache = self._meaning
        if cache.build is None:
            cache.build = asyncio.ensure_future(self._build_similar_index())
        await asyncio.shield(cache.build)
        assert cache.index is not None
        return cache.index

    async def _build_similar_index(self) -> None:
        """Embed every open idea into the index, `SIMILAR_READ_BATCH` at a time (the model loads
        and the embedding runs on a thread)."""
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MeaningIndex

        cache = self._meaning
        model = await asyncio.to_thread(embedder)
        # From here ideas stored by this process are put in as they are stored (`_index_ideas`);
        # the batches below read every idea stored before, and those stored meanwhile again.
        cache.index = MeaningIndex(model.dims)
        cache.changes_since = utcnow() - SIMILAR_OVERLAP
        cache.refreshed = time.monotonic()
        after = 0
        while True:
            async with self._reading() as session:
                query = (
                    select(Idea.id, Idea.title, Idea.problem)
                    .where(col(Idea.status).not_in(CLOSED_FOR_SIMILAR), Idea.id > after)
                    .order_by(col(Idea.id))
                    .limit(SIMILAR_READ_BATCH)
                )
                rows = (await session.exec(query)).all()
            if not rows:
                break
            await self._embed_into(cache.index, rows)
            after = rows[-1][0]

    async def _refresh_similar_index(self) -> None:
        cache = self._meaning
        assert cache.index is not None and cache.changes_since is not None
        cache.refreshing = True
        try:
            since, cache.changes_since = cache.changes_since, utcnow() - SIMILAR_OVERLAP
            async with self._reading() as session:
                query = select(Idea.id, Idea.title, Idea.problem, Idea.status).where(Idea.updated_at >= since)
                rows = (await session.exec(query)).all()
            for idea_id, _, _, status in rows:
                if status in CLOSED_FOR_SIMILAR:
                    cache.index.discard(idea_id)
            await self._embed_into(cache.index, [r[:3] for r in rows if r[3] not in CLOSED_FOR_SIMILAR])
            cache.refreshed = time.monotonic()
        finally:
            cache.refreshing = False

    @staticmethod
    async def _embed_into(index: MeaningIndex, rows: Sequence[tuple[int, str, str]]) -> None:
        """Embed (id, title, problem) rows on a thread and put them into the index (on the loop);
        a row whose text the index already holds is not embedded again."""
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MIN_TEXT_CHARS, idea_text, text_key

        texts = {r[0]: idea_text(r[1], r[2]) for r in rows if len(r[2].strip()) >= MIN_TEXT_CHARS}
        for idea_id in [r[0] for r in rows if r[0] not in texts]:
            index.discard(idea_id)  # its problem is too short now to compare
        wanted = [(i, t, text_key(t)) for i, t in texts.items() if not index.holds(i, text_key(t))]
        if wanted:
            vectors = await asyncio.to_thread(embedder().vectors, [t for _, t, _ in wanted])
            index.put_many([i for i, _, _ in wanted], vectors, [k for _, _, k in wanted])

    def _index_ideas(self, ideas: Sequence[Idea]) -> None:
        """Put just-stored ideas into the index (when it exists; it reads them when it is built)."""
        index = self._meaning.index
        if index is None:
            return
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MIN_TEXT_CHARS, idea_text, text_key

        texts = [
            (int(i.id), idea_text(i.title, i.problem))
            for i in ideas
            if i.id and len(i.problem.strip()) >= MIN_TEXT_CHARS
        ]
        if texts:
            vectors = embedder().vectors([t for _, t in texts])
            index.put_many([i for i, _ in texts], vectors, [text_key(t) for _, t in texts])

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

    async def record_card(self, *, idea_id: int, item_id: int, channel: str, ts: str, permalink: str = "") -> None:
        """The card was posted: remember where, and mark its outbox item sent, together."""
        values = {"card_channel": channel, "card_ts": ts}
        if permalink:
            values["card_permalink"] = permalink

        def record(session: Session) -> None:
            session.exec(update(Idea).where(col(Idea.id) == idea_id).values(**values))
            self._mark_sent(session, item_id=item_id, channel=channel, ts=ts, now=utcnow())

        await self._transact(record)

    async def set_card_permalink(self, *, idea_id: int, permalink: str) -> None:
        """Remember the permalink of an idea's card."""
        await self._update_idea(idea_id, card_permalink=permalink)

    async def set_source_permalink(self, *, idea_id: int, permalink: str) -> None:
        """Remember the permalink of the message an idea was captured from."""
        await self._update_idea(idea_id, source_permalink=permalink)

    async def _update_idea(self, idea_id: int, **values: object) -> None:
        def change(session: Session) -> None:
            session.exec(update(Idea).where(col(Idea.id) == idea_id).values(**values))

        await self._transact(change)

    async def card_pending(self, *, idea_id: int) -> bool:
        """True while the idea's card is still waiting in the outbox to be posted."""
        async with self._reading() as session:
            query = select(OutboxItem.id).where(
                OutboxItem.idea_id == idea_id,
                OutboxItem.kind == OutboxKind.CARD,
                OutboxItem.state == "pending",
            )
            return (await session.exec(query.limit(1))).first() is not None

    # --- triage -------------------------------------------------------------------------

    @staticmethod
    def _seen(session: Session, key: str | None) -> bool:
        """True if `key` was applied before; otherwise remember it in this transaction."""
        if not key:
            return False
        if session.get(ProcessedKey, key) is not None:
            return True
        session.add(ProcessedKey(key=key))
        return False

    def _notify(
        self,
        session: Session,
        *,
        idea: Idea,
        activity: Activity,
        thread: bool = True,
        dms: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Owe Slack what a change means: the card refreshed, a thread reply, direct messages."""
        assert idea.id is not None and activity.id is not None
        self._refresh_card(session, idea.id)
        if thread:
            self._enqueue(session, kind=OutboxKind.THREAD, idea_id=idea.id, payload={"activity": activity.id})
        sent: set[str] = set()
        for user, role in dms:
            if user and user not in sent:
                sent.add(user)
                payload = {"activity": activity.id, "user": user, "role": role}
                self._enqueue(session, kind=OutboxKind.DM, idea_id=idea.id, payload=payload)

    async def _apply(self, *, idea_id: int, key: str | None, change: Callable[[Session, Idea], Change]) -> Change:
        """Run a triage `change` on one idea in a write transaction, once per delivery `key`."""

        def apply(session: Session) -> Change:
            if self._seen(session, key):
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
            activity = self._move(session, idea, actor_id=actor_id, to_status=to_status, reason=reason)
            session.flush()
            self._notify(session, idea=idea, activity=activity, dms=[(idea.submitter_id, Role.SUBMITTER)])
            return Change(True, idea, activity_id=activity.id)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    @staticmethod
    def _move(session: Session, idea: Idea, *, actor_id: str, to_status: str, reason: str) -> Activity:
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
            self._notify(session, idea=idea, activity=activity, dms=dms)
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
            self._notify(session, idea=idea, activity=activity, dms=[(idea.submitter_id, Role.SUBMITTER)])
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
            self._refresh_card(session, idea_id)
            return Change(True, idea)

        return await self._apply(idea_id=idea_id, key=key, change=change)

    def _refresh_card(self, session: Session, idea_id: int) -> None:
        """Owe a card update, unless one is already waiting (it renders the latest state anyway)."""
        waiting = (
            session.exec(
                select(OutboxItem.id).where(
                    OutboxItem.idea_id == idea_id,
                    OutboxItem.kind == OutboxKind.CARD,
                    OutboxItem.state == "pending",
                    OutboxItem.lease_owner == "",
                )
            )
        ).first()
        if waiting is None:
            self._enqueue(session, kind=OutboxKind.CARD, idea_id=idea_id)

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
            self._move(session, idea, actor_id=actor_id, to_status=Status.NEW, reason="the problem was restated")
            session.flush()
            self._notify(session, idea=idea, activity=restate)
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
            moved = self._move(
                session, source, actor_id=actor_id, to_status=Status.MERGED, reason=f"merged into {idea_ref(target_id)}"
            )
            merged_in = Activity(idea_id=target_id, actor_id=actor_id, action="merged_in", from_value=str(source_id))
            target.updated_at = utcnow()
            session.add_all([merged_in, target])
            session.flush()
            self._notify(session, idea=source, activity=moved, dms=[(source.submitter_id, Role.SUBMITTER)])
            self._notify(session, idea=target, activity=merged_in, dms=[(target.submitter_id, Role.SUBMITTER)])
            return Change(True, source, activity_id=moved.id)

        return await self._apply(idea_id=source_id, key=key, change=change)

    async def add_comment(
        self, *, channel: str, thread_ts: str, ts: str, user_id: str, text: str, key: str | None = None
    ) -> bool:
        """Store a reply in an idea card's thread as the idea's discussion; False if not a card's thread."""

        def insert(session: Session) -> bool:
            idea = session.exec(select(Idea).where(Idea.card_channel == channel, Idea.card_ts == thread_ts)).first()
            if idea is None or self._seen(session, key):
                return False
            assert idea.id is not None
            session.add(Comment(idea_id=idea.id, user_id=user_id, text=text, channel=channel, ts=ts))
            return True

        try:
            return await self._transact(insert)
        except IntegrityError:
            return False

    async def edit_comment(self, *, channel: str, ts: str, text: str) -> bool:
        """A thread reply was edited in Slack: keep its new text (False if it is not a stored reply)."""

        def edit(session: Session) -> bool:
            comment = session.exec(select(Comment).where(Comment.channel == channel, Comment.ts == ts)).first()
            if comment is None or comment.deleted or comment.text == text:
                return False
            comment.text = text
            session.add(comment)
            return True

        return await self._transact(edit)

    async def delete_comment(self, *, channel: str, ts: str) -> bool:
        """A thread reply was deleted in Slack: forget its text, keep that there was one."""

        def delete(session: Session) -> bool:
            comment = session.exec(select(Comment).where(Comment.channel == channel, Comment.ts == ts)).first()
            if comment is None or comment.deleted:
                return False
            comment.text, comment.deleted = "", True
            session.add(comment)
            return True

        return await self._transact(delete)

    async def forget_source_message(self, *, channel: str, ts: str, text: str) -> list[int]:
        """The message ideas were captured from was deleted in Slack: their cards stop linking to it
        and stop quoting it (a proposed solution that is still the message's text is emptied);
        the ids of the ideas changed."""

        def forget(session: Session) -> list[int]:
            query = select(Idea).where(Idea.source_channel == channel, Idea.source_ts == ts)
            changed = []
            for idea in session.exec(query).all():
                assert idea.id is not None
                idea.source_channel = idea.source_ts = idea.source_permalink = ""
                if text and " ".join(idea.solution.split()) == " ".join(text.split()):
                    idea.solution = ""
                idea.updated_at = utcnow()
                session.add(idea)
                self._refresh_card(session, idea.id)
                changed.append(idea.id)
            return changed

        return await self._transact(forget)

    async def idea_by_card(self, *, channel: str, ts: str) -> Idea | None:
        """The idea whose card is the message `ts` in `channel`."""
        async with self._reading() as session:
            query = select(Idea).where(Idea.card_channel == channel, Idea.card_ts == ts)
            return (await session.exec(query)).first()

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

    async def comments(self, *, idea_id: int, limit: int = 5) -> list[Comment]:
        """An idea's latest thread replies, newest first."""
        async with self._reading() as session:
            query = select(Comment).where(Comment.idea_id == idea_id).order_by(col(Comment.id).desc()).limit(limit)
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

    # --- the digest -------------------------------------------------------------------------

    async def digest_inputs(
        self,
        *,
        period_start: datetime,
        period_end: datetime,
        stale_before: datetime,
        balance_since: datetime,
        show: int = 15,
        shiny_limit: int = 2000,
        periods: Sequence[datetime] = (),
    ) -> DigestInputs:
        """Everything the digest shows, in a fixed number of queries (none per idea).

        Lists are cut to `show` rows (the digest lists that many and counts the rest); the new
        ideas checked for shiny objects to `shiny_limit` (a period). With `periods` (the bounds of
        the last periods, ascending, ending with this one's), their trend too (models/digest_trend.py).
        """
        in_period = (col(Idea.created_at) >= period_start, col(Idea.created_at) < period_end)
        moved_in_period = (
            Activity.action == "status",
            col(Activity.created_at) >= period_start,
            col(Activity.created_at) < period_end,
        )
        waiting = (col(Idea.status).in_([s.value for s in WAITING]), col(Idea.status_changed_at) < stale_before)
        open_statuses = col(Idea.status).not_in([s.value for s in CLOSED])
        gap = (
            col(Idea.status).in_([Status.ACCEPTED.value, Status.IN_PROGRESS.value]),
            or_(Idea.sponsor_id == "", Idea.partner_id == ""),
        )
        async with self._reading() as session:

            async def count(*conditions, model=Idea) -> int:
                return int((await session.exec(select(func.count()).select_from(model).where(*conditions))).one())

            new_ideas = (
                await session.exec(select(Idea).where(*in_period).order_by(col(Idea.id)).limit(shiny_limit))
            ).all()
            moves = (
                await session.exec(
                    select(Activity, Idea)
                    .join(Idea, col(Idea.id) == Activity.idea_id)
                    .where(*moved_in_period)
                    .order_by(col(Activity.created_at).desc(), col(Activity.id).desc())
                    .limit(show)
                )
            ).all()

            def ideas_moved_to(values: list[str]):
                return func.count(distinct(case((col(Activity.to_value).in_(values), Activity.idea_id))))

            decided = [s.value for s in TRIAGE_DECISIONS]
            triaged, accepted, shipped = (
                await session.exec(
                    select(
                        ideas_moved_to(decided),
                        ideas_moved_to([Status.ACCEPTED.value]),
                        ideas_moved_to([Status.SHIPPED.value]),
                    ).where(*moved_in_period)
                )
            ).one()
            stale = (
                await session.exec(select(Idea).where(*waiting).order_by(col(Idea.status_changed_at)).limit(show))
            ).all()
            support_count = func.count(col(Support.id)).label("supporters")
            supported = (
                await session.exec(
                    select(Idea, support_count)
                    .join(Support, col(Support.idea_id) == Idea.id)
                    .where(open_statuses)
                    .group_by(col(Idea.id))
                    .order_by(support_count.desc(), col(Idea.id))
                    .limit(5)
                )
            ).all()
            balance = (
                await session.exec(
                    select(Idea.origin, Idea.kind, func.count())
                    .where(
                        col(Idea.created_at) >= balance_since,
                        col(Idea.created_at) < period_end,
                        Idea.status != Status.MERGED,
                    )
                    .group_by(Idea.origin, Idea.kind)
                )
            ).all()
            gaps = (
                await session.exec(select(Idea).where(*gap).order_by(col(Idea.status_changed_at)).limit(show))
            ).all()
            return DigestInputs(
                new_ideas=list(new_ideas),
                new_count=await count(*in_period),
                moves=[(a, i) for a, i in moves],
                moves_count=await count(*moved_in_period, model=Activity),
                triaged=int(triaged),
                accepted=int(accepted),
                shipped=int(shipped),
                stale=list(stale),
                stale_count=await count(*waiting),
                supported=[(i, int(n)) for i, n in supported],
                balance=[(str(o), str(k), int(n)) for o, k, n in balance],
                gaps=list(gaps),
                gaps_count=await count(*gap),
                open_total=await count(open_statuses),
                trend=await read_trend(session, bounds=periods, shiny_limit=shiny_limit) if len(periods) > 1 else None,
                pipeline=await read_pipeline(session, since=balance_since, until=period_end),
            )

    async def claim_digest(
        self,
        *,
        key: str,
        period_start: datetime,
        period_end: datetime,
        channel: str,
        messages: Sequence[dict],
        owner: str,
        chart: dict | None = None,
    ) -> bool:
        """Claim a digest period and owe Slack its messages (and its chart), in one transaction; False if taken."""

        def claim(session: Session) -> bool:
            if session.get(DigestRun, key) is not None:
                return False
            session.add(
                DigestRun(
                    key=key,
                    period_start=period_start,
                    period_end=period_end,
                    owner=owner,
                    channel=channel,
                    content=json.dumps(list(messages)),
                )
            )
            for part in range(len(messages)):
                self._enqueue(session, kind=OutboxKind.DIGEST, payload={"run": key, "part": part})
            if chart is not None:
                self._enqueue(session, kind=OutboxKind.DIGEST_CHART, payload={"run": key, "chart": chart})
            return True

        try:
            return await self._transact(claim)
        except IntegrityError:
            return False

    async def skip_digest(self, *, key: str, period_start: datetime, period_end: datetime, note: str) -> bool:
        """Mark a period as not to be posted (e.g. it ended before the bot was installed)."""

        def skip(session: Session) -> bool:
            if session.get(DigestRun, key) is not None:
                return False
            session.add(
                DigestRun(key=key, period_start=period_start, period_end=period_end, state="skipped", note=note)
            )
            return True

        try:
            return await self._transact(skip)
        except IntegrityError:
            return False

    async def digest_run(self, *, key: str) -> DigestRun | None:
        """One digest run."""
        async with self._reading() as session:
            return await session.get(DigestRun, key)

    async def digest_runs(self, *, limit: int = 20) -> list[DigestRun]:
        """The latest digest runs, newest period first."""
        async with self._reading() as session:
            query = select(DigestRun).order_by(col(DigestRun.period_end).desc(), col(DigestRun.key).desc())
            return list((await session.exec(query.limit(limit))).all())

    async def record_digest_post(self, *, key: str, item_id: int, part: int, channel: str, ts: str) -> None:
        """A digest message reached Slack: remember the first one's ts, mark the item sent."""
        now = utcnow()

        def record(session: Session) -> None:
            if part == 0:
                session.exec(
                    update(DigestRun)
                    .where(col(DigestRun.key) == key)
                    .values(channel_id=channel, message_ts=ts, state="posted", posted_at=now)
                )
            self._mark_sent(session, item_id=item_id, channel=channel, ts=ts, now=now)

        await self._transact(record)

    async def forget_processed(self, *, before: datetime) -> int:
        """Forget deliveries applied before `before` (Slack redelivers within minutes); how many."""

        def forget(session: Session) -> int:
            result = session.exec(delete(ProcessedKey).where(col(ProcessedKey.received_at) < before))
            return int(result.rowcount or 0)

        return await self._transact(forget)

    # --- the problem gate's memory ----------------------------------------------------------

    async def was_coached(self, *, view_id: str, fingerprint: str) -> bool:
        """True if this exact problem text was already coached in this modal."""
        async with self._reading() as session:
            row = await session.get(CoachedDraft, (view_id, fingerprint))
            return row is not None

    async def remember_coaching(self, *, view_id: str, fingerprint: str) -> None:
        """Remember that this problem text was coached in this modal."""

        def remember(session: Session) -> None:
            if session.get(CoachedDraft, (view_id, fingerprint)) is None:
                session.add(CoachedDraft(view_id=view_id, problem_hash=fingerprint))

        with contextlib.suppress(IntegrityError):  # remembered by a concurrent delivery already
            await self._transact(remember)

    # --- the outbox -------------------------------------------------------------------------

    @staticmethod
    def _enqueue(
        session: Session,
        *,
        kind: str,
        idea_id: int | None = None,
        payload: dict | None = None,
        at: datetime | None = None,
    ) -> None:
        now = at or utcnow()
        session.add(
            OutboxItem(
                kind=kind, idea_id=idea_id, payload=json.dumps(payload or {}), next_attempt_at=now, created_at=now
            )
        )

    async def claim_outbox(self, *, owner: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Lease up to `limit` due items to `owner` (unique per call); an item leased before and never
        released is marked uncertain (its earlier attempt may have reached Slack).

        Three statements whatever the batch size; the UPDATE re-checks the lease, so two processes
        (or replicas) claiming at once never share an item. On PostgreSQL the first SELECT locks
        the rows it picks and skips rows another replica is claiming (FOR UPDATE SKIP LOCKED);
        SQLite has one writer at a time and ignores the clause.
        """
        free = or_(col(OutboxItem.lease_until).is_(None), col(OutboxItem.lease_until) < now)

        def claim(session: Session) -> list[OutboxItem]:
            due = session.exec(
                select(OutboxItem.id)
                .where(OutboxItem.state == "pending", col(OutboxItem.next_attempt_at) <= now, free)
                .order_by(col(OutboxItem.id))
                .limit(limit)
                .with_for_update(skip_locked=True)  # PostgreSQL: replicas claim different rows, never wait
            ).all()
            if not due:
                return []
            session.exec(
                update(OutboxItem)
                .where(col(OutboxItem.id).in_(due), OutboxItem.state == "pending", free)
                .values(
                    lease_owner=owner,
                    lease_until=now + lease,
                    uncertain=or_(col(OutboxItem.uncertain), col(OutboxItem.lease_owner) != ""),
                )
            )
            query = select(OutboxItem).where(OutboxItem.lease_owner == owner, col(OutboxItem.id).in_(due))
            return list(session.exec(query.order_by(col(OutboxItem.id))).all())

        return await self._transact(claim)

    async def release_dead_leases(self, *, host: str, alive: Callable[[int], bool]) -> int:
        """Free items leased by processes of this host that no longer run (after a crash, say).

        They stay marked as leased-before, so the next claim treats them as uncertain and looks
        for what the dead process may already have posted. Other hosts' leases simply expire.
        """

        def release(session: Session) -> int:
            leased = session.exec(
                select(OutboxItem).where(
                    OutboxItem.state == "pending", col(OutboxItem.lease_owner).startswith(f"{host}:")
                )
            ).all()
            freed = 0
            for item in leased:
                pid = item.lease_owner.split(":")[1]
                if pid.isdigit() and not alive(int(pid)):
                    item.lease_until = None
                    item.uncertain = True
                    session.add(item)
                    freed += 1
            return freed

        return await self._transact(release)

    async def complete_outbox(self, completions: Sequence[Completion]) -> None:
        """Record a batch of deliveries in one transaction: items sent, cards' places on ideas."""
        if not completions:
            return
        items, ideas = OutboxItem.__table__, Idea.__table__
        now = utcnow()
        cards = [c for c in completions if c.card_idea_id is not None]

        def complete(session: Session) -> None:
            conn = session.connection()
            if cards:
                conn.execute(
                    update(ideas)
                    .where(ideas.c.id == bindparam("idea"))
                    .values(
                        card_channel=bindparam("channel"), card_ts=bindparam("ts"), card_permalink=bindparam("link")
                    ),
                    [{"idea": c.card_idea_id, "channel": c.channel, "ts": c.ts, "link": c.permalink} for c in cards],
                )
            conn.execute(
                update(items)
                .where(items.c.id == bindparam("item"))
                .values(
                    state="sent",
                    result_channel=bindparam("channel"),
                    result_ts=bindparam("ts"),
                    sent_at=now,
                    lease_owner="",
                    lease_until=None,
                    uncertain=False,
                    attempts=items.c.attempts + 1,
                ),
                [{"item": c.item_id, "channel": c.channel, "ts": c.ts} for c in completions],
            )

        await self._transact(complete)

    async def outbox_done(self, *, item_id: int, channel: str = "", ts: str = "") -> None:
        """Mark an item delivered."""

        def done(session: Session) -> None:
            self._mark_sent(session, item_id=item_id, channel=channel, ts=ts, now=utcnow())

        await self._transact(done)

    @staticmethod
    def _mark_sent(session: Session, *, item_id: int, channel: str, ts: str, now: datetime) -> None:
        session.exec(
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
        await self._update_item(item_id, **values)

    async def outbox_failed(self, *, item_id: int, error: str) -> None:
        """Give up on an item: Slack refused it for good (e.g. channel_not_found)."""
        await self._update_item(
            item_id,
            state="failed",
            last_error=error[:500],
            lease_owner="",
            lease_until=None,
            attempts=OutboxItem.attempts + 1,
        )

    async def _update_item(self, item_id: int, **values: object) -> None:
        def change(session: Session) -> None:
            session.exec(update(OutboxItem).where(col(OutboxItem.id) == item_id).values(**values))

        await self._transact(change)

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

    # --- CSV import and export --------------------------------------------------------------
    # (`ideabot export` / `ideabot import`, see bot/spreadsheet.py; the values they use follow the class)

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
        import numpy as np

        from bot.judgment.embed import embedder
        from bot.judgment.similar import MIN_TEXT_CHARS, idea_text, text_key

        index = await self.build_similar_index()  # an import may wait for the start-up build
        texts = [idea_text(i.draft.title, i.draft.problem) for i in ideas]
        vectors = await asyncio.to_thread(embedder().vectors, texts)
        for i, vector in zip(ideas, vectors, strict=True):
            if len(i.draft.problem.strip()) >= MIN_TEXT_CHARS:
                similar = [m.idea_id for m in index.search(vector)]
                rows[i.import_key].update(
                    similar_to_id=similar[0] if similar else None, similar_ids=",".join(map(str, similar))
                )

        def insert(conn: Connection) -> dict[str, int]:
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
                _activity_row(inserted[i.import_key], "import", "imported", i.status, now, i.source) for i in fresh
            ]
            conn.execute(sql_insert(activities_table), history)
            if post_from is not None:
                owed = [
                    _outbox_row(OutboxKind.CARD, inserted[i.import_key], due=post_from + n * post_every, now=now)
                    for n, i in enumerate(fresh)
                ]
                conn.execute(sql_insert(outbox_table), owed)
            return inserted

        try:
            inserted = await self._transact_rows(insert)
        except IntegrityError:  # a concurrent import stored some of these keys first: look again
            inserted = await self._transact_rows(insert)
        fresh = [
            (inserted[i.import_key], vector, text_key(text))
            for i, vector, text in zip(ideas, vectors, texts, strict=True)
            if i.import_key in inserted
            and i.status not in CLOSED_FOR_SIMILAR
            and len(i.draft.problem.strip()) >= MIN_TEXT_CHARS
        ]
        if fresh:
            index.put_many([f[0] for f in fresh], np.stack([f[1] for f in fresh]), [f[2] for f in fresh])
        return inserted


# --- CSV import and export: the values the store's methods above take and return --------------


@dataclass(frozen=True)
class ExportedIdea:
    """One idea as `ideabot export` writes it: what its card shows, and who supports it."""

    card: CardData
    supporter_ids: tuple[str, ...]


@dataclass(frozen=True)
class IdeaImport:
    """One CSV row, ready to store as an idea (see bot/spreadsheet.py)."""

    import_key: str  # the row's identity: a re-import of the same row adds nothing
    draft: IdeaDraft
    flags: GateFlags
    status: str
    submitter_id: str
    created_at: datetime
    sponsor_id: str = ""
    partner_id: str = ""
    source: str = ""  # where it came from, e.g. "ideas.csv, line 7" (the activity's reason)

    def row(self, now: datetime) -> dict[str, object]:
        """The `ideas` row to insert (the table's defaults fill the other columns)."""
        return _idea_row(
            self.draft,
            self.flags,
            submitter_id=self.submitter_id,
            status=self.status,
            created_at=self.created_at,
            now=now,
            sponsor_id=self.sponsor_id,
            partner_id=self.partner_id,
            import_key=self.import_key,
        )
