"""Schema migrations: an old database is upgraded without losing a row, a new one starts at the
newest revision, and ideabot refuses to run on a schema it does not know (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

from bot.runtime.server import RuntimeOptions
from bot.standin.local import LocalSlack, idea_answers
from models.schema import HEAD_REVISION, SchemaError, _config, head_revision, prepare_schema, schema_state
from models.store import Store
from tests.conftest import FAST
from tests.databases import database_url
from tests.processes import BotProcess, ideabot

WHEN = datetime(2026, 3, 2, 9, 30)  # naive UTC, as stored

# Rows of every table, as ideabot 0.1 wrote them (plain SQL: the model has moved on since).
FIRST_ROWS: dict[str, list[dict]] = {
    "ideas": [
        {
            "id": n,
            "title": f"Idea {n} — “quoted” & <odd>",
            "affected": "Support agents",
            "problem": f"Agents re-key order {n} into two systems, 20 minutes a day",
            "evidence": "Call log",
            "business_value": "Two hours a week",
            "solution": "Sync the systems",
            "origin": "problem",
            "kind": "invent",
            "submitter_id": "U0000USER1",
            "status": status,
            "problem_is_solution": False,
            "problem_is_vague": n == 2,
            "gate_quote": "",
            "problem_key": f"agents re-key order {n}",
            "similar_to_id": None,
            "source_channel": "",
            "source_ts": "",
            "source_permalink": "",
            "card_channel": "C0000IDEAS",
            "card_ts": f"1700000000.00000{n}",
            "card_permalink": "",
            "sponsor_id": "U0000LEAD1" if n == 1 else "",
            "partner_id": "",
            "merged_into_id": None,
            "view_id": f"V{n}",
            "created_at": WHEN,
            "updated_at": WHEN,
            "status_changed_at": WHEN,
        }
        for n, status in ((1, "exploring"), (2, "new"))
    ],
    "activities": [
        {
            "id": 1,
            "idea_id": 1,
            "actor_id": "U0000LEAD1",
            "action": "status",
            "from_value": "new",
            "to_value": "exploring",
            "reason": "worth a look",
            "created_at": WHEN,
        }
    ],
    "supports": [{"id": 1, "idea_id": 1, "user_id": "U0000USER2", "via": "button", "created_at": WHEN}],
    "scores": [
        {
            "id": 1,
            "idea_id": 1,
            "lead_id": "U0000LEAD1",
            "customer_value": 4,
            "strategic_fit": 3,
            "feasibility": 5,
            "created_at": WHEN,
        }
    ],
    "comments": [
        {
            "id": 1,
            "idea_id": 1,
            "user_id": "U0000USER2",
            "text": "We see this daily",
            "channel": "C0000IDEAS",
            "ts": "1700000001.000100",
            "created_at": WHEN,
        }
    ],
    "outbox": [
        {
            "id": 1,
            "kind": "card",
            "idea_id": 2,
            "payload": "{}",
            "state": "pending",
            "attempts": 0,
            "uncertain": False,
            "next_attempt_at": WHEN,
            "lease_owner": "",
            "lease_until": None,
            "last_error": "",
            "result_channel": "",
            "result_ts": "",
            "created_at": WHEN,
            "sent_at": None,
        }
    ],
    "digest_runs": [
        {
            "key": "2026-02-23T09:00",
            "period_start": WHEN,
            "period_end": WHEN,
            "state": "posted",
            "owner": "host:1",
            "channel": "C0000LEADS",
            "content": "[]",
            "channel_id": "C0000LEADS",
            "message_ts": "1700000002.000100",
            "note": "",
            "created_at": WHEN,
            "posted_at": WHEN,
        }
    ],
    "processed_keys": [{"key": "evt:Ev0001", "received_at": WHEN}],
    "coached_drafts": [{"view_id": "V9", "problem_hash": "abc", "created_at": WHEN}],
}


def _at_first_revision(connection: Connection, *, versioned: bool = True) -> None:
    command.upgrade(_config(connection), "0001")
    for table, rows in FIRST_ROWS.items():
        for row in rows:
            columns = ", ".join(row)
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + c for c in row)})"), row)
    if connection.dialect.name == "postgresql":  # ids were given: move the sequences past them
        for table in ("ideas", "activities", "supports", "scores", "comments", "outbox"):
            connection.exec_driver_sql(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
    if not versioned:  # a database made by ideabot 0.1 itself, before migrations shipped
        connection.exec_driver_sql("DROP TABLE alembic_version")


def _rows(connection: Connection) -> dict[str, list[dict]]:
    found = {}
    for table, rows in FIRST_ROWS.items():
        key = next(iter(rows[0]))
        result = connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}")).mappings().all()
        found[table] = [{column: row[column] for column in rows[0]} for row in result]
    return found


def _schema_differences(connection: Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


def _shape(connection: Connection) -> dict[str, dict]:
    """Every table as SQLAlchemy reads it back (the version table too): columns with their types and
    nullability, primary key, indexes, unique constraints, foreign keys.

    Column order is left out (a migration adds a column at the end) and so are server defaults (a
    migration gives a new NOT NULL column one to fill the rows already there; the models fill it).
    """
    inspector = inspect(connection)
    shape = {}
    for table in inspector.get_table_names():
        columns = inspector.get_columns(table)
        shape[table] = {
            "columns": {c["name"]: (c["type"].compile(dialect=connection.dialect), c["nullable"]) for c in columns},
            "primary key": inspector.get_pk_constraint(table),
            "indexes": sorted(repr((i["name"], i["column_names"], i["unique"])) for i in inspector.get_indexes(table)),
            "unique": sorted(repr((u["name"], u["column_names"])) for u in inspector.get_unique_constraints(table)),
            "foreign keys": sorted(
                repr((f["constrained_columns"], f["referred_table"], f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
        }
    return shape


def _alembic_heads(connection: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(connection).get_current_heads()


async def _first_start(url: str) -> None:
    """What a first start does to a new database: the newest schema, created and stamped."""
    store = Store.from_url(url)
    try:
        await prepare_schema(store)
    finally:
        await store.close()


async def _first_revision_store(tmp_path, *, versioned: bool = True) -> tuple[str, Store]:
    url = database_url(tmp_path / "old.db")
    store = Store.from_url(url)
    await store.run_schema(lambda connection: _at_first_revision(connection, versioned=versioned))
    return url, store


def _count(rows: dict[str, list[dict]]) -> dict[str, int]:
    return {table: len(table_rows) for table, table_rows in rows.items()}


async def test_an_old_database_is_refused_until_upgraded_then_nothing_is_lost(tmp_path) -> None:
    _, store = await _first_revision_store(tmp_path)
    try:
        before = await store.run_schema(_rows)  # as the driver reads them (SQLite: dates as text)
        assert _count(before) == _count(FIRST_ROWS)
        assert before["ideas"][0]["title"] == FIRST_ROWS["ideas"][0]["title"]
        state = await schema_state(store)
        assert (state.current, state.head, state.up_to_date) == ("0001", head_revision(), False)

        with pytest.raises(SchemaError, match="ideabot db upgrade"):
            await prepare_schema(store)
        assert (await schema_state(store)).current == "0001"  # refusing changed nothing

        after_state = await prepare_schema(store, migrate=True)
        assert after_state.current == head_revision() and after_state.up_to_date
        assert await store.run_schema(_rows) == before  # every row, every value
        assert await store.run_schema(_schema_differences) == []  # exactly the schema a new install gets
        columns = await store.run_schema(lambda c: {col["name"] for col in inspect(c).get_columns("ideas")})
        assert "import_key" in columns

        idea = await store.get_idea(idea_id=1)
        assert idea is not None and idea.import_key is None and idea.status == "exploring"
        assert idea.created_at == WHEN.replace(tzinfo=UTC)
    finally:
        await store.close()


async def test_the_bot_refuses_an_old_schema_and_starts_with_migrate(tmp_path) -> None:
    url, store = await _first_revision_store(tmp_path)
    await store.close()
    with pytest.raises(SchemaError, match="ideabot db upgrade"):
        async with LocalSlack(url, options=FAST):
            pass
    migrating = RuntimeOptions(**{**FAST.__dict__, "migrate": True})
    async with LocalSlack(url, options=migrating) as local:
        assert (await local.store.get_idea(idea_id=1)).title.startswith("Idea 1")
        await local.submit_idea(idea_answers())
        await local.wait_for_ideas(3)
        await local.settle()
        ideas = await local.store.recent_ideas()
        assert sorted(i.id for i in ideas) == [1, 2, 3]  # the new idea took the next id
        # The card owed since before the upgrade was delivered too.
        assert (await local.store.get_idea(idea_id=2)).card_ts != ""


async def test_a_database_from_before_migrations_is_recognised_and_upgraded(tmp_path) -> None:
    _, store = await _first_revision_store(tmp_path, versioned=False)
    try:
        before = await store.run_schema(_rows)
        assert _count(before) == _count(FIRST_ROWS)
        assert (await schema_state(store)).current is None
        with pytest.raises(SchemaError, match="ideabot db upgrade"):
            await prepare_schema(store)
        assert (await prepare_schema(store, migrate=True)).up_to_date
        assert await store.run_schema(_rows) == before
        assert await store.run_schema(_schema_differences) == []
    finally:
        await store.close()


async def test_a_schema_newer_than_this_ideabot_is_refused(tmp_path) -> None:
    store = Store.from_url(database_url(tmp_path / "new.db"))
    try:
        await prepare_schema(store)
        await store.run_schema(lambda c: c.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaError, match="newer than this ideabot knows"):
            await prepare_schema(store, migrate=True)
    finally:
        await store.close()


async def test_a_new_database_gets_the_newest_schema_the_migrations_also_build(tmp_path) -> None:
    created = Store.from_url(database_url(tmp_path / "created.db"))
    migrated = Store.from_url(database_url(tmp_path / "migrated.db"))
    try:
        state = await prepare_schema(created)  # from the models, stamped without Alembic
        assert state.current == head_revision() and not state.empty
        assert await created.run_schema(_schema_differences) == []
        await migrated.run_schema(lambda c: command.upgrade(_config(c), "head"))
        assert await migrated.run_schema(_schema_differences) == []
        assert await created.run_schema(_shape) == await migrated.run_schema(_shape)
        assert (await prepare_schema(migrated)).up_to_date

        assert await created.run_schema(_alembic_heads) == (head_revision(),)  # Alembic reads it as its own
        await created.run_schema(lambda c: command.upgrade(_config(c), "head"))  # and has nothing to do
        assert await created.run_schema(_shape) == await migrated.run_schema(_shape)
    finally:
        await created.close()
        await migrated.close()


async def test_two_copies_starting_on_a_new_database_at_once_create_it_once(tmp_path) -> None:
    url = database_url(tmp_path / "both.db")
    stores = [Store.from_url(url) for _ in range(2)]
    try:
        states = await asyncio.gather(*(prepare_schema(store) for store in stores))
        assert [state.up_to_date for state in states] == [True, True]
        assert await stores[0].run_schema(_alembic_heads) == (head_revision(),)
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_a_version_row_left_behind_by_dropped_tables_is_set_to_the_newest(tmp_path) -> None:
    store = Store.from_url(database_url(tmp_path / "dropped.db"))
    try:
        await store.run_schema(lambda c: command.stamp(_config(c), "0003"))  # the version, no tables
        assert (await schema_state(store)).empty
        assert (await prepare_schema(store)).up_to_date
        assert await store.run_schema(_alembic_heads) == (head_revision(),)
    finally:
        await store.close()


async def _ideabot(url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = await ideabot(*args, DATABASE_URL=url, **(env or {}))
    return result.returncode, result.stdout + result.stderr


async def test_db_status_and_db_upgrade_on_the_command_line(tmp_path) -> None:
    url, store = await _first_revision_store(tmp_path)
    await store.close()
    code, out = await _ideabot(url, "db", "status")
    assert code == 1 and "out of date (revision 0001" in out and "ideabot db upgrade" in out
    code, out = await _ideabot(url, "db", "upgrade")
    assert code == 0 and f"Upgraded from 0001 to revision {head_revision()}" in out, out
    code, out = await _ideabot(url, "db", "status")
    assert code == 0 and "up to date" in out
    code, out = await _ideabot(url, "db", "upgrade")
    assert code == 0 and "Already up to date" in out
    assert "ideabot:ideabot@" not in out  # a password never printed


async def test_db_status_and_db_upgrade_read_a_first_start_as_up_to_date(tmp_path) -> None:
    url = database_url(tmp_path / "first.db")
    await _first_start(url)
    code, out = await _ideabot(url, "db", "status")
    assert code == 0 and f"up to date (revision {head_revision()})" in out, out
    code, out = await _ideabot(url, "db", "upgrade")
    assert code == 0 and f"Already up to date (revision {head_revision()})" in out, out


async def test_ideabot_run_on_an_old_schema_exits_with_the_upgrade_command(tmp_path) -> None:
    url, store = await _first_revision_store(tmp_path)
    await store.close()
    slack = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s" * 32,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never reached: the schema is checked first
        "IDEAS_CHANNEL": "C0000IDEAS",
        "PORT": "9",  # never bound either
    }
    code, out = await _ideabot(url, "run", env=slack)
    assert code == 2 and "ideabot db upgrade" in out and "--migrate" in out and "Traceback" not in out, out
    code, out = await _ideabot(url, "outbox")  # every command that opens the database checks
    assert code == 2 and "ideabot db upgrade" in out and "Traceback" not in out
    store = Store.from_url(url)
    try:
        assert (await schema_state(store)).current == "0001"  # nobody touched it
    finally:
        await store.close()


def test_the_head_revision_ideabot_checks_is_the_newest_migration() -> None:
    assert head_revision() == HEAD_REVISION  # a new migration moves HEAD_REVISION with it


@pytest.mark.parametrize("restart", [False, True], ids=["first start", "restart"])
async def test_ideabot_run_does_not_load_alembic_on_a_new_or_an_up_to_date_database(
    standin, tmp_path, restart: bool
) -> None:
    url = database_url(tmp_path / "run.db")
    if restart:
        await _first_start(url)
    # Python logs every module it imports (-X importtime), whichever thread or child imports it.
    bot = BotProcess(standin, url, cwd=tmp_path, PYTHONPROFILEIMPORTTIME="1")
    try:
        await bot.start()
        assert await bot.stop() == 0
    finally:
        await bot.close()
    imported = {line.rsplit("|", 1)[1].strip() for line in bot.log.splitlines() if line.startswith("import time:")}
    assert {"sqlalchemy", "models.schema"} <= imported  # the log names what was loaded
    assert not {name.split(".")[0] for name in imported} & {"alembic", "mako"}
    store = Store.from_url(url)
    try:
        assert (await schema_state(store)).up_to_date
    finally:
        await store.close()
