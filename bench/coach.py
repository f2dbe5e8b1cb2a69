"""The ack of a coached submission, with the language model off and on: `python bench/coach.py [--n 200]`.

Two ideabots run at once on SQLite files against the Slack stand-in: one without a model, one with
LLM_BASE_URL pointing at the local OpenAI-compatible stand-in, which answers after `--model-seconds`
(1.5 s by default, like a small hosted model). Each submits `--n` solution-framed problems through
the real modal, the two apps taking turns; every submission is coached. Printed: the time from
sending the signed submission to its answer (the coaching) for each app — p50, p95, p99, mean — how
many suggestions reached the open modals, and the cost of the tailored coaching alone (choosing
the closest of the bank's examples) inside the gate.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import nearest_rank  # noqa: E402
from bot.delivery.outbox import Backoff  # noqa: E402
from bot.domain.coach import closest_example, person_text  # noqa: E402
from bot.domain.ideas import IdeaDraft  # noqa: E402
from bot.domain.problem import check_problem  # noqa: E402
from bot.runtime.server import RuntimeOptions  # noqa: E402
from bot.standin.local import LocalSlack, idea_answers  # noqa: E402

SHINY = [
    "We need Kubernetes for all of our services this year",
    "We need a CRM for the whole sales team",
    "Improve the onboarding experience for every new hire",
    "Let's put an AI chatbot on the support page",
    "Buy a warehouse management system for the depot",
]


# The model stand-in runs in a process of its own, as a real model server would: its work must not
# be counted as the bot's.
MODEL_PROCESS = """
import asyncio, sys
from bot.standin.llm import ChatCompletionsStandIn
async def main():
    server = ChatCompletionsStandIn(latency=float(sys.argv[1]))
    await server.start()
    print(server.port, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def start_model(seconds: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-c", MODEL_PROCESS, str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/v1"


def line(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    p50, p95, p99 = (nearest_rank(ms, q) for q in (0.5, 0.95, 0.99))
    return (
        f"{name:<28} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   p99 {p99:6.1f} ms   "
        f"mean {statistics.fmean(ms):6.1f} ms   (n={len(ms)})"
    )


async def coached_ack(local: LocalSlack, i: int) -> float:
    user = f"U00BENCH{i % 50:03d}"
    view = await local.open_modal(user=user)
    answers = idea_answers(title=f"Idea {i}", problem=SHINY[i % len(SHINY)] + f" ({i})")
    reply = await local.submit(view, answers, user=user)
    assert reply.status == 200 and reply.json().get("response_action") == "errors", reply.body[:200]
    return reply.seconds


async def run(n: int, model_seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ideabot-coach-bench-"))
    options = RuntimeOptions(outbox_poll_interval=0.2, outbox_backoff=Backoff(base=0.1, cap=1.0))
    model, model_url = start_model(model_seconds)
    try:
        async with (
            LocalSlack(workdir / "off.db", options=options) as off,
            LocalSlack(
                workdir / "on.db",
                options=dataclasses.replace(options),
                llm_base_url=model_url,
                llm_model="standin-rewriter",
                llm_api_key="sk-bench",
            ) as on,
        ):
            for warm in (off, on):  # first requests pay for imports and caches
                for i in range(5):
                    await coached_ack(warm, 10_000 + i)
            timings: dict[str, list[float]] = {"model off": [], "model on": []}
            for i in range(n):
                for name, local in (
                    (("model off", off), ("model on", on)) if i % 2 else (("model on", on), ("model off", off))
                ):
                    timings[name].append(await coached_ack(local, i))
            await on.settle(timeout=model_seconds + 10)
            shown = sum(1 for c in on.standin.calls_to("views.update") if "coach_suggestion" in str(c.args.get("view")))
        print(
            f"Coached submissions, signed HTTP into the running app ({n} each, taking turns; the model answers "
            f"after {model_seconds:.1f} s):"
        )
        for name, seconds in timings.items():
            print("  " + line(name, seconds))
        delta = nearest_rank(timings["model on"], 0.5) - nearest_rank(timings["model off"], 0.5)
        print(f"  p50 difference (on - off): {delta * 1000:+.1f} ms")
        print(f"  suggestions shown in the open modals (model on): {shown} of {n + 5} coached")
    finally:
        model.terminate()
        model.wait()

    draft = IdeaDraft(title="CRM", affected="Sales team", problem="We need a CRM for the whole sales team")
    check_problem(draft)
    started = time.perf_counter()
    for _ in range(2000):
        closest_example(person_text(title=draft.title, affected=draft.affected, problem=draft.problem))
    choose = (time.perf_counter() - started) / 2000
    started = time.perf_counter()
    for _ in range(500):
        check_problem(draft)
    gate = (time.perf_counter() - started) / 500
    print(
        f"Inside the gate: choosing the closest example {choose * 1000:.3f} ms; the whole coached check "
        f"{gate * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="coached submissions per app")
    parser.add_argument("--model-seconds", type=float, default=1.5, help="how long the model stand-in takes")
    args = parser.parse_args()
    asyncio.run(run(args.n, args.model_seconds))


if __name__ == "__main__":
    main()
