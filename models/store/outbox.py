"""The outbox: what the bot owes Slack, leased to one deliverer at a time, and how it went.

`enqueue`, `refresh_card` and `mark_sent` are for the other parts' write transactions: a message
is owed in the same transaction as the change that causes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from models.records import Completion, OutboxKind
from models.store.base import StoreBase
from models.tables import Idea, OutboxItem, utcnow


def enqueue(
    session: Session,
    *,
    kind: str,
    idea_id: int | None = None,
    payload: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Owe Slack one message, due now (or at `at`), in the session's transaction."""
    now = at or utcnow()
    session.add(
        OutboxItem(kind=kind, idea_id=idea_id, payload=json.dumps(payload or {}), next_attempt_at=now, created_at=now)
    )


def refresh_card(session: Session, idea_id: int) -> None:
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
        enqueue(session, kind=OutboxKind.CARD, idea_id=idea_id)


def _item_id(item: OutboxItem) -> int:
    return item.id or 0


def mark_sent(session: Session, *, item_id: int, channel: str, ts: str, now: datetime) -> None:
    """Mark one item delivered (where it went), in the session's transaction."""
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


class OutboxStore(StoreBase):
    """Leasing owed messages, and recording how their delivery went."""

    async def claim_outbox(self, *, owner: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxItem]:
        """Lease up to `limit` due items to `owner` (unique per call); an item leased before and never
        released is marked uncertain (its earlier attempt may have reached Slack).

        One statement whatever the batch size: an UPDATE of the due items (a sub-SELECT picks them)
        that re-checks the lease and returns the rows it leased, so two processes (or replicas)
        claiming at once never share an item. On PostgreSQL the sub-SELECT locks the rows it picks
        and skips rows another replica is claiming (FOR UPDATE SKIP LOCKED); SQLite has one writer
        at a time and ignores the clause.
        """
        items = OutboxItem.__table__
        free = or_(items.c.lease_until.is_(None), items.c.lease_until < now)
        due = (
            select(items.c.id)
            .where(items.c.state == "pending", items.c.next_attempt_at <= now, free)
            .order_by(items.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL: replicas claim different rows, never wait
        )
        leasing = (
            update(items)
            .where(items.c.id.in_(due.scalar_subquery()), items.c.state == "pending", free)
            .values(
                lease_owner=owner,
                lease_until=now + lease,
                uncertain=or_(items.c.uncertain, items.c.lease_owner != ""),
            )
            .returning(*items.c)
        )

        def claim(session: Session) -> list[OutboxItem]:
            # Loaded as the ORM loads rows (a third of the cost of making each item with its __init__).
            return sorted(session.scalars(select(OutboxItem).from_statement(leasing)), key=_item_id)

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

        def complete(conn: Connection) -> None:
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

        await self._transact_core(complete)

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
        def change(conn: Connection) -> None:
            conn.execute(update(OutboxItem).where(col(OutboxItem.id) == item_id).values(**values))

        await self._transact_core(change)

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
