"""The digest schedule: APScheduler fires it, the database makes it exactly once.

APScheduler's memory job store forgets runs missed while the bot was down, and job stores can't
be shared between processes, so the source of truth is the `digest_runs` table: a period
(keyed by its scheduled end) is *claimed* in the database, together with the outbox items that
will post it, before anything is posted. Two copies of the bot race for the claim; one wins.
On start-up the most recent period is claimed too if nobody posted it (a missed run).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings
from bot.domain.digest import BALANCE_WINDOW_DAYS, Digest, compose_digest
from bot.domain.digest_trend import TREND_PERIODS
from bot.views.digest_blocks import render_digest
from bot.views.digest_chart import chart_data
from models.store import Store
from models.tables import utcnow

log = logging.getLogger("ideabot.digest")

JOB_ID = "weekly-digest"
HOUSEKEEPING_JOB_ID = "forget-processed-keys"
KEEP_PROCESSED = timedelta(hours=24)  # Slack redelivers an event within minutes; keep its key a day
MISFIRE_GRACE_S = 3600  # a run up to an hour late (e.g. a busy event loop) still happens
_LOOKBACK = (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=32), timedelta(days=367))


def make_trigger(settings: Settings) -> CronTrigger:
    """The digest's trigger: DIGEST_SCHEDULE (crontab) in DIGEST_TIMEZONE."""
    return CronTrigger.from_crontab(settings.digest_schedule, timezone=settings.digest_timezone)


def last_fire(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The latest time ≤ `now` at which `trigger` fires (None if not within a year)."""
    for lookback in _LOOKBACK:
        start = now - lookback
        fire = trigger.get_next_fire_time(None, start)
        found = None
        while fire is not None and fire <= now:
            found = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if found is not None:
            return found
    return None


def previous_fire(trigger: BaseTrigger, fire: datetime) -> datetime:
    """The fire time before `fire` (the start of the period `fire` ends); a week back if none."""
    before = last_fire(trigger, fire - timedelta(microseconds=1))
    return before if before is not None else fire - timedelta(days=7)


def trend_bounds(
    trigger: BaseTrigger, start: datetime, end: datetime, count: int = TREND_PERIODS
) -> tuple[datetime, ...]:
    """The bounds of the `count` periods ending with [start, end), oldest first (count + 1 times)."""
    bounds = [end, start]
    while len(bounds) <= count:
        bounds.append(previous_fire(trigger, bounds[-1]))
    return tuple(reversed(bounds))


@dataclass(frozen=True)
class Period:
    """One digest period: [start, end), keyed by its end."""

    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """The period's unique key in `digest_runs`."""
        return _utc_key(self.end)


def _utc_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DigestScheduler:
    """Composes, claims and schedules digests."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        wake_outbox: Callable[[], None],
        clock: Callable[[], datetime] = utcnow,
        trigger: BaseTrigger | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.wake_outbox = wake_outbox
        self.clock = clock
        self.trigger = trigger or make_trigger(settings)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._scheduler: AsyncIOScheduler | None = None

    # --- composing ---------------------------------------------------------------------------

    async def compose(self, period: Period) -> Digest:
        """The digest for `period`, from the database, as of now.

        Composing checks every new idea of the last periods for shiny objects (about 1.8 s in all
        at 100,000 ideas, bench/digest.py): it runs in a thread, so the bot keeps answering Slack.
        """
        now = self.clock()
        inputs = await self.store.digest_inputs(
            period_start=period.start,
            period_end=period.end,
            stale_before=min(now, period.end) - timedelta(days=self.settings.stale_after_days),
            balance_since=period.end - timedelta(days=BALANCE_WINDOW_DAYS),
            periods=trend_bounds(self.trigger, period.start, period.end),
        )
        return await asyncio.to_thread(
            compose_digest,
            inputs,
            period_start=period.start,
            period_end=period.end,
            now=min(now, period.end),
            timezone=self.settings.digest_timezone,
            stale_after_days=self.settings.stale_after_days,
            invent_share_warning=self.settings.invent_share_warning,
        )

    def current_period(self) -> Period:
        """The period in progress: since the last scheduled digest, until now."""
        now = self.clock()
        start = last_fire(self.trigger, now) or now - timedelta(days=7)
        return Period(start=start, end=now)

    def last_period(self) -> Period | None:
        """The most recent scheduled period that has ended."""
        end = last_fire(self.trigger, self.clock())
        if end is None:
            return None
        return Period(start=previous_fire(self.trigger, end), end=end)

    async def claim(self, period: Period, *, key: str | None = None) -> bool:
        """Compose `period`'s digest and claim it with its messages (and its chart, unless
        DIGEST_CHART is off: drawn and uploaded by the outbox); False if already claimed."""
        digest = await self.compose(period)
        messages = [m.as_kwargs() for m in render_digest(digest)]
        claimed = await self.store.claim_digest(
            key=key or period.key,
            period_start=period.start,
            period_end=period.end,
            channel=self.settings.digest_target,
            messages=messages,
            owner=self.owner,
            chart=chart_data(digest).to_dict() if self.settings.digest_chart else None,
        )
        if claimed:
            log.info(
                "digest %s claimed (%d message%s for %s); the outbox posts it",
                key or period.key,
                len(messages),
                "s" * (len(messages) != 1),
                self.settings.digest_target,
            )
            self.wake_outbox()
        return claimed

    # --- scheduling --------------------------------------------------------------------------

    async def run_due(self) -> bool:
        """Claim the most recent ended period if nobody did; True if this call claimed it.

        This is both the scheduled job and the start-up catch-up. On the very first start (no
        runs recorded) the last period is marked skipped instead: it ended before the bot ran.
        """
        period = self.last_period()
        if period is None:
            return False
        if await self.store.digest_run(key=period.key) is not None:
            return False
        if not await self.store.digest_runs(limit=1):
            await self.store.skip_digest(
                key=period.key,
                period_start=period.start,
                period_end=period.end,
                note="ended before ideabot first started",
            )
            log.info(
                "first start: the digest period that ended %s is skipped; the next one will be posted",
                period.end.isoformat(),
            )
            return False
        return await self.claim(period)

    async def _job(self) -> None:
        try:
            await self.run_due()
        except Exception:  # the scheduler would swallow it; say so, and the next start catches up
            log.exception("the scheduled digest failed; it will be retried at the next start or run")

    async def _forget_processed(self) -> None:
        try:
            forgotten = await self.store.forget_processed(before=self.clock() - KEEP_PROCESSED)
        except Exception:
            log.exception("could not forget old processed deliveries; will try again in an hour")
            return
        if forgotten:
            log.info("forgot %d processed deliveries older than a day", forgotten)

    def start(self) -> None:
        """Start APScheduler with the digest job and hourly housekeeping (needs a running loop)."""
        self._scheduler = AsyncIOScheduler(timezone=self.settings.digest_timezone)
        self._scheduler.add_job(
            self._job,
            trigger=self.trigger,
            id=JOB_ID,
            replace_existing=True,
            misfire_grace_time=MISFIRE_GRACE_S,
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.add_job(
            self._forget_processed,
            trigger="interval",
            hours=1,
            id=HOUSEKEEPING_JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()
        job = self._scheduler.get_job(JOB_ID)
        log.info(
            "the digest is scheduled (%s, %s); next: %s",
            self.settings.digest_schedule,
            self.settings.digest_timezone,
            job.next_run_time if job else "never",
        )

    def next_run_time(self) -> datetime | None:
        """When APScheduler will next run the digest job."""
        job = self._scheduler.get_job(JOB_ID) if self._scheduler else None
        return job.next_run_time if job else None

    def shutdown(self) -> None:
        """Stop scheduling (a job under way finishes on its own)."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
