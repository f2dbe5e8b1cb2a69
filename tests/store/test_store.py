"""The store on a real database (SQLite: WAL, BEGIN IMMEDIATE writes), idempotency, outbox leases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.domain.ideas import IdeaDraft, Kind, Origin
from models.store import GateFlags, Store
from models.tables import utcnow
from tests.databases import database_url


@pytest.fixture
async def store(tmp_path):
    s = Store.from_url(database_url(tmp_path / "store.db"))
    await s.create_schema()
    yield s
    await s.close()


def draft(n: int = 0) -> IdeaDraft:
    return IdeaDraft(
        title=f"Idea {n}",
        affected="Support agents",
        problem=f"Agents re-enter order {n} twice because two systems don't talk",
        origin=Origin.PROBLEM,
        kind=Kind.INVENT,
    )


@pytest.mark.sqlite_only
async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(store: Store) -> None:
    async with store.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


@pytest.mark.sqlite_only
async def test_writes_begin_immediate(store: Store) -> None:
    statements: list[str] = []
    from sqlalchemy import event

    @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
    @event.listens_for(store.sqlite_writer, "before_cursor_execute")
    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    await store.add_idea(draft=draft(), submitter_id="U1", view_id="V1", flags=GateFlags())
    await store.recent_ideas()
    begins = [s for s in statements if s.startswith("BEGIN")]
    assert "BEGIN IMMEDIATE" in begins and "BEGIN" in begins


async def test_concurrent_writers_never_hit_database_is_locked(store: Store) -> None:
    results = await asyncio.gather(
        *(store.add_idea(draft=draft(n), submitter_id="U1", view_id=f"V{n}", flags=GateFlags()) for n in range(60))
    )
    ids = [idea.id for idea, created in results if created]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert (await store.outbox_counts())["pending"] == 120  # a card and a receipt each


async def test_the_same_view_is_stored_once(store: Store) -> None:
    first = await store.add_idea(draft=draft(), submitter_id="U1", view_id="VSAME", flags=GateFlags())
    again = await asyncio.gather(
        *(store.add_idea(draft=draft(), submitter_id="U1", view_id="VSAME", flags=GateFlags()) for _ in range(5))
    )
    assert first[1] is True and all(not created and idea.id == first[0].id for idea, created in again)
    assert len(await store.recent_ideas()) == 1


@pytest.mark.sqlite_only
async def test_each_write_commits_alone_even_when_writes_queue(store: Store) -> None:
    begins: list[str] = []
    commits: list[int] = []
    from sqlalchemy import event

    @event.listens_for(store.sqlite_writer, "before_cursor_execute")
    def record(conn, cursor, statement, *args) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    @event.listens_for(store.sqlite_writer, "commit")
    def count(_conn) -> None:
        commits.append(1)

    results = await asyncio.gather(
        *(store.add_idea(draft=draft(n), submitter_id="U1", view_id=f"G{n}", flags=GateFlags()) for n in range(40))
    )
    assert len({idea.id for idea, created in results if created}) == 40
    assert len(await store.recent_ideas(limit=100)) == 40
    assert len(commits) == 40 and begins == ["BEGIN IMMEDIATE"] * 40  # one transaction a submission


async def test_among_queued_writes_each_submission_keeps_its_own_outcome(store: Store) -> None:
    def refused(_session) -> None:
        raise RuntimeError("this work fails")

    calls = [store.add_idea(draft=draft(n), submitter_id="U1", view_id=f"G{n}", flags=GateFlags()) for n in range(40)]
    calls.insert(20, store.add_idea(draft=draft(5), submitter_id="U1", view_id="G5", flags=GateFlags()))  # a retry
    calls.insert(30, store._transact(refused))
    results = await asyncio.gather(*calls, return_exceptions=True)

    failed = results.pop(30)
    assert isinstance(failed, RuntimeError) and str(failed) == "this work fails"  # its caller hears of it
    assert all(isinstance(r, tuple) for r in results), results
    created = [idea for idea, was_created in results if was_created]
    assert len(created) == 40 and len({i.id for i in created}) == 40
    retry, was_created = results[20]
    assert not was_created and retry.id == results[5][0].id  # the duplicate view: the stored idea
    stored = await store.recent_ideas(limit=100)
    assert sorted(i.view_id for i in stored) == sorted(f"G{n}" for n in range(40))


async def test_search_treats_wildcards_as_text(store: Store) -> None:
    await store.add_idea(draft=draft(1), submitter_id="U1", view_id="V1", flags=GateFlags())
    assert await store.search_ideas(words=["%"]) == []
    assert await store.search_ideas(words=["_"]) == []
    assert len(await store.search_ideas(words=["ORDER", "twice"])) == 1


async def test_outbox_leases_are_exclusive_and_expired_ones_are_uncertain(store: Store) -> None:
    for n in range(5):
        await store.add_idea(draft=draft(n), submitter_id="U1", view_id=f"V{n}", flags=GateFlags())
    now = utcnow()
    a, b = await asyncio.gather(
        store.claim_outbox(owner="a", now=now, limit=10, lease=timedelta(seconds=30)),
        store.claim_outbox(owner="b", now=now, limit=10, lease=timedelta(seconds=30)),
    )
    assert len(a) + len(b) == 10 and not {i.id for i in a} & {i.id for i in b}
    assert await store.claim_outbox(owner="c", now=now, limit=10, lease=timedelta(seconds=30)) == []
    later = await store.claim_outbox(owner="c", now=now + timedelta(seconds=31), limit=20, lease=timedelta(seconds=30))
    assert len(later) == 10 and all(item.uncertain for item in later)


async def test_digest_inputs_count_each_idea_once_and_cut_the_lists(store: Store) -> None:
    for n in range(1, 6):
        await store.add_idea(draft=draft(n), submitter_id="U1", view_id=f"V{n}", flags=GateFlags())
    await store.change_status(idea_id=1, actor_id="L", to_status="under_review")
    await store.change_status(idea_id=1, actor_id="L", to_status="accepted")
    await store.change_status(idea_id=2, actor_id="L", to_status="needs_problem")
    await store.change_status(idea_id=3, actor_id="L", to_status="accepted")
    await store.change_status(idea_id=3, actor_id="L", to_status="in_progress")
    await store.change_status(idea_id=3, actor_id="L", to_status="shipped")
    await store.change_status(idea_id=4, actor_id="L", to_status="declined")
    now = utcnow()
    data = await store.digest_inputs(
        period_start=now - timedelta(days=7),
        period_end=now + timedelta(seconds=1),
        stale_before=now + timedelta(seconds=1),
        balance_since=now - timedelta(days=90),
        show=2,
    )
    assert (data.new_count, data.triaged, data.accepted, data.shipped) == (5, 4, 2, 1)
    assert data.moves_count == 7 and len(data.moves) == 2  # the two latest, newest first
    assert data.moves[0][0].to_value == "declined"
    assert data.stale_count == 2 and len(data.stale) == 2  # IDEA-2 (needs problem) and IDEA-5 (new)
    assert data.open_total == 3  # shipped and declined are closed
    assert data.gaps_count == 1 and data.gaps[0].id == 1  # accepted, no sponsor or partner
    assert sum(n for _, _, n in data.balance) == 5


async def test_an_idea_awaiting_a_second_look_owes_its_messages_later_until_settled(store: Store) -> None:
    first, _ = await store.add_idea(draft=draft(1), submitter_id="U1", view_id="V1", flags=GateFlags())
    lease = timedelta(seconds=30)
    await store.claim_outbox(owner="a", now=utcnow(), limit=10, lease=lease)  # the first idea's two
    later = utcnow() + timedelta(seconds=6)
    second, _ = await store.add_idea(
        draft=draft(2), submitter_id="U1", view_id="V2", flags=GateFlags(), deliver_at=later
    )
    assert await store.claim_outbox(owner="b", now=utcnow(), limit=10, lease=lease) == []  # not due yet
    await store.settle_similar(idea_id=second.id, similar_ids=[first.id])
    due = await store.claim_outbox(owner="c", now=utcnow(), limit=10, lease=lease)
    assert sorted(i.kind for i in due) == ["card", "receipt"] and {i.idea_id for i in due} == {second.id}
    stored = await store.get_idea(idea_id=second.id)
    assert stored.similar_ids == str(first.id) and stored.similar_to_id == first.id
    assert await store.idea_texts(idea_ids=[first.id, 12345]) == {first.id: (draft(1).title, draft(1).problem)}


async def test_settling_without_a_verdict_keeps_what_the_vectors_named(store: Store) -> None:
    a, _ = await store.add_idea(draft=draft(1), submitter_id="U1", view_id="V1", flags=GateFlags())
    b, _ = await store.add_idea(draft=draft(2), submitter_id="U1", view_id="V2", flags=GateFlags())
    lease = timedelta(seconds=30)
    await store.claim_outbox(owner="a", now=utcnow(), limit=10, lease=lease)
    later = utcnow() + timedelta(seconds=6)
    idea, _ = await store.add_idea(
        draft=draft(3), submitter_id="U1", view_id="V3", flags=GateFlags(), similar_ids=[b.id, a.id], deliver_at=later
    )
    await store.settle_similar(idea_id=idea.id, similar_ids=None)
    assert len(await store.claim_outbox(owner="b", now=utcnow(), limit=10, lease=lease)) == 2
    assert (await store.get_idea(idea_id=idea.id)).similar_ids == f"{b.id},{a.id}"
    await store.settle_similar(idea_id=idea.id, similar_ids=[])
    assert (await store.get_idea(idea_id=idea.id)).similar_to_id is None
