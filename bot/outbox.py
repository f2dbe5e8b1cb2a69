"""The outbox worker: delivers every message the bot owes Slack, and never loses one.

Items are written by the store in the same transaction as the change that causes them. This
worker leases due items, renders them from the database *at delivery time* (so a card update
always shows the latest state), and calls Slack. Transport-level retries (a dropped connection,
one 5xx) are slack_sdk's retry handlers; anything beyond that is rescheduled in the database with
capped exponential backoff and so survives restarts. Posts keep Slack's pace per channel
(`ChannelPace`: about one a second; a post that would come too soon is deferred to its slot), and
a 429 pauses only its channel, for Retry-After.
Errors that no retry can fix (`channel_not_found`, `invalid_blocks`, …) mark the item failed
with a log line; `ideabot outbox` lists them.

A post whose earlier attempt may have reached Slack (the process died mid-call, or a timeout)
is *uncertain*: before posting again the worker looks for the message it may already have
posted, by the outbox id carried in the message's metadata.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import heapq
import json
import logging
import os
import random
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.config import Settings
from bot.digest_upload import CHART_WAIT, ChartUnusable, chart_upload, draw
from bot.domain import idea_ref
from bot.triage_views import build_dm, build_thread_reply, build_triage_actions
from bot.views import build_idea_card, build_receipt
from models.store import ActivityNotice, CardData, Completion, OutboxKind, Store
from models.tables import Idea, OutboxItem, utcnow

log = logging.getLogger("ideabot.outbox")
T = TypeVar("T")

METADATA_EVENT = "ideabot_outbox"  # message metadata that names the outbox item behind a post
GATHER_S = 0.01  # after a wake-up, how long to let more owed messages arrive before claiming
# Slack lets an app post about one message a second to a channel (short bursts allowed, then
# 429). Posts to one channel are spaced SLACK_POST_INTERVAL apart; other channels are not held back.
PACE_SLEEP_S = 0.3  # a slot this close is waited for in place; a later one is deferred to its time
RECEIPT_WAIT_S = 3.0  # how long a receipt waits for its card's link before going without it

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


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter, in seconds."""

    base: float = 2.0
    cap: float = 300.0
    jitter: float = 0.2

    def delay(self, attempts: int) -> float:
        """How long to wait before attempt number `attempts + 1`."""
        raw = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        return raw * (1 + random.uniform(-self.jitter, self.jitter))


@dataclass
class _Batch:
    """What one batch delivered, recorded together when it ends."""

    done: list[Completion] = field(default_factory=list)
    cards: dict[int, CardData] = field(default_factory=dict)  # cards this batch posted, as they are now
    read: dict[int, CardData] = field(default_factory=dict)  # card data read when the batch began


_BATCH: contextvars.ContextVar[_Batch] = contextvars.ContextVar("outbox_batch")


class ChannelPace:
    """When each channel may next be posted to, one post every `interval` seconds per channel.

    A post takes the channel's next free slot and keeps it (by outbox item) until it is sent, so
    a deferred card comes back to the slot it was given rather than queueing again. After a 429
    the channel's next slot is after Retry-After, and the slots given out before it are dropped.
    """

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._next: dict[str, float] = {}  # channel -> its next free slot
        self._slots: dict[int, tuple[str, float]] = {}  # outbox item id -> (channel, its slot)
        self._paused: dict[str, float] = {}  # channel -> until when Slack asked us to wait (429)
        self._last: dict[str, float] = {}  # channel -> when its last post went (a slot used late moves the next)

    def wait(self, channel: str, item_id: int, *, within: float = 0.0) -> float:
        """Seconds until `item_id` may post to `channel`. A slot no more than `within` seconds
        away is used up (the caller waits that long and posts); a later one is kept."""
        now = self.clock()
        held = self._slots.get(item_id)
        if held is None or held[0] != channel:
            at = max(now, self._next.get(channel, 0.0))
            self._next[channel] = at + self.interval
            held = self._slots[item_id] = (channel, at)
            self._forget_old(now)
        # Never closer than `interval` to the post before, even when that one went late.
        at = max(held[1], self._last.get(channel, float("-inf")) + self.interval)
        if at > now + within:
            self._slots[item_id] = (channel, at)
            return at - now
        del self._slots[item_id]
        self._last[channel] = max(at, now)
        return max(0.0, at - now)

    def paused_for(self, channel: str) -> float:
        """Seconds until `channel` takes posts again after a 429 (0: not paused)."""
        until = self._paused.get(channel)
        if until is None:
            return 0.0
        remaining = until - self.clock()
        if remaining <= 0:
            del self._paused[channel]
        return max(0.0, remaining)

    def pause(self, channel: str, seconds: float) -> None:
        """Slack said 429 for `channel`: nothing goes there for `seconds`."""
        until = self.clock() + seconds
        self._paused[channel] = until
        self._next[channel] = max(self._next.get(channel, 0.0), until)
        for item_id, (held, _at) in list(self._slots.items()):
            if held == channel:
                del self._slots[item_id]

    def _forget_old(self, now: float) -> None:
        if len(self._next) > 2048:  # one entry per channel posted to: DMs make many
            self._next = {c: at for c, at in self._next.items() if at > now}
            self._last = {c: at for c, at in self._last.items() if at > now - self.interval}
        if len(self._slots) > 2048:  # slots of items that were never sent (failed, deleted)
            self._slots = {i: held for i, held in self._slots.items() if held[1] > now - 60}


class Gone(Exception):
    """The item can never be delivered (what it is about no longer exists): mark it failed."""


class Defer(Exception):
    """Not yet deliverable (e.g. a receipt whose card is not posted): try again soon, no attempt spent."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


class OutboxWorker:
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

    @property
    def _batch(self) -> _Batch:
        """The batch being delivered by the current `deliver_due` call."""
        return _BATCH.get()

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
        batch = _Batch()
        # What the cards and receipts of this batch show, read at once rather than item by item.
        wanted = [i.idea_id for i in items if i.idea_id is not None and i.kind in (OutboxKind.CARD, OutboxKind.RECEIPT)]
        batch.read = await self.store.cards_data(idea_ids=wanted)
        token = _BATCH.set(batch)  # the deliveries below (their tasks copy this context) add to it
        try:
            await asyncio.gather(*(self._deliver_in_order(group) for group in groups.values()))
        finally:
            _BATCH.reset(token)
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
            if getattr(error.response, "status_code", 0) == 429 or _error_code(error) == "ratelimited":
                self.pace.pause(channel, _retry_after(error.response))
            raise

    # --- delivery per kind ---------------------------------------------------------------

    async def _deliver(self, item: OutboxItem) -> None:
        deliver = {
            OutboxKind.CARD: self._deliver_card,
            OutboxKind.RECEIPT: self._deliver_receipt,
            OutboxKind.THREAD: self._deliver_thread,
            OutboxKind.DM: self._deliver_dm,
            OutboxKind.DIGEST: self._deliver_digest,
            OutboxKind.DIGEST_CHART: self._deliver_digest_chart,
        }.get(item.kind)
        if deliver is None:
            raise Gone(f"unknown kind {item.kind!r}")
        await deliver(item)

    async def _card_data(self, idea_id: int | None) -> CardData:
        batch = self._batch
        if idea_id is not None and idea_id in batch.cards:
            return batch.cards[idea_id]  # posted moments ago in this batch, not yet recorded
        if idea_id is not None and idea_id in batch.read:
            return batch.read.pop(idea_id)  # read with the batch (once: a later item reads afresh)
        data = await self.store.card_data(idea_id=idea_id) if idea_id is not None else None
        if data is None:
            raise Gone("its idea no longer exists")
        return data

    async def _notice(self, item: OutboxItem) -> ActivityNotice:
        activity_id = _payload(item).get("activity")
        notice = await self.store.activity_notice(activity_id=activity_id) if isinstance(activity_id, int) else None
        if notice is None:
            raise Gone("its activity no longer exists")
        return notice

    async def _wait_for_card(self, idea: Idea) -> None:
        """Replies and links need the card: wait while it is still queued (not once it failed)."""
        if not idea.card_ts and idea.id is not None and await self.store.card_pending(idea_id=idea.id):
            raise Defer(1.0, "waiting for the card to be posted")

    async def _card_queued(self, receipt: OutboxItem, idea: Idea) -> bool:
        """Whether the receipt goes before its card: it waits for the card's link only briefly.

        A card paced to a later slot (a burst in the ideas channel), or one Slack keeps failing,
        does not hold the submitter's receipt back: after RECEIPT_WAIT_S it goes without the link.
        """
        if idea.id is None:
            return False
        if idea.card_ts or not await self.store.card_pending(idea_id=idea.id):
            self._cards_due.pop(idea.id, None)
            return False
        left = RECEIPT_WAIT_S - (self.clock() - receipt.created_at).total_seconds()
        due = self._cards_due.get(idea.id)
        card_in = due - time.monotonic() if due is not None else 0.5  # unknown: look again soon
        if left <= 0 or card_in >= left:
            return True
        raise Defer(max(0.1, min(1.0, card_in + 0.05)), "waiting briefly for the card to be posted")

    async def _with_card_permalink(self, data: CardData) -> CardData:
        idea = data.idea
        if idea.card_ts and not idea.card_permalink and idea.id is not None:
            permalink = await self._permalink(idea.card_channel, idea.card_ts)
            if permalink:
                await self.store.set_card_permalink(idea_id=idea.id, permalink=permalink)
                return await self._card_data(idea.id)
        return data

    async def _deliver_card(self, item: OutboxItem) -> None:
        assert item.id is not None
        data = await self._card_data(item.idea_id)
        idea = data.idea
        assert idea.id is not None
        if idea.card_ts:
            self._check_paused(idea.card_channel)
            message = build_idea_card(data, actions=build_triage_actions(idea))
            await self.client.chat_update(channel=idea.card_channel, ts=idea.card_ts, **message.as_kwargs())
            self._batch.done.append(Completion(item_id=item.id, channel=idea.card_channel, ts=idea.card_ts))
            return

        channel = self.settings.ideas_channel
        self._check_paused(channel)
        if idea.source_channel and not idea.source_permalink:
            permalink = await self._permalink(idea.source_channel, idea.source_ts)
            if permalink:
                await self.store.set_source_permalink(idea_id=idea.id, permalink=permalink)
                data = await self._card_data(idea.id)
        ts = await self._find_posted(item, channel) if item.uncertain else ""
        if not ts:
            message = build_idea_card(data, actions=build_triage_actions(data.idea))
            response = await self._post(item, channel, **message.as_kwargs())
            ts = response["ts"]
            channel = response.get("channel", channel)
        # The permalink is asked before recording, so one transaction records both; if the process
        # died in between, the next attempt finds the posted card by its metadata.
        permalink = await self._permalink(channel, ts)
        self._batch.done.append(
            Completion(item_id=item.id, channel=channel, ts=ts, card_idea_id=idea.id, permalink=permalink)
        )
        self._cards_due.pop(idea.id, None)
        posted = idea.model_copy(update={"card_channel": channel, "card_ts": ts, "card_permalink": permalink})
        self._batch.cards[idea.id] = dataclasses.replace(data, idea=posted)

    async def _deliver_receipt(self, item: OutboxItem) -> None:
        assert item.id is not None
        data = await self._card_data(item.idea_id)
        queued = await self._card_queued(item, data.idea)
        data = await self._with_card_permalink(data)
        message = build_receipt(data, card_queued=queued)
        response = await self._post(item, data.idea.submitter_id, **message.as_kwargs())
        self._batch.done.append(Completion(item.id, channel=response.get("channel", ""), ts=response.get("ts", "")))

    async def _deliver_thread(self, item: OutboxItem) -> None:
        assert item.id is not None
        notice = await self._notice(item)
        idea = notice.idea
        await self._wait_for_card(idea)
        if not idea.card_ts:
            raise Gone("the idea has no card to reply under")
        self._check_paused(idea.card_channel)
        ts = await self._find_posted(item, idea.card_channel, thread_ts=idea.card_ts) if item.uncertain else ""
        if not ts:
            response = await self._post(
                item, idea.card_channel, thread_ts=idea.card_ts, **build_thread_reply(notice).as_kwargs()
            )
            ts = response.get("ts", "")
        self._batch.done.append(Completion(item_id=item.id, channel=idea.card_channel, ts=ts))

    async def _deliver_dm(self, item: OutboxItem) -> None:
        assert item.id is not None
        payload = _payload(item)
        user, role = payload.get("user"), payload.get("role", "")
        if not isinstance(user, str) or not user:
            raise Gone("no recipient")
        notice = await self._notice(item)
        await self._wait_for_card(notice.idea)
        data = await self._with_card_permalink(await self._card_data(notice.idea.id))
        notice = ActivityNotice(activity=notice.activity, idea=data.idea, other=notice.other)
        response = await self._post(item, user, **build_dm(notice, str(role)).as_kwargs())
        self._batch.done.append(Completion(item.id, channel=response.get("channel", ""), ts=response.get("ts", "")))

    async def _deliver_digest(self, item: OutboxItem) -> None:
        assert item.id is not None
        payload = _payload(item)
        key, part = payload.get("run"), payload.get("part")
        run = await self.store.digest_run(key=key) if isinstance(key, str) else None
        if run is None or not isinstance(part, int):
            raise Gone("its digest run no longer exists")
        messages = json.loads(run.content or "[]")
        if not 0 <= part < len(messages):
            raise Gone(f"the digest has no part {part}")
        message = messages[part]
        if part == 0:
            self._check_paused(run.channel)
            # Reconcile by metadata needs a channel id; a #name can't be searched, so it is posted again.
            known = run.channel_id or (run.channel if run.channel[:1] in ("C", "G") else "")
            ts = await self._find_posted(item, known) if item.uncertain and known else ""
            channel = known
            if not ts:
                response = await self._post(item, run.channel, **message)
                ts, channel = response["ts"], response.get("channel", run.channel)
        else:
            if not run.message_ts:
                raise Defer(1.0, "waiting for the digest's first message")
            channel = run.channel_id
            self._check_paused(channel)
            ts = await self._find_posted(item, channel, thread_ts=run.message_ts) if item.uncertain else ""
            if not ts:
                response = await self._post(item, channel, thread_ts=run.message_ts, **message)
                ts = response["ts"]
        await self.store.record_digest_post(key=run.key, item_id=item.id, part=part, channel=channel, ts=ts)

    async def _deliver_digest_chart(self, item: OutboxItem) -> None:
        """The digest's chart, in the channel after its first message: drawn now, uploaded once."""
        assert item.id is not None
        payload = _payload(item)
        key = payload.get("run")
        run = await self.store.digest_run(key=key) if isinstance(key, str) else None
        if run is None:
            raise Gone("its digest run no longer exists")
        if not run.message_ts:
            waited = utcnow() - item.created_at  # created_at is the store's real time, not `clock`
            if waited > CHART_WAIT:
                raise Gone("the digest's first message never reached Slack")
            # Looked at again soon, then less often: the first message may be backing off for hours.
            raise Defer(min(60.0, max(1.0, waited.total_seconds() / 10)), "waiting for the digest's first message")
        channel = run.channel_id
        self._check_paused(channel)
        upload = chart_upload(payload, item_id=item.id, period_end=run.period_end)
        # Any earlier attempt may have shared it (the last of files_upload_v2's three calls can
        # succeed and its answer still be lost, and slack_sdk's own retry of it then fails): look first.
        tried = item.uncertain or item.attempts > 0
        if not (tried and await self._find_posted(item, channel, matches=upload.is_mine)):
            image = await draw(upload.chart)
            await self._paced(item, channel, lambda: upload.send(self.client, channel=channel, image=image))
        self._batch.done.append(Completion(item_id=item.id, channel=channel))

    async def _permalink(self, channel: str, ts: str) -> str:
        """A message's permalink, or "" if Slack won't give one (the post still goes ahead).

        With the workspace's URL known (auth.test), it is built in Slack's documented form
        `<workspace>/archives/<channel>/p<ts without the dot>` instead of asking chat.getPermalink.
        """
        base = self.workspace_url()
        if base and re.fullmatch(r"\d+\.\d+", ts) and re.fullmatch(r"[A-Z0-9]+", channel):
            return f"{base.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"
        try:
            response = await self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
            log.info("outbox: no permalink for %s/%s (%s)", channel, ts, _error_code(error))
            return ""
        permalink = response.get("permalink")
        return permalink if isinstance(permalink, str) else ""

    async def _find_posted(
        self, item: OutboxItem, channel: str, *, thread_ts: str = "", matches: Callable[[dict], bool] | None = None
    ) -> str:
        """The ts of a message an earlier attempt of `item` already posted (in the thread), or "".

        A message is the item's when its metadata names the item, or when `matches` says so.
        """
        oldest = (item.created_at - timedelta(minutes=5)).timestamp()
        cursor = None
        for _ in range(10):
            if thread_ts:
                response = await self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=200, include_all_metadata=True, cursor=cursor
                )
            else:
                response = await self.client.conversations_history(
                    channel=channel, oldest=f"{oldest:.6f}", limit=200, include_all_metadata=True, cursor=cursor
                )
            for message in response.get("messages", []):
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                mine = metadata.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == item.id
                if mine or (matches is not None and matches(message)):
                    log.info("outbox: item %s was already posted (ts %s); not posting again", item.id, message["ts"])
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return ""


def _in_order_with(item: OutboxItem) -> object:
    """What an item is delivered in order with, within a batch."""
    if item.idea_id is not None:
        return item.idea_id
    if item.kind in (OutboxKind.DIGEST, OutboxKind.DIGEST_CHART):
        return ("digest", _payload(item).get("run"))
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


def _payload(item: OutboxItem) -> dict:
    try:
        data = json.loads(item.payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _retry_after(response: object) -> float:
    headers = getattr(response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            with contextlib.suppress(TypeError, ValueError):
                return max(1.0, float(raw))
    return 5.0


def _error_code(error: Exception) -> str:
    if isinstance(error, SlackApiError) and isinstance(getattr(error.response, "data", None), dict):
        return str(error.response.get("error", "error"))
    return type(error).__name__
