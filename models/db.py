"""Async engines: SQLite in WAL mode with `BEGIN IMMEDIATE` writes, or any other async URL.

On SQLite the store uses two engines on the same file: one for reads and one for writes, each
with its own connection pool. SQLite runs one writer at a time, so writers queue; with one pool
they could take every connection while they wait and leave a reader (a `/idea list` that must
answer within Slack's 3 seconds) with none. With two pools, readers never wait behind writers.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_S = 30
READ_POOL = {"pool_size": 8, "max_overflow": 16, "pool_timeout": 30}
WRITE_POOL = {"pool_size": 4, "max_overflow": 4, "pool_timeout": 120}  # writers queue here


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, write: bool = False, echo: bool = False) -> AsyncEngine:
    """An async engine for `url`; on SQLite, `write=True` makes every transaction `BEGIN IMMEDIATE`.

    On SQLite: WAL (readers never wait for the writer), a busy timeout, foreign keys, and
    transactions begun by us — `BEGIN IMMEDIATE` for writes, because SQLite refuses a
    read-then-write upgrade instantly whatever the timeout; plain `BEGIN` for reads.
    """
    if not is_sqlite(url):
        return create_async_engine(url, echo=echo, pool_pre_ping=True)

    engine = create_async_engine(
        url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S}, **(WRITE_POOL if write else READ_POOL)
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if write else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql(begin)

    return engine
