"""Which database the tests run on: a SQLite file always, or a fresh PostgreSQL database per test
when TEST_DATABASE_URL names a server (postgresql+asyncpg://user:password@host:port/db, a role that
may create databases). `.ci/run` runs the suite both ways (`tests/unit`, which has no database, on SQLite only).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
import warnings
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SERVER = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = SERVER.startswith("postgresql")
PREFIX = f"ideabot_t{os.getpid()}_"
_numbers = itertools.count(1)


def redacted_server() -> str:
    """TEST_DATABASE_URL without its password."""
    return make_url(SERVER).render_as_string(hide_password=True)


def _admin_dsn() -> str:
    url = make_url(SERVER)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _in_thread(statements: list[str]) -> None:
    """Run admin statements with asyncpg on a thread of their own (callable from any context)."""
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(_admin_dsn())
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(run())
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def database_url(path: Path) -> str:
    """A new, empty database for one test: the SQLite file at `path`, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        return f"sqlite+aiosqlite:///{path}"
    name = f"{PREFIX}{next(_numbers)}"
    _in_thread([f'CREATE DATABASE "{name}"'])
    url: URL = make_url(SERVER).set(database=name)
    return url.render_as_string(hide_password=False)


def drop_test_databases() -> None:
    """Drop every database this test run created (not on a server thrown away after the run:
    `.ci/run` sets TEST_SERVER_IS_THROWAWAY, which saves it ~15 s of serialised DROPs)."""
    if not ON_POSTGRES or os.environ.get("TEST_SERVER_IS_THROWAWAY"):
        return
    import asyncpg

    async def names() -> list[str]:
        connection = await asyncpg.connect(_admin_dsn())
        try:
            rows = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", PREFIX + "%")
            return [row["datname"] for row in rows]
        finally:
            await connection.close()

    found: list[str] = []
    thread = threading.Thread(target=lambda: found.extend(asyncio.run(names())))
    thread.start()
    thread.join()
    left: list[str] = []
    thread = threading.Thread(target=lambda: left.extend(asyncio.run(_drop(found))))
    thread.start()
    thread.join()
    if left:
        warnings.warn(f"could not drop test databases {', '.join(left)}: drop them by hand", stacklevel=1)


async def _drop(names: list[str]) -> list[str]:
    """Drop each database; the names of those that could not be dropped.

    `WITH (FORCE)` ends the connections a killed test process left behind, but PostgreSQL refuses it
    when one of the sessions it would end is not the test role's — an autovacuum worker busy in
    the database just then (seen once in CI, after the replicas test). A plain DROP ends such a
    worker itself and waits up to 5 s for other sessions, so that is tried next, a few times.
    """
    import asyncpg

    left = []
    connection = await asyncpg.connect(_admin_dsn())
    try:
        for name in names:
            try:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                continue
            except asyncpg.InsufficientPrivilegeError:
                pass
            for _ in range(4):  # each waits up to 5 s for the other sessions to end
                try:
                    await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    break
                except asyncpg.ObjectInUseError:
                    await asyncio.sleep(0.25)
            else:
                left.append(name)
    finally:
        await connection.close()
    return left


def plain_dsn(url: str) -> str:
    """A PostgreSQL URL as asyncpg itself takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Another OS process writing to the same database: `python -c OTHER_WRITER URL SECONDS HOLD GAP`
# takes the database's write lock (SQLite's; on PostgreSQL an exclusive lock on the ideas table,
# which every submission and status change needs), writes a row, holds the lock HOLD seconds, lets
# go for GAP seconds, again and again for SECONDS; prints "holding" once it first holds the lock,
# and at the end how many times it held it.
OTHER_WRITER = """
import asyncio, sys, time
url, seconds, hold, gap = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
end = time.monotonic() + seconds
n = 0
if url.startswith("sqlite"):
    import sqlite3
    db = sqlite3.connect(url.split(":///", 1)[1], timeout=30, isolation_level=None)
    while time.monotonic() < end:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO processed_keys (key, received_at) VALUES (?, '2026-01-01 00:00:00')", (f"other-{n}",))
        n or print("holding", flush=True)
        time.sleep(hold)
        db.execute("COMMIT")
        n += 1
        time.sleep(gap)
else:
    import asyncpg
    async def main():
        global n
        db = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        while time.monotonic() < end:
            async with db.transaction():
                await db.execute("LOCK TABLE ideas IN EXCLUSIVE MODE")
                await db.execute(
                    "INSERT INTO processed_keys (key, received_at) VALUES ($1, '2026-01-01 00:00:00')", f"other-{n}"
                )
                n or print("holding", flush=True)
                await asyncio.sleep(hold)
            n += 1
            await asyncio.sleep(gap)
        await db.close()
    asyncio.run(main())
print(n, flush=True)
"""
