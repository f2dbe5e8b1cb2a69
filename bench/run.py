"""ideabot against bare Bolt, side by side, in one run: `python bench/run.py`.

1. starts the local Slack Web API stand-in (the tests' one) on 127.0.0.1, in this process;
2. starts a baseline — a minimal Bolt AsyncApp whose `/idea` acks and opens a modal and whose
   submission acks and posts one message (bench/baseline_app.py) — as a process;
3. starts `ideabot run` (HTTP mode, a SQLite file) as a process, against the same stand-in;
4. drives both with the same load: signed `/idea` commands, full valid view submissions and
   button clicks, at concurrency 1, 10 and 50, alternating baseline and ideabot in chunks so
   machine noise hits both;
5. prints requests/s, p50/p99/max ack latency and, for submissions, the time until the card
   (the baseline's message) reaches the stand-in; then the ratios ideabot / baseline, and checks
   that every submitted idea was stored and posted;
6. reports ideabot's memory idle and after 10k submissions, and runs the digest benchmark.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.apps import SECRET, App, free_port  # noqa: E402
from bot.standin import SlackWebAPIStandIn  # noqa: E402
from bot.standin.driver import block_actions, command_form, sign, view_submission  # noqa: E402
from bot.views import build_idea_modal  # noqa: E402

IDEAS = "C0000IDEAS"
PROBLEM = "Customers call us to ask where their order is, about 40 calls a day, each takes 4 minutes"
TITLE_RE = re.compile(r"Bench (baseline|ideabot) (\d+)")
IDEA_MODAL = build_idea_modal().to_dict()  # built once: the load generator shares the machine


@dataclass
class Cell:
    """One measured run: one app, one scenario, one concurrency."""

    app: str
    scenario: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    sent_at: dict[str, float] = field(default_factory=dict)  # submission title -> when it was sent
    full_seconds: float = 0.0  # submissions: first send until the last card arrived
    card_latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # CPU the app's process used (all its threads) while serving the cell

    @property
    def rate(self) -> float:
        """Acked requests per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def full_rate(self) -> float:
        """Submissions per second, counted until their card reached Slack."""
        return len(self.sent_at) / self.full_seconds if self.full_seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        """CPU milliseconds the app spent a request (for submissions: until its card was posted)."""
        return self.cpu_seconds * 1000 / len(self.latencies) if self.latencies else float("nan")

    def pct(self, values: list[float], q: float) -> float:
        """A percentile in milliseconds."""
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def send(app: App, scenario: str, n: int, cell: Cell, card_ts: str) -> None:
    driver = app.driver
    assert driver is not None
    if scenario == "/idea":
        body, ctype = urlencode(command_form("", user=f"UB{n:08d}")), "application/x-www-form-urlencoded"
    elif scenario == "submit":
        view = {**IDEA_MODAL, "id": f"VB{app.name[0]}{n:010d}"}
        title = f"Bench {app.name} {n}"
        answers = {
            "title": title,
            "affected": "Online customers",
            "problem": f"{PROBLEM} (case {n})",
            "business_value": "Frees agent hours",
            "origin": "problem",
            "kind": "invent",
        }
        payload = view_submission(view, answers, user=f"UB{n:08d}")
        body, ctype = urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        cell.sent_at[title] = time.monotonic()
    else:
        container = {"type": "message", "channel_id": IDEAS, "message_ts": card_ts}
        payload = block_actions("support", value="1", user=f"UB{n:08d}", container=container, channel=IDEAS)
        body, ctype = urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    started = time.monotonic()
    reply = await driver.post_raw(body, content_type=ctype, headers=sign(body, SECRET))
    if reply.status == 200:
        cell.latencies.append(time.monotonic() - started)
    else:
        cell.errors += 1


class Arrivals:
    """When each benchmark title's card (or the baseline's message) reached the stand-in."""

    def __init__(self, standin: SlackWebAPIStandIn) -> None:
        self.standin = standin
        self.seen = 0
        self.at: dict[str, float] = {}

    def update(self) -> dict[str, float]:
        """Look at the calls that arrived since the last look."""
        calls = self.standin.calls
        index = self.seen
        while index < len(calls):
            call = calls[index]
            if call.method == "chat.postMessage" and call.args.get("channel") == IDEAS:
                if not call.answered:  # still being answered: look at it again next time
                    break
                match = TITLE_RE.search(str(call.args.get("text", "")))
                if call.answered == "ok" and match and not call.args.get("thread_ts"):
                    self.at.setdefault(match.group(0), call.at)
            index += 1
        self.seen = index
        return self.at

    async def wait(self, titles: list[str], timeout: float = 600) -> dict[str, float]:
        """Wait until every title has arrived (or the timeout)."""
        deadline = time.monotonic() + timeout
        while not all(t in self.update() for t in titles) and time.monotonic() < deadline:  # noqa: ASYNC110 - polls a list
            await asyncio.sleep(0.05)
        return self.at


async def run_cell(
    app: App, scenario: str, concurrency: int, count: int, numbers, cell: Cell, card_ts: str, arrivals: Arrivals
) -> None:
    """Send `count` requests with `concurrency` workers; for submissions, wait for their cards too."""
    pending = [next(numbers) for _ in range(count)]
    chunk = Cell(app.name, scenario, concurrency)

    async def worker() -> None:
        while pending:
            await send(app, scenario, pending.pop(), chunk, card_ts)

    # This process (load generator and Slack stand-in) keeps every call it recorded; a full
    # garbage collection over them paused it for 80-220 ms, and every request in flight then
    # looked that much slower — more for ideabot, whose modals are bigger. Old objects are set
    # aside (frozen) and the collector waits until the chunk is over.
    gc.collect()
    gc.freeze()
    gc.disable()
    started, cpu_before = time.monotonic(), app.cpu_seconds()
    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        gc.enable()
    cell.seconds += time.monotonic() - started
    cell.latencies += chunk.latencies
    cell.errors += chunk.errors
    if scenario == "submit":
        app.submitted += count
        # A submission is complete when its card reaches Slack: wait for this chunk's cards, so the
        # next chunk (the other app) starts on a quiet machine and each chunk's time is its own.
        arrived = await arrivals.wait(list(chunk.sent_at))
        cell.sent_at.update(chunk.sent_at)
        cell.card_latencies += [arrived[t] - sent for t, sent in chunk.sent_at.items() if t in arrived]
        cell.full_seconds += max(arrived.get(t, started) for t in chunk.sent_at) - started
    cell.cpu_seconds += app.cpu_seconds() - cpu_before


def table(cells: dict[tuple[str, str, int], Cell], scenarios, concurrencies) -> list[str]:
    lines = [
        f"{'scenario':<8} {'conc':>4} {'app':<9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'card p50':>9} {'card p99':>9} {'full/s':>7} {'cpu ms':>7}"
    ]
    for scenario in scenarios:
        for conc in concurrencies:
            pair = []
            for app in ("baseline", "ideabot"):
                c = cells[(app, scenario, conc)]
                pair.append(c)
                card = (
                    (f"{c.pct(c.card_latencies, 0.5):>9.0f} {c.pct(c.card_latencies, 0.99):>9.0f} {c.full_rate:>7.0f}")
                    if scenario == "submit"
                    else f"{'':>9} {'':>9} {'':>7}"
                )
                lines.append(
                    f"{scenario:<8} {conc:>4} {app:<9} {c.rate:>8.0f} {c.pct(c.latencies, 0.5):>7.1f} "
                    f"{c.pct(c.latencies, 0.99):>7.1f} {max(c.latencies) * 1000:>7.1f} {card} {c.cpu_ms:>7.2f}"
                    + (f"  ({c.errors} errors)" if c.errors else "")
                )
            base, ours = pair
            ratio = (
                f"{'':<8} {'':>4} {'ratio':<9} {ours.rate / base.rate:>7.2f}x {'':>7} "
                f"{ours.pct(ours.latencies, 0.99) / base.pct(base.latencies, 0.99):>6.2f}x"
            )
            ratio += f" {'':>7} {'':>9} {'':>9} " + (
                f"{ours.full_rate / base.full_rate:>6.2f}x" if scenario == "submit" else f"{'':>7}"
            )
            ratio += f" {ours.cpu_ms / base.cpu_ms:>6.2f}x"
            lines.append(ratio)
    return lines


async def main_async(args: argparse.Namespace) -> int:
    standin = SlackWebAPIStandIn(latency=0.0)
    await standin.start()
    workdir = Path(tempfile.mkdtemp(prefix="ideabot-bench-"))
    db = workdir / "bench.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "IDEAS_", "DATABASE_", "TRIAGE_"))}
    base_port, bot_port = free_port(), free_port()
    baseline = App(
        "baseline",
        [
            sys.executable,
            str(ROOT / "bench" / "baseline_app.py"),
            "--port",
            str(base_port),
            "--api-url",
            standin.url,
            "--token",
            standin.token,
            "--secret",
            SECRET,
        ],
        env,
        base_port,
    )
    bot_env = {
        **env,
        "SLACK_BOT_TOKEN": standin.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.url,
        # What this measures is the bot's own capacity, so the stand-in lets every post through
        # and the bot does not keep Slack's one-a-second pace (bench/pace.py measures that).
        "SLACK_POST_INTERVAL": "0",
        "IDEAS_CHANNEL": IDEAS,
        "HOST": "127.0.0.1",
        "PORT": str(bot_port),
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "TRIAGE_USERS": "U0000LEAD1",
    }
    ideabot = App(
        "ideabot", [sys.executable, "-m", "bot", "--env-file", str(workdir / "none.env"), "run"], bot_env, bot_port
    )
    numbers = iter(range(1, 10**9))
    arrivals = Arrivals(standin)
    scenarios = args.scenarios
    cells: dict[tuple[str, str, int], Cell] = {}
    try:
        await baseline.start()
        await ideabot.start()
        await asyncio.sleep(1.0)
        idle_mb = ideabot.rss_mb()
        print(f"ideabot pid {ideabot.process.pid}", flush=True)
        print(
            f"stand-in {standin.url} · baseline :{base_port} · ideabot :{bot_port} · ideabot idle RSS {idle_mb:.0f} MB",
            flush=True,
        )
        card_ts = ""
        for scenario in scenarios:
            if scenario == "click":  # the clicks support IDEA-1: make sure it exists and has its card
                if not any(m.text.startswith("IDEA-1:") for m in standin.channel_messages(IDEAS)):
                    await run_cell(ideabot, "submit", 1, 1, numbers, Cell("ideabot", "submit", 1), "", arrivals)
                card_ts = next(m.ts for m in standin.channel_messages(IDEAS) if m.text.startswith("IDEA-1:"))
            for conc in args.concurrency:
                for app in (baseline, ideabot):
                    cells[(app.name, scenario, conc)] = Cell(app.name, scenario, conc)
                chunk = max(1, args.requests // args.chunks)
                for _ in range(args.chunks):
                    for app in (baseline, ideabot):
                        cell = cells[(app.name, scenario, conc)]
                        await run_cell(app, scenario, conc, chunk, numbers, cell, card_ts, arrivals)
                print(f"  {scenario:<7} concurrency {conc:>2}: done", flush=True)

        # 0 lost: every submission stored and posted.
        arrived = arrivals.update()
        submitted = {
            app: [t for c in cells.values() if c.app == app for t in c.sent_at] for app in ("baseline", "ideabot")
        }
        with sqlite3.connect(db) as conn:
            stored = {row[0] for row in conn.execute("SELECT title FROM ideas WHERE title LIKE 'Bench ideabot %'")}
        lost_store = [t for t in submitted["ideabot"] if t not in stored]
        lost_posted = {app: [t for t in titles if t not in arrived] for app, titles in submitted.items()}

        # Memory after 10k submissions.
        extra = max(0, args.memory_ideas - ideabot.submitted)
        if extra:
            print(f"  submitting {extra} more ideas to reach {args.memory_ideas} …", flush=True)
            filler = Cell("ideabot", "submit", 50)
            await run_cell(ideabot, "submit", 50, extra, numbers, filler, card_ts, arrivals)
        await asyncio.sleep(1.0)
        loaded_mb = ideabot.rss_mb()
        split = ideabot.cpu_by_process()
    finally:
        await baseline.stop()
        await ideabot.stop()
        await standin.stop()

    lines = table(cells, scenarios, args.concurrency)
    print()
    print("\n".join(lines))
    print(
        f"\nlost: ideabot stored {len(submitted['ideabot']) - len(lost_store)}/{len(submitted['ideabot'])}, "
        f"posted {len(submitted['ideabot']) - len(lost_posted['ideabot'])}/{len(submitted['ideabot'])}; "
        f"baseline posted {len(submitted['baseline']) - len(lost_posted['baseline'])}/{len(submitted['baseline'])}"
    )
    print(f"ideabot memory: idle {idle_mb:.0f} MB, after {ideabot.submitted} submissions {loaded_mb:.0f} MB")
    print("ideabot CPU over the run: " + ", ".join(f"{role} {sec:.1f} s" for role, sec in split.items()))
    results = {
        "cells": [
            {
                "app": c.app,
                "scenario": c.scenario,
                "concurrency": c.concurrency,
                "requests": len(c.latencies),
                "errors": c.errors,
                "rps": round(c.rate, 1),
                "p50_ms": round(c.pct(c.latencies, 0.5), 2),
                "p99_ms": round(c.pct(c.latencies, 0.99), 2),
                "max_ms": round(max(c.latencies) * 1000, 2),
                "card_p50_ms": round(c.pct(c.card_latencies, 0.5), 1) if c.card_latencies else None,
                "card_p99_ms": round(c.pct(c.card_latencies, 0.99), 1) if c.card_latencies else None,
                "full_rps": round(c.full_rate, 1) if c.full_seconds else None,
                "cpu_ms_per_request": round(c.cpu_ms, 3),
            }
            for c in cells.values()
        ],
        "memory_mb": {"idle": round(idle_mb), "after_submissions": round(loaded_mb), "submissions": ideabot.submitted},
        "lost": {"stored": len(lost_store), "posted": len(lost_posted["ideabot"])},
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    return 1 if lost_store or any(lost_posted.values()) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description="ideabot vs bare Bolt, side by side")
    parser.add_argument("--requests", type=int, default=1000, help="requests per scenario and concurrency, per app")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--chunks", type=int, default=4, help="alternate the apps this many times per cell")
    parser.add_argument("--memory-ideas", type=int, default=10_000, help="submissions before measuring memory")
    parser.add_argument("--skip-digest", action="store_true")
    parser.add_argument(
        "--scenarios", nargs="+", default=["/idea", "submit", "click"], choices=["/idea", "submit", "click"]
    )
    args = parser.parse_args()
    random.seed(1)
    status = asyncio.run(main_async(args))
    if not args.skip_digest:
        print("\ndigest benchmark (bench/digest.py):", flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "digest.py")], check=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
