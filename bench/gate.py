"""The problem gate's figures and cost: `python bench/gate.py [-v]`.

Figures: the learned gate and the word-list rule on the held-out part of the real writing (never
trained on) and on the team's own sets. Cost: a gate check's p50 / p99 over real texts, and the
time and memory it takes to load the model (in a fresh process, so nothing else is counted).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.ideas import IdeaDraft  # noqa: E402
from bot.domain.problem import Verdict, check_problem, classify_by_rule, read_problem  # noqa: E402
from bot.judgment import train  # noqa: E402
from bot.judgment.gate import gate_model  # noqa: E402
from tests.gate_sets import DEV, HOLDOUT, evaluate, load  # noqa: E402

LOAD_PROBE = """
import time, sys
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
import bot.domain.problem
before, start = rss(), time.perf_counter()
from bot.judgment.gate import gate_model
gate_model()
print(f"{time.perf_counter() - start:.3f} {rss() - before:.1f} {'numpy' in sys.modules}")
"""


def rates(rows: list[dict], verdicts: list[bool]) -> str:
    """Problems passed and others coached, as counts and shares, for pass/coach verdicts."""
    problems = [v for r, v in zip(rows, verdicts, strict=True) if r["label"] == "problem"]
    others = [not v for r, v in zip(rows, verdicts, strict=True) if r["label"] != "problem"]
    return (
        f"problems passed {sum(problems)}/{len(problems)} ({sum(problems) / len(problems):.1%})   "
        f"solution-only/vague coached {sum(others)}/{len(others)} ({sum(others) / len(others):.1%})"
    )


def main() -> None:
    verbose = "-v" in sys.argv
    model = gate_model()
    held_ids = set(model.about["held_out_ids"])
    real = train.real_rows()
    held = [r for r in real if str(r["id"]) in held_ids]

    def gate_passes(row: dict) -> bool:
        return check_problem(IdeaDraft(title=row["title"], affected="someone", problem=row["text"])).passed

    print(f"threshold on P(problem) {model.threshold:.2f}")
    print(f"{'real, held out':<22} learned: {rates(held, [gate_passes(r) for r in held])}")
    rule = [classify_by_rule(read_problem(r["text"])) is Verdict.PROBLEM for r in held]
    print(f"{'':<22} rule:    {rates(held, rule)}")
    for name, fig in model.about["figures"].items():
        if name.startswith("k-fold"):
            print(
                f"{'real, 5-fold':<22} learned: problems passed {fig['problems_passed']:.1%}   "
                f"solution-only/vague coached {fig['others_coached']:.1%}"
            )
    for name, path in (("team held-out", HOLDOUT), ("team dev (trained on)", DEV)):
        figures, wrong = evaluate(load(path))
        print(
            f"{name:<22} learned: problems passed {figures.problems_passed}/{figures.problems} "
            f"({figures.pass_rate:.1%})   solution-only/vague coached "
            f"{figures.non_problems_stopped}/{figures.non_problems} ({figures.stop_rate:.1%})"
        )
        if verbose:
            for row in wrong:
                print(f"   wrong ({row['label']}): {row['text'][:110]!r}")

    drafts = [IdeaDraft(title=r["title"], affected="someone", problem=r["text"]) for r in real]
    for draft in drafts[:50]:
        check_problem(draft)
    timings = []
    for _ in range(3):
        for draft in drafts:
            start = time.perf_counter()
            check_problem(draft)
            timings.append(time.perf_counter() - start)
    timings.sort()
    p50, p99 = timings[len(timings) // 2], timings[int(len(timings) * 0.99)]
    print(f"gate check over {len(timings)} real texts: p50 {p50 * 1000:.2f} ms   p99 {p99 * 1000:.2f} ms")
    out = subprocess.run([sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True, cwd=ROOT, check=True)
    seconds, megabytes, numpy = out.stdout.split()
    print(f"model load: {float(seconds):.3f} s, +{float(megabytes):.1f} MB resident (numpy imported: {numpy})")


if __name__ == "__main__":
    main()
