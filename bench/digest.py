"""Digest benchmark: compose and render the weekly digest over 1k, 10k and 100k ideas.

    python bench/digest.py [--sizes 1000 10000 100000]

For each size it builds a SQLite file with that many ideas spread over two years, each with its
history (status changes, scores, assignments) and supporters, then — in a fresh process, so the
memory figure is that size's alone — times reading, composing and rendering the digest (best of
3) and reports the process's peak resident memory. Nothing here talks to Slack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)  # just after a Monday 09:00 digest
SPAN_DAYS = 730
STATUSES = ["new", "needs_problem", "under_review", "accepted", "in_progress", "shipped", "parked", "declined"]
PROBLEMS = [
    "Customers call us to ask where their order is, about 40 calls a day, each takes 4 minutes",
    "New hires wait three days for a laptop and accounts so their first week is idle",
    "We need Kubernetes for all of our services",
    "Let's use blockchain for invoices",
    "Drivers wait 30 minutes at the depot every morning for paper routes",
    "Improve the onboarding experience",
]


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build(path: Path, size: int, seed: int = 42) -> dict[str, int]:
    """Create the schema with the app's own code, then fill it with `size` ideas and their history."""
    from models.store import Store

    async def schema() -> None:
        store = Store.from_url(f"sqlite+aiosqlite:///{path}")
        await store.create_schema()
        await store.close()

    asyncio.run(schema())
    rng = random.Random(seed)
    ideas, activities, supports, scores = [], [], [], []
    support_id = activity_id = score_id = 0
    for n in range(1, size + 1):
        created = NOW - timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400))
        status = rng.choices(STATUSES, weights=[30, 5, 10, 15, 8, 12, 10, 10])[0]
        changed = created + (NOW - created) * rng.random() * 0.5
        origin = rng.choice(["problem", "problem", "technology"])
        kind = rng.choice(["invent", "adopt", "adopt"])
        problem = rng.choice(PROBLEMS)
        ideas.append(
            (
                n,
                f"Idea {n}: {problem[:40]}",
                "Support agents",
                problem,
                rng.choice(["", "Call log"]),
                rng.choice(["", "Saves two hours a day", "improve efficiency"]),
                "",
                origin,
                kind,
                f"U{n % 500:08d}",
                status,
                problem.startswith(("We need", "Let's")),
                False,
                "",
                "C0000IDEAS",
                f"{1700000000 + n}.000001",
                f"https://x.slack.com/archives/C0000IDEAS/p{1700000000 + n}000001",
                rng.choice(["", "U0000SPON1"]),
                rng.choice(["", "U0000PART1"]),
                _ts(created),
                _ts(changed),
                _ts(changed),
            )
        )
        activity_id += 1
        activities.append((activity_id, n, f"U{n % 500:08d}", "created", "", "new", "", _ts(created)))
        if status != "new":
            activity_id += 1
            activities.append((activity_id, n, "U0000LEAD1", "status", "new", status, "because", _ts(changed)))
        if rng.random() < 0.3:
            activity_id += 1
            activities.append(
                (activity_id, n, "U0000LEAD1", "score", "", json.dumps({"customer_value": 4}), "", _ts(changed))
            )
            score_id += 1
            scores.append((score_id, n, "U0000LEAD1", 4, 3, rng.randint(1, 5), _ts(changed)))
        for s in range(rng.choice([0, 0, 1, 2, 3, 5, 8])):
            support_id += 1
            supports.append((support_id, n, f"U{(n * 7 + s) % 900:08d}", "button", _ts(changed)))
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO ideas (id, title, affected, problem, evidence, business_value, solution, origin, kind,"
        " submitter_id, status, problem_is_solution, problem_is_vague, gate_quote, card_channel, card_ts,"
        " card_permalink, sponsor_id, partner_id, created_at, updated_at, status_changed_at, source_channel,"
        " source_ts, source_permalink, problem_key) VALUES (" + ",".join("?" * 22) + ", '', '', '', '')",
        ideas,
    )
    db.executemany(
        "INSERT INTO activities (id, idea_id, actor_id, action, from_value, to_value, reason, created_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        activities,
    )
    db.executemany("INSERT INTO supports (id, idea_id, user_id, via, created_at) VALUES (?,?,?,?,?)", supports)
    db.executemany(
        "INSERT INTO scores (id, idea_id, lead_id, customer_value, strategic_fit, feasibility, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        scores,
    )
    db.commit()
    db.close()
    return {"ideas": len(ideas), "activities": len(activities), "supports": len(supports)}


def peak_rss_kb() -> int:
    """This process's peak resident memory in KiB.

    VmHWM belongs to the address space, so it starts afresh in a new process; getrusage's
    ru_maxrss would carry over the parent's peak on Linux (it survives execve).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(path: Path, repeats: int = 3) -> dict[str, float]:
    """Time reading + composing + rendering the digest (best of `repeats`); peak RSS of this process."""
    from bot.config import Settings
    from bot.digest import render_digest
    from bot.scheduler import DigestScheduler
    from models.store import Store

    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", ideas_channel="C0000IDEAS")

    async def run() -> tuple[list[float], int, int]:
        store = Store.from_url(settings.database_url)
        scheduler = DigestScheduler(settings=settings, store=store, wake_outbox=lambda: None, clock=lambda: NOW)
        period = scheduler.last_period()
        assert period is not None
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            digest = await scheduler.compose(period)
            messages = [m.as_kwargs() for m in render_digest(digest)]
            times.append(time.perf_counter() - started)
        await store.close()
        return times, len(messages), digest.headline.new

    times, message_count, new = asyncio.run(run())
    peak_kb = peak_rss_kb()
    return {
        "best_s": min(times),
        "median_s": sorted(times)[len(times) // 2],
        "peak_mb": peak_kb / 1024,
        "messages": message_count,
        "new_in_period": new,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="ideabot-bench-") as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"digest-{size}.db"
            started = time.perf_counter()
            counts = build(path, size)
            built = time.perf_counter() - started
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True, check=True
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            rows.append((size, counts, built, result))
            print(
                f"built {size:>7} ideas ({counts['activities']} activities, {counts['supports']} supports) "
                f"in {built:.1f}s",
                file=sys.stderr,
            )
    print(f"\n{'ideas':>8} {'new/week':>9} {'compose+render':>15} {'median':>8} {'peak RSS':>9} {'messages':>9}")
    for size, _counts, _built, r in rows:
        print(
            f"{size:>8} {r['new_in_period']:>9} {r['best_s'] * 1000:>12.0f} ms {r['median_s'] * 1000:>5.0f} ms "
            f"{r['peak_mb']:>6.0f} MB {r['messages']:>9}"
        )
    by_size = {size: r for size, _, _, r in rows}
    if 10000 in by_size and 100000 in by_size:
        ratio = by_size[100000]["best_s"] / by_size[10000]["best_s"]
        print(
            f"\n100k / 10k time: {ratio:.1f}x (target ≤ 12x); 100k peak: {by_size[100000]['peak_mb']:.0f} MB "
            "(target < 300 MB)"
        )


if __name__ == "__main__":
    main()
