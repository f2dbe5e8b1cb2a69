"""A burst against Slack's per-channel pace: `python bench/pace.py [--people 40]`.

The stand-in enforces what Slack does for chat.postMessage: about one message a second per
channel, short bursts (3) allowed, 429 with Retry-After beyond it. `--people` people submit an
idea at the same moment through the real modal (signed requests; the outbox in this process,
on a SQLite file). Printed: how long until every card was in the ideas channel, how many posts
Slack refused with 429 (per card), when each submitter's receipt (a DM, another channel)
arrived after their submission was acked, and whether every card went out exactly once.
`--interval 0` shows the same burst without pacing, for contrast.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import nearest_rank  # noqa: E402
from bot.runtime.server import RuntimeOptions  # noqa: E402
from bot.standin.local import IDEAS_CHANNEL, LocalSlack, idea_answers  # noqa: E402


async def burst(people: int, interval: float) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="ideabot-pace-"))
    options = RuntimeOptions(outbox_poll_interval=1.0)  # production's poll interval
    async with LocalSlack(workdir / "pace.db", options=options, post_interval=interval) as local:
        local.standin.post_rate, local.standin.post_burst = 1.0, 3
        users = [f"U00PACE{i:03d}" for i in range(people)]
        views = [await local.open_modal(user=user) for user in users]
        acked: dict[str, float] = {}

        async def submit(i: int) -> None:
            await local.submit(views[i], idea_answers(title=f"Paced idea {i}"), user=users[i])
            acked[users[i]] = time.monotonic()

        started = time.monotonic()
        await asyncio.gather(*(submit(i) for i in range(people)))
        await local.wait_for(
            lambda: len(local.standin.channel_messages(IDEAS_CHANNEL)) >= people, timeout=30 + 5 * people, what="cards"
        )
        await local.settle(timeout=60)
        posts = [c for c in local.standin.calls if c.method == "chat.postMessage"]
        cards = [c for c in posts if c.args.get("channel") == IDEAS_CHANNEL]
        receipts = [
            c.at - acked[c.args["channel"]] for c in posts if c.args.get("channel") in acked and c.answered == "ok"
        ]
        texts = [m.text for m in local.standin.channel_messages(IDEAS_CHANNEL)]
        return {
            "cards_s": max(c.at for c in cards if c.answered == "ok") - started,
            "limited": sum(c.answered == "429" for c in posts),
            "limited_cards": sum(c.answered == "429" for c in cards),
            "receipt_p50": statistics.median(receipts),
            "receipt_p95": nearest_rank(receipts, 0.95),
            "receipt_max": max(receipts),
            "receipts": len(receipts),
            "cards": len(texts),
            "distinct": len(set(texts)),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--interval", type=float, default=1.0, help="SLACK_POST_INTERVAL (default 1)")
    args = parser.parse_args()
    r = asyncio.run(burst(args.people, args.interval))
    n = args.people
    print(
        f"burst of {n} submissions by {n} people; Slack's pace 1/s per channel, bursts of 3; interval {args.interval}s"
    )
    print(
        f"  every card in the ideas channel after {r['cards_s']:.1f} s ({r['cards']} cards, {r['distinct']} distinct)"
    )
    print(f"  429s: {r['limited']:.0f} in all, {r['limited_cards']:.0f} on cards ({r['limited_cards'] / n:.2f} a card)")
    print(
        f"  receipts ({r['receipts']:.0f}) after the ack: p50 {r['receipt_p50']:.2f} s, "
        f"p95 {r['receipt_p95']:.2f} s, max {r['receipt_max']:.2f} s"
    )


if __name__ == "__main__":
    main()
