"""The outbox's delivery of each kind of item (card, receipt, thread reply, DM, digest, its chart).

Each item is rendered from the database at delivery time, so a card update always shows the latest
state. `Deliveries` is mixed into `OutboxWorker` (bot/delivery/outbox/worker.py), which leases the items,
paces the posts (`_post`, `_paced`, `_check_paused`) and records what a batch delivered.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.digest_upload import CHART_WAIT, chart_upload, draw
from bot.views import build_idea_card, build_receipt
from bot.views.triage import build_dm, build_thread_reply, build_triage_actions
from models.store import ActivityNotice, CardData, Completion, OutboxKind, Store
from models.tables import Idea, OutboxItem, utcnow

log = logging.getLogger("ideabot.outbox")

METADATA_EVENT = "ideabot_outbox"  # message metadata that names the outbox item behind a post
RECEIPT_WAIT_S = 3.0  # how long a receipt waits for its card's link before going without it


@dataclass
class Batch:
    """What one batch delivered, recorded together when it ends."""

    done: list[Completion] = field(default_factory=list)
    cards: dict[int, CardData] = field(default_factory=dict)  # cards this batch posted, as they are now
    read: dict[int, CardData] = field(default_factory=dict)  # card data read when the batch began


CURRENT_BATCH: contextvars.ContextVar[Batch] = contextvars.ContextVar("outbox_batch")


class Gone(Exception):
    """The item can never be delivered (what it is about no longer exists): mark it failed."""


class Defer(Exception):
    """Not yet deliverable (e.g. a receipt whose card is not posted): try again soon, no attempt spent."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


def payload_of(item: OutboxItem) -> dict:
    """The item's JSON payload as a dict ({} when it is missing or not an object)."""
    try:
        data = json.loads(item.payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def error_code(error: Exception) -> str:
    """Slack's error code for a failed call, or the exception's type name."""
    if isinstance(error, SlackApiError) and isinstance(getattr(error.response, "data", None), dict):
        return str(error.response.get("error", "error"))
    return type(error).__name__


class Deliveries:
    """Mixed into `OutboxWorker`: how each kind of outbox item reaches Slack."""

    store: Store
    client: AsyncWebClient
    settings: Settings
    clock: Callable[[], datetime]
    workspace_url: Callable[[], str]
    _cards_due: dict[int, float]

    @property
    def _batch(self) -> Batch:
        """The batch being delivered by the current `deliver_due` call."""
        return CURRENT_BATCH.get()

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
        activity_id = payload_of(item).get("activity")
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
        payload = payload_of(item)
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
        payload = payload_of(item)
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
        payload = payload_of(item)
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
            log.info("outbox: no permalink for %s/%s (%s)", channel, ts, error_code(error))
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
