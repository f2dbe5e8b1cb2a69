"""Digest benchmark: compose and render the weekly digest and its chart over 1k, 10k and 100k ideas.

    python bench/digest.py [--sizes 1000 10000 100000] [--baseline DIR] [--no-idle]

For each size it builds a SQLite file with that many ideas spread over two years, each with its
history (status changes, scores, assignments) and supporters, then — in a fresh process, so the
memory figure is that size's alone — times reading, composing and rendering the digest (best of
3) and reports the process's peak resident memory; then draws the chart from that digest: the
first drawing (which imports matplotlib), the best of 3 after it, and the peak memory the drawing
adds (the peak is reset just before it, /proc/self/clear_refs).

Then the idle memory of `ideabot run` (both its processes, against the local stand-in): after
start-up, whether any of matplotlib is mapped, and after it has posted a digest with its chart
(DIGEST_SCHEDULE every minute; up to a minute's wait). With `--baseline DIR` (another checkout,
e.g. `git worktree add /tmp/main main`) the same idle figure for that code, to compare.
Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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
        " source_ts, source_permalink, problem_key, similar_ids) VALUES ("
        + ",".join("?" * 22)
        + ", '', '', '', '', '')",
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


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_chart(digest, repeats: int = 3) -> dict[str, float]:
    """Draw `digest`'s chart: the first time (matplotlib imported then), the best of `repeats` after,
    and the most memory the drawing added to what the process held before it."""
    from bot.views.digest_chart import chart_data, render_chart

    before_kb = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    started = time.perf_counter()
    chart = chart_data(digest)
    png = render_chart(chart)
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        render_chart(chart_data(digest))
        times.append(time.perf_counter() - started)
    return {
        "chart_first_s": first,
        "chart_best_s": min(times),
        "chart_extra_mb": (_status_kb("VmHWM") - before_kb) / 1024,
        "chart_kb": len(png) / 1024,
    }


def measure(path: Path, repeats: int = 3) -> dict[str, float]:
    """Time reading + composing + rendering the digest (best of `repeats`); peak RSS of this process."""
    from bot.config import Settings
    from bot.delivery.scheduler import DigestScheduler
    from bot.views.digest_blocks import render_digest
    from models.store import Store

    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", ideas_channel="C0000IDEAS")

    async def run() -> tuple[list[float], int, int, object]:
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

        return times, len(messages), digest.headline.new, digest

    times, message_count, new, digest = asyncio.run(run())
    peak_kb = peak_rss_kb()
    chart = measure_chart(digest)
    return {
        **chart,
        "best_s": min(times),
        "median_s": sorted(times)[len(times) // 2],
        "peak_mb": peak_kb / 1024,
        "messages": message_count,
        "new_in_period": new,
    }


# --- idle memory of `ideabot run` ----------------------------------------------------------------


def _matplotlib_mapped(app) -> bool:
    """Whether any of matplotlib is mapped into the app's processes (its compiled parts load on import)."""
    for pid in app.pids():
        try:
            if "matplotlib" in Path(f"/proc/{pid}/maps").read_text():
                return True
        except OSError:
            continue
    return False


async def idle_memory(source: Path, *, settle_s: float = 5.0, with_digest: bool = True) -> dict[str, object]:
    """`ideabot run` from `source` (both processes): memory once idle, and after its first digest with a chart."""
    from bench.apps import App, free_port
    from bot.standin import SlackWebAPIStandIn

    standin = SlackWebAPIStandIn()
    await standin.start()
    with tempfile.TemporaryDirectory(prefix="ideabot-idle-") as tmp:
        port = free_port()
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IDEAS_", "DIGEST_", "DATABASE_"))}
        env = {
            **keep,
            "SLACK_BOT_TOKEN": standin.token,
            "SLACK_SIGNING_SECRET": "bench-signing-secret",
            "SLACK_API_URL": standin.url,
            "SLACK_POST_INTERVAL": "0",
            "IDEAS_CHANNEL": "C0000IDEAS",
            "DIGEST_CHANNEL": "C0000LEADS",
            "DIGEST_SCHEDULE": "* * * * *",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/idle.db",
        }
        command = [sys.executable, "-m", "bot", "--env-file", f"{tmp}/none.env", "run"]
        app = App("ideabot", command, env, port, cwd=source)
        try:
            await app.start()
            await asyncio.sleep(settle_s)
            result: dict[str, object] = {"idle_mb": app.rss_mb(), "idle_matplotlib": _matplotlib_mapped(app)}
            if with_digest:
                for _ in range(900):  # the next minute's digest, then its chart
                    if standin.shared_files("C0000LEADS"):
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(2.0)
                result |= {"charts": len(standin.shared_files("C0000LEADS")), "after_mb": app.rss_mb()}
                result["after_matplotlib"] = _matplotlib_mapped(app)
        finally:
            await app.stop()
            await standin.stop()
    return result


def print_idle(baseline: Path | None) -> None:
    print("\nideabot run (both processes), idle after start-up:")
    if baseline is not None:
        before = asyncio.run(idle_memory(baseline, with_digest=False))
        print(f"  {baseline}: {before['idle_mb']:.0f} MB, matplotlib mapped: {before['idle_matplotlib']}")
    now = asyncio.run(idle_memory(ROOT))
    print(f"  {ROOT}: {now['idle_mb']:.0f} MB, matplotlib mapped: {now['idle_matplotlib']}")
    print(
        f"  after its first digest and {now.get('charts', 0)} chart: {now.get('after_mb', 0):.0f} MB, "
        f"matplotlib mapped: {now.get('after_matplotlib')} (drawn by a process of its own)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--baseline", type=Path, help="another checkout whose idle `ideabot run` memory to compare")
    parser.add_argument("--no-idle", action="store_true", help="skip the idle memory of `ideabot run`")
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
    print(f"\n{'ideas':>8} {'chart, first':>13} {'chart, best':>12} {'extra peak':>11} {'PNG':>7}")
    for size, _counts, _built, r in rows:
        print(
            f"{size:>8} {r['chart_first_s'] * 1000:>10.0f} ms {r['chart_best_s'] * 1000:>9.0f} ms "
            f"{r['chart_extra_mb']:>8.0f} MB {r['chart_kb']:>4.0f} kB"
        )
    by_size = {size: r for size, _, _, r in rows}
    if 10000 in by_size and 100000 in by_size:
        ratio = by_size[100000]["best_s"] / by_size[10000]["best_s"]
        print(
            f"\n100k / 10k time: {ratio:.1f}x (target ≤ 12x); 100k peak: {by_size[100000]['peak_mb']:.0f} MB "
            "(target < 300 MB)"
        )
    if 100000 in by_size:
        r = by_size[100000]
        print(
            f"100k chart: {r['chart_first_s']:.2f} s the first time, {r['chart_best_s']:.2f} s after; "
            f"{r['chart_extra_mb']:.0f} MB extra (targets: under 1.5 s and under 150 MB)"
        )
    if not args.no_idle:
        print_idle(args.baseline)


if __name__ == "__main__":
    main()
