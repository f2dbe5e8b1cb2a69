"""The outbox worker's loop: lease due items, deliver them in order per idea or digest, record each batch,
and retry what failed (backoff, a 429's Retry-After per channel, errors no retry fixes marked failed).
The per-kind deliveries are in bot/delivery/outbox/deliver.py."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.config import Settings
from bot.delivery.digest_upload import ChartUnusable
from bot.delivery.outbox.deliver import (
    CURRENT_BATCH,
    METADATA_EVENT,
    Batch,
    Defer,
    Deliveries,
    Gone,
    error_code,
    payload_of,
)
from bot.delivery.outbox.pace import Backoff, ChannelPace
from bot.domain.ideas import idea_ref
from models.store import OutboxKind, Store
from models.tables import OutboxItem, utcnow

log = logging.getLogger("ideabot.outbox")
T = TypeVar("T")

GATHER_S = 0.01  # after a wake-up, how long to let more owed messages arrive before claiming
# Slack lets an app post about one message a second to a channel (short bursts allowed, then
# 429). Posts to one channel are spaced SLACK_POST_INTERVAL apart; other channels are not held back.
PACE_SLEEP_S = 0.3  # a slot this close is waited for in place; a later one is deferred to its time

# Slack errors no retry will fix: the item is marked failed and listed by `ideabot outbox`.
PERMANENT_ERRORS = frozenset(
    """
    channel_not_found not_in_channel is_archived channel_is_archived invalid_blocks invalid_blocks_format
    msg_too_long msg_blocks_too_long no_text invalid_arguments user_not_found cannot_dm_bot
    message_not_found cant_update_message edit_window_closed restricted_action too_many_attachments
    invalid_metadata_format invalid_metadata_schema metadata_too_large user_disabled
    file_uploads_disabled file_uploads_except_images_disabled file_type_not_allowed file_upload_size_restricted
    alt_txt_too_large missing_argument
    """.split()
)


class OutboxWorker(Deliveries):
    """Leases due outbox items and delivers them; `run()` until `stop()`."""

    def __init__(
        self,
        *,
        store: Store,
        client: AsyncWebClient,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 16,
        poll_interval: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        backoff: Backoff | None = None,
        workspace_url: Callable[[], str] = lambda: "",
        pace: ChannelPace | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.settings = settings
        self.clock = clock
        self.batch = batch
        self.poll_interval = poll_interval
        self.lease = lease
        self.backoff = backoff or Backoff()
        self.workspace_url = workspace_url
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.pace = pace or ChannelPace()
        self._due: list[float] = []  # heap of monotonic times deferred items come due
        self._cards_due: dict[int, float] = {}  # idea id -> when its paced card goes out
        self.delivered = 0
        self._claims = 0

    async def recover(self) -> int:
        """At start-up: free what a crashed process of this host left leased (see the store)."""
        freed = await self.store.release_dead_leases(host=socket.gethostname(), alive=_pid_alive)
        if freed:
            log.warning(
                "outbox: %d message(s) were in flight when a previous process stopped; "
                "checking Slack before sending them again",
                freed,
            )
        return freed

    def wake(self) -> None:
        """Look for due items now (called after a change wrote to the outbox)."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped; a failing pass is logged and retried, never fatal."""
        while not self._stopping.is_set():
            try:
                count = await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed; retrying in %.0fs", self.poll_interval)
                count = 0
            if count >= self.batch:
                continue  # a full batch: more is probably waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_look())
            self._wake.clear()
            # Let a burst gather so one claim takes many items; each claim is a write transaction.
            await asyncio.sleep(GATHER_S)

    def _next_look(self) -> float:
        """Seconds until the next look for due items: the poll interval, or sooner when an item
        deferred in this process comes due (a paced card is sent at its slot, not a poll later)."""
        now = time.monotonic()
        while self._due and self._due[0] <= now:
            heapq.heappop(self._due)
        return min(self.poll_interval, self._due[0] - now) if self._due else self.poll_interval

    async def stop(self) -> None:
        """Finish the delivery under way, then return from `run()`."""
        self.request_stop()

    def request_stop(self) -> None:
        """`stop()` for callbacks that cannot await."""
        self._stopping.set()
        self._wake.set()

    async def deliver_due(self) -> int:
        """Lease one batch of due items and deliver it; how many items were leased."""
        self._claims += 1
        owner = f"{self.owner}:{self._claims}"
        items = await self.store.claim_outbox(owner=owner, now=self.clock(), limit=self.batch, lease=self.lease)
        if not items:
            return 0
        # One idea's items go in order (card before receipt), and one digest's (its first message,
        # its thread, its chart); different ideas and digests go in parallel.
        groups: dict[object, list[OutboxItem]] = {}
        for item in items:
            groups.setdefault(_in_order_with(item), []).append(item)
        batch = Batch()
        # What the cards and receipts of this batch show, read at once rather than item by item.
        wanted = [i.idea_id for i in items if i.idea_id is not None and i.kind in (OutboxKind.CARD, OutboxKind.RECEIPT)]
        batch.read = await self.store.cards_data(idea_ids=wanted)
        token = CURRENT_BATCH.set(batch)  # the deliveries below (their tasks copy this context) add to it
        try:
            await asyncio.gather(*(self._deliver_in_order(group) for group in groups.values()))
        finally:
            CURRENT_BATCH.reset(token)
            # One transaction records the whole batch. Should it fail (or the process die first),
            # the items stay leased, become uncertain, and are looked for in Slack before a resend.
            await self.store.complete_outbox(batch.done)
        return len(items)

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Deliver until nothing is due (tests, the demo, the CLI).

        Items deferred to a later slot (Slack's pace, a receipt waiting for its card) are waited
        for; items backing off after a failure are not.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not await self.deliver_due():
                pending = await self.store.outbox_items(states=("pending",), limit=1)
                if not pending:
                    return
                if pending[0].next_attempt_at > self.clock():
                    if not self._due:
                        return  # only items backing off after a failure are left
                    wait = self._next_look()
                    if time.monotonic() + wait > deadline:
                        return
                    await asyncio.sleep(wait)
                    continue
                await asyncio.sleep(0.05)

    async def _deliver_in_order(self, items: list[OutboxItem]) -> None:
        for item in items:
            await self._deliver_one(item)

    async def _deliver_one(self, item: OutboxItem) -> None:
        assert item.id is not None
        try:
            await self._deliver(item)
            self.delivered += 1
        except (Gone, ChartUnusable) as gone:
            log.error("outbox: %s item %s can't be delivered: %s", item.kind, item.id, gone)
            await self.store.outbox_failed(item_id=item.id, error=str(gone))
        except Defer as defer:
            if len(self._due) < 10_000:
                heapq.heappush(self._due, time.monotonic() + defer.seconds)
            await self.store.outbox_retry(
                item_id=item.id,
                error=str(defer),
                at=self.clock() + timedelta(seconds=defer.seconds),
                uncertain=item.uncertain,
                attempt=False,
            )
        except SlackApiError as error:
            await self._slack_error(item, error)
        except SlackRequestError as error:  # slack_sdk's own, e.g. an upload URL answered other than 200
            await self._retry(item, f"{type(error).__name__}: {error}", uncertain=item.uncertain)
        except (aiohttp.ClientError, TimeoutError) as error:
            # A refused connection never reached Slack; a timeout or a dropped response may have.
            maybe_sent = not isinstance(error, aiohttp.ClientConnectorError)
            await self._retry(item, f"{type(error).__name__}: {error}", uncertain=item.uncertain or maybe_sent)
        except Exception as error:
            log.exception("outbox item %s (%s) raised; will retry", item.id, item.kind)
            await self._retry(item, f"{type(error).__name__}: {error}", uncertain=True)

    async def _slack_error(self, item: OutboxItem, error: SlackApiError) -> None:
        assert item.id is not None
        response = error.response
        status = getattr(response, "status_code", 0)
        code = response.get("error", "") if isinstance(getattr(response, "data", None), dict) else ""
        if status == 429 or code == "ratelimited":
            retry_after = _retry_after(response)
            log.warning("outbox: Slack rate-limited item %s; retrying in %.0fs", item.id, retry_after)
            await self.store.outbox_retry(
                item_id=item.id,
                error="ratelimited",
                at=self.clock() + timedelta(seconds=retry_after),
                uncertain=item.uncertain,
            )
            return
        if code in PERMANENT_ERRORS:
            target = f" for {idea_ref(item.idea_id)}" if item.idea_id else ""
            log.error(
                "outbox: giving up on %s item %s%s: Slack said %s. Fix the cause, then see `ideabot outbox`.",
                item.kind,
                item.id,
                target,
                code,
            )
            await self.store.outbox_failed(item_id=item.id, error=code)
            return
        await self._retry(item, code or f"HTTP {status}", uncertain=item.uncertain or status >= 500)

    async def _retry(self, item: OutboxItem, error: str, *, uncertain: bool) -> None:
        assert item.id is not None
        delay = self.backoff.delay(item.attempts + 1)
        log.warning(
            "outbox: %s item %s failed (%s); attempt %d, retrying in %.1fs",
            item.kind,
            item.id,
            error,
            item.attempts + 1,
            delay,
        )
        await self.store.outbox_retry(
            item_id=item.id, error=error, at=self.clock() + timedelta(seconds=delay), uncertain=uncertain
        )

    def _check_paused(self, channel: str) -> None:
        """Defer a call to `channel` while Slack's Retry-After for it runs."""
        remaining = self.pace.paused_for(channel)
        if remaining > 0:
            raise Defer(remaining, f"channel {channel} rate-limited")

    async def _post(self, item: OutboxItem, channel: str, **message: object) -> AsyncSlackResponse:
        """chat.postMessage at the channel's pace (see `_paced`)."""
        return await self._paced(
            item,
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel, metadata=_metadata(item), unfurl_links=False, **message
            ),
        )

    async def _paced(self, item: OutboxItem, channel: str, call: Callable[[], Awaitable[T]]) -> T:
        """A call that posts to `channel`, at the channel's pace: now, after a short wait, or deferred to its slot.

        A 429 pauses only that channel (for Retry-After) and is then handled like any Slack error.
        """
        assert item.id is not None
        wait = self.pace.wait(channel, item.id, within=PACE_SLEEP_S)
        if wait > PACE_SLEEP_S:
            if item.kind == OutboxKind.CARD and item.idea_id is not None:
                if len(self._cards_due) > 10_000:
                    self._cards_due.clear()  # ideas whose receipts never asked (a bound, not a path)
                self._cards_due[item.idea_id] = time.monotonic() + wait
            raise Defer(wait, f"pacing posts to {channel}")
        if wait:
            await asyncio.sleep(wait)
        try:
            return await call()
        except SlackApiError as error:
            if getattr(error.response, "status_code", 0) == 429 or error_code(error) == "ratelimited":
                self.pace.pause(channel, _retry_after(error.response))
            raise


def _in_order_with(item: OutboxItem) -> object:
    """What an item is delivered in order with, within a batch."""
    if item.idea_id is not None:
        return item.idea_id
    if item.kind in (OutboxKind.DIGEST, OutboxKind.DIGEST_CHART):
        return ("digest", payload_of(item).get("run"))
    return ("item", item.id)


def _metadata(item: OutboxItem) -> dict:
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": item.id, "kind": item.kind}}


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _retry_after(response: object) -> float:
    headers = getattr(response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            with contextlib.suppress(TypeError, ValueError):
                return max(1.0, float(raw))
    return 5.0
