"""The digest: what it shows (in a fixed number of queries), its runs, and its posts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, distinct, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.ideas import Status
from bot.domain.triage import CLOSED, TRIAGE_DECISIONS, WAITING
from models.digest_trend import read_pipeline, read_trend
from models.records import DigestInputs, OutboxKind
from models.store.base import StoreBase
from models.store.outbox import enqueue, mark_sent
from models.tables import Activity, DigestRun, Idea, Support, utcnow


class DigestStore(StoreBase):
    """The weekly digest's reads and its runs (one per period, whichever process claims it)."""

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
                enqueue(session, kind=OutboxKind.DIGEST, payload={"run": key, "part": part})
            if chart is not None:
                enqueue(session, kind=OutboxKind.DIGEST_CHART, payload={"run": key, "chart": chart})
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
            mark_sent(session, item_id=item_id, channel=channel, ts=ts, now=now)

        await self._transact(record)
