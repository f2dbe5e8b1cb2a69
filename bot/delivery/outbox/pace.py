"""How fast the outbox may call Slack: per-channel pacing (`ChannelPace`) and retry backoff (`Backoff`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass


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
