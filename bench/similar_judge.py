"""The language model's second look at similar ideas, measured on the labelled pairs:
`python bench/similar_judge.py` (with LLM_BASE_URL and LLM_MODEL, and LLM_API_KEY if needed, set
to the model to measure), or `python bench/similar_judge.py --standin` for a dry run against the
local stand-in (which names nothing, so it measures the plumbing, not a model).

For each pair of tests/data/dup_*.jsonl the later idea ("a") is searched for as a submission is:
the 8 closest ideas (cosine ≥ 0.30) of a pool holding every pair's earlier idea and ~1,800 other
real idea texts (the gate's sets). Those candidates go to the model exactly as ideabot sends them
(bot/runtime/same_problem.py), and what ideabot would then name is compared with the label: is
the earlier idea ("b") named? When the model gives no usable answer ideabot names what the
vectors named, and so does this count (the "no verdict" figure says how often). The only address
contacted is LLM_BASE_URL (or, with --standin, 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.similar import load, pair_pool, pool_texts, print_named  # noqa: E402
from bot.judgment.embed import embedder  # noqa: E402
from bot.judgment.similar import CANDIDATE_SCORE, CANDIDATES, MAX_NAMED, idea_text, named  # noqa: E402
from bot.runtime.llm import ChatModel  # noqa: E402
from bot.runtime.same_problem import SameProblemJudge  # noqa: E402
from bot.standin.llm import ChatCompletionsStandIn  # noqa: E402

SETS = ("dup_real.jsonl", "dup_extra.jsonl", "dup_more.jsonl")
AT_ONCE = 4  # requests to the model at a time


async def measure(name: str, judge: SameProblemJudge, others: list[tuple[str, str]], other_vectors: np.ndarray) -> None:
    pairs = load(name)
    later, index = pair_pool(pairs, other_vectors)
    texts = [(p["b"]["title"], p["b"]["text"]) for p in pairs] + others
    gate = asyncio.Semaphore(AT_ONCE)
    took: list[float] = []
    no_verdict = 0

    async def names(n: int) -> list[int]:
        nonlocal no_verdict
        matches = index.search(later[n], limit=CANDIDATES, min_score=CANDIDATE_SCORE)
        if not matches:
            return []
        async with gate:
            started = time.monotonic()
            same = await judge.same_problem(
                new=(pairs[n]["a"]["title"], pairs[n]["a"]["text"]), earlier=[texts[m.idea_id] for m in matches]
            )
            took.append(time.monotonic() - started)
        if same is None:
            no_verdict += 1
            return named(matches)
        return [matches[k].idea_id for k in same][:MAX_NAMED]

    named_ids = await asyncio.gather(*(names(n) for n in range(len(pairs))))
    hit = np.array([n in ids for n, ids in enumerate(named_ids)])
    print_named(name, hit, np.array([p["duplicate"] for p in pairs]))
    if took:
        took.sort()
        print(
            f"{'':<16} {len(took)} looks, no verdict {no_verdict}; answer p50 {statistics.median(took):.2f} s, "
            f"max {took[-1]:.2f} s"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--standin", action="store_true", help="a dry run against the local stand-in")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds a look may take (ideabot uses 4)")
    args = parser.parse_args()
    standin = None
    if args.standin:
        standin = ChatCompletionsStandIn(model="standin-judge")
        await standin.start()
        base_url, model_name, key = standin.url, "standin-judge", ""
    else:
        base_url, model_name, key = (os.environ.get(v, "") for v in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY"))
        if not (base_url and model_name):
            sys.exit("set LLM_BASE_URL and LLM_MODEL (and LLM_API_KEY if needed), or pass --standin")
    client = ChatModel(base_url=base_url, model=model_name, api_key=key, timeout=args.budget)
    client.start()
    judge = SameProblemJudge(client, budget=args.budget)
    others = pool_texts()
    other_vectors = embedder().vectors([idea_text(t, p) for t, p in others])
    print(f"model {model_name} at {base_url}: candidates top {CANDIDATES}, cosine ≥ {CANDIDATE_SCORE}")
    try:
        for name in SETS:
            await measure(name, judge, others, other_vectors)
    finally:
        await client.close()
        if standin is not None:
            await standin.stop()


if __name__ == "__main__":
    asyncio.run(main())
