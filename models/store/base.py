"""What every part of the store shares: the engines, the read sessions and the one write path."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.ideas import IdeaDraft
from models.db import create_engine, create_sqlite_writer, is_sqlite
from models.tables import Idea

if TYPE_CHECKING:
    from bot.judgment.similar import Match, MeaningIndex

T = TypeVar("T")


class Compared(Protocol):
    """Drafts compared with the similar-idea index (what the store reads of the comparison)."""

    similar: Sequence[Sequence[int] | None]  # each draft's similar ideas, best first (None: not compared)


class SimilarIndex(Protocol):
    """What the store asks of the similar-idea index the composition root gives it
    (bot/judgment/similar_ideas.py's `SimilarIdeas`, built over the store's rows)."""

    async def search(
        self, *, title: str, problem: str, exclude_id: int | None = None, wide: bool = False
    ) -> list[Match]: ...

    async def current(self) -> MeaningIndex | None: ...

    async def build(self) -> MeaningIndex: ...

    def put(self, ideas: Sequence[Idea]) -> None: ...

    async def compare(self, drafts: Sequence[IdeaDraft]) -> Compared: ...

    def put_compared(self, compared: Compared, stored: Mapping[int, int]) -> None: ...


class StoreBase:
    """The engines and sessions; every write transaction goes through `_transact`."""

    def __init__(
        self,
        engine: AsyncEngine,
        sqlite_writer: Engine | None = None,
        write_engine: AsyncEngine | None = None,
        similar: Callable[[StoreBase], SimilarIndex] | None = None,
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
        # The writer's one connection, opened on the writer thread at its first write and kept
        # (used from that thread only): a write begins a transaction on it, nothing more.
        self._writer_connection: Connection | None = None
        # The similar-idea index, for the processes that compare ideas (None elsewhere).
        self.similar: SimilarIndex | None = similar(self) if similar is not None else None

    @classmethod
    def from_url(cls, url: str, *, similar: Callable[[StoreBase], SimilarIndex] | None = None) -> Self:
        """A store on new engines for `url` (call `close()` when done); `similar` makes its
        similar-idea index from it (e.g. `SimilarIdeas`), for a process that compares ideas.

        Both get a read engine and a write engine (see models.db): on SQLite a synchronous one
        used from one thread, elsewhere a second async pool.
        """
        if is_sqlite(url):
            return cls(create_engine(url), create_sqlite_writer(url), similar=similar)
        return cls(create_engine(url), write_engine=create_engine(url, writes=True), similar=similar)

    async def create_schema(self) -> None:
        """Create the schema at the newest revision if the database is empty (see models.schema)."""
        from models.schema import prepare_schema

        await prepare_schema(self)  # type: ignore[arg-type]  # self is the composed Store

    async def run_schema(self, work: Callable[[Connection], T]) -> T:
        """Run `work(connection)` in one transaction that holds the write lock (schema changes)."""
        if self.sqlite_writer is not None:

            def in_writer_thread() -> T:
                # SQLite's way to change a schema: foreign keys off (outside any transaction; tables
                # are rebuilt by copying them), the change in one transaction, and a check that
                # every reference still holds before it commits.
                connection = self._writer()
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
        return await self._transact_core(work)

    async def close(self) -> None:
        """Release every pooled connection (and the writer thread)."""
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
        if self.sqlite_writer is not None and self._writer_thread is not None:
            await self._in_writer_thread(self._close_writer)
            self._writer_thread.shutdown(wait=False)

    def _writer(self) -> Connection:
        """The writer thread's connection (opened again should the last one have broken)."""
        assert self.sqlite_writer is not None
        connection = self._writer_connection
        if connection is None or connection.closed or connection.invalidated:
            connection = self._writer_connection = self.sqlite_writer.connect()
        return connection

    def _close_writer(self) -> None:
        assert self.sqlite_writer is not None
        if self._writer_connection is not None:
            self._writer_connection.close()
            self._writer_connection = None
        self.sqlite_writer.dispose()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    async def _transact(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` in one write transaction of its own and return what it returns.

        `work` is plain synchronous code over a synchronous session (the hottest writes run Core
        statements on `session.connection()`). On SQLite the whole transaction — `BEGIN
        IMMEDIATE` to commit — runs on the store's one writer thread: writers queue there in
        order (SQLite takes one writer at a time anyway), and a transaction, once begun, is never
        held open while the event loop is busy with other requests — which, measured under load,
        made every other writer wait behind it. Elsewhere (PostgreSQL) it runs through the async
        write engine with `run_sync`, many at a time.
        """
        if self._sync_write is not None:
            return await self._in_writer_thread(self._run_sqlite_transaction, work)
        async with self._write() as session, session.begin():
            return await session.run_sync(work)

    def _run_sqlite_transaction(self, work: Callable[[Session], T]) -> T:
        assert self._sync_write is not None
        with self._sync_write(bind=self._writer()) as session, session.begin():  # BEGIN IMMEDIATE
            return work(session)

    async def _transact_core(self, work: Callable[[Connection], T]) -> T:
        """`_transact` for work that runs only Core statements: `work(connection)` on a plain
        connection in one write transaction, no ORM session made for it (the hottest writes)."""
        if self.sqlite_writer is not None:
            return await self._in_writer_thread(self._run_sqlite_core, work)
        async with self.write_engine.begin() as connection:
            return await connection.run_sync(work)

    def _run_sqlite_core(self, work: Callable[[Connection], T]) -> T:
        connection = self._writer()
        with connection.begin():  # BEGIN IMMEDIATE
            return work(connection)

    async def _in_writer_thread(self, function: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_thread, functools.partial(function, *args))
