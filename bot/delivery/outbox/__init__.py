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

The worker's loop, batches and retries are in `worker`, the delivery of each kind in `deliver`,
and Slack's pace in `pace`.
"""

from bot.delivery.outbox.pace import Backoff, ChannelPace
from bot.delivery.outbox.worker import OutboxWorker

__all__ = ["Backoff", "ChannelPace", "OutboxWorker"]
