"""The database schema's version: Alembic migrations shipped in models/migrations.

- A new, empty database gets every table at the newest revision at once (and is stamped so).
- A database at the newest revision is used as it is.
- An older one is upgraded by `ideabot db upgrade` (or `ideabot run --migrate`); anything else
  refuses to start on it with a message saying so, so no version of ideabot ever runs on a
  schema it does not know.

Schema changes run in one transaction that takes the write lock first (SQLite's
`BEGIN IMMEDIATE`, PostgreSQL's advisory lock), so two copies starting at once never both
create or upgrade.

Alembic (with Mako, ~11 MB) is imported only to upgrade a schema or read the migration files: a
first start creates the tables from the models and records HEAD_REVISION itself (tests check that
this is exactly the schema the migrations build), and a start on a database already at
HEAD_REVISION reads its version with one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

import models.tables  # noqa: F401 - registers every table on SQLModel.metadata
from models.store import Store

if TYPE_CHECKING:
    from alembic.config import Config

HEAD_REVISION = "0005"  # the newest file in migrations/versions (tests/store/test_migrations.py checks it)
VERSION_TABLE = "alembic_version"  # where Alembic records a database's revision
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK = 0x1DEAB07
FIRST_REVISION = "0001"
FIRST_TABLES = {
    "activities",
    "coached_drafts",
    "comments",
    "digest_runs",
    "ideas",
    "outbox",
    "processed_keys",
    "scores",
    "supports",
}  # PostgreSQL: one schema change at a time across every copy


class SchemaError(Exception):
    """The database's schema is not the one this ideabot needs; the message says what to do."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands."""

    current: str | None  # the revision it is stamped with (None: no version recorded)
    head: str  # the newest revision this ideabot knows
    empty: bool  # no ideabot table at all

    @property
    def up_to_date(self) -> bool:
        """True when the database is at the newest revision."""
        return self.current == self.head


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this ideabot, as Alembic reads the migration files."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every revision shipped with this ideabot."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def _state(connection: Connection) -> SchemaState:
    tables = set(inspect(connection).get_table_names())
    current = None
    if VERSION_TABLE in tables:  # one row: ideabot's migrations never branch
        current = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return SchemaState(current=current, head=HEAD_REVISION, empty=not (tables & set(SQLModel.metadata.tables)))


def _is_first_schema(connection: Connection) -> bool:
    """True when an unversioned database holds ideabot 0.1's tables (revision 0001's)."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if not tables >= FIRST_TABLES:
        return False
    return "problem_key" in {column["name"] for column in inspector.get_columns("ideas")}


def _create(connection: Connection) -> None:
    """Every table at HEAD_REVISION, and the version row Alembic would have written, without Alembic."""
    SQLModel.metadata.create_all(connection)
    # Shaped as Alembic makes its version table, so `ideabot db upgrade` reads it as its own. One
    # left behind by tables since dropped now records HEAD_REVISION too: the tables are new.
    connection.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version_num VARCHAR(32) NOT NULL, "
        f"CONSTRAINT {VERSION_TABLE}_pkc PRIMARY KEY (version_num))"
    )
    connection.exec_driver_sql(f"DELETE FROM {VERSION_TABLE}")
    connection.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:head)"), {"head": HEAD_REVISION})


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")


async def schema_state(store: Store) -> SchemaState:
    """Read where the database's schema stands."""
    return await store.run_schema(_state)


async def prepare_schema(store: Store, *, migrate: bool = False) -> SchemaState:
    """Make sure the schema is the newest: create it if empty, upgrade it if `migrate`.

    Raises SchemaError, naming `ideabot db upgrade`, for an older schema when not migrating,
    and for a schema this ideabot does not know.
    """

    def prepare(connection: Connection) -> SchemaState:
        _lock(connection)
        state = _state(connection)
        if state.empty:
            _create(connection)
            return _state(connection)
        if state.up_to_date:
            return state
        if state.current is not None and state.current not in known_revisions():
            raise SchemaError(
                f"The database's schema (revision {state.current}) is newer than this ideabot knows "
                f"(revision {state.head}). Run the newer ideabot, or restore a backup made before it."
            )
        if not migrate:
            found = f"revision {state.current}" if state.current else "a version from before migrations"
            raise SchemaError(
                f"The database's schema is out of date ({found}; this ideabot needs revision {state.head}). "
                "Back the database up, then run `ideabot db upgrade` (or start with `ideabot run --migrate`)."
            )
        from alembic import command

        config = _config(connection)
        if state.current is None:
            if not _is_first_schema(connection):
                raise SchemaError(
                    "The database has ideabot's tables but no record of their version, and they are not "
                    "ideabot 0.1's, so it can't be upgraded safely. Start on a new database."
                )
            command.stamp(config, FIRST_REVISION)  # made by ideabot 0.1 before migrations shipped
        command.upgrade(config, "head")
        return _state(connection)

    return await store.run_schema(prepare)
