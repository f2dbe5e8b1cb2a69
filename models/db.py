"""Database engines: an async engine for reads, and one for writes — on SQLite a synchronous
writer used from one thread, elsewhere a second async pool.

SQLite runs one writer at a time. The store runs each write transaction whole on a single thread
with a plain (synchronous) connection — `create_sqlite_writer` — so writers queue in order, no
transaction is ever held open while the event loop serves other requests, and nobody waits in
SQLite's busy handler (which sleeps in growing steps). Reads go through the async engine
(aiosqlite): in WAL mode they never wait for the writer. Other databases (PostgreSQL) use the async
engine for everything, with separate pools for reads and writes.
"""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_S = 30  # another *process* writing: how long a write waits for the lock
READ_POOL = {"pool_size": 8, "max_overflow": 16, "pool_timeout": 30}
# PostgreSQL counts connections against max_connections (100 by default) across every replica:
# each ideabot process opens at most 15 + 10 = 25, so three replicas fit with room to spare.
SERVER_READ_POOL = {"pool_size": 5, "max_overflow": 10, "pool_timeout": 30}
SERVER_WRITE_POOL = {"pool_size": 4, "max_overflow": 6, "pool_timeout": 30}
SERVER_CONNECTIONS = 25


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def _use_wal(cursor) -> None:
    """Put the database file in WAL mode (it stays so), waiting for a copy starting at the same time.

    Switching needs the file to itself, and SQLite answers "database is locked" at once, without
    its busy timeout, while another connection (another copy of ideabot starting on the same new
    file) is switching or preparing it; the mode read here shows when that copy has done it.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_pragmas(dbapi_connection) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(url: str, *, echo: bool = False, writes: bool = False) -> AsyncEngine:
    """The async engine for `url`; on SQLite: WAL, a busy timeout, foreign keys, plain `BEGIN` reads.

    Elsewhere (PostgreSQL) the store opens two, one for reads and one for writes (`writes=True`),
    together at most SERVER_CONNECTIONS connections per ideabot process.
    """
    if not is_sqlite(url):
        pool = SERVER_WRITE_POOL if writes else SERVER_READ_POOL
        return create_async_engine(url, echo=echo, pool_pre_ping=True, **pool)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **READ_POOL)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        _sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def create_sqlite_writer(url: str, *, echo: bool = False) -> Engine:
    """A synchronous engine for SQLite writes: one connection, every transaction `BEGIN IMMEDIATE`.

    `BEGIN IMMEDIATE` takes the write lock up front, because SQLite refuses a read-then-write
    upgrade instantly whatever the timeout. The store uses this engine from its one writer thread.
    """
    sync_url = make_url(url).set(drivername="sqlite")
    engine = create_sync_engine(
        sync_url,
        echo=echo,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=1,
        max_overflow=0,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        _sqlite_pragmas(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
