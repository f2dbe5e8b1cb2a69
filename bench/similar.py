"""Similar ideas by meaning, figures and cost: `python bench/similar.py`.

Figures: on each labelled pair set, is the earlier idea ("b") named when the later one ("a") is
submitted? Recall over the real duplicates, false alarms over the near-topic pairs that are not.
`SIMILAR_SCORE` was set on dup_real.jsonl; dup_extra.jsonl and dup_more.jsonl set nothing.
Candidates: the same pairs in a pool of ~1,800 other real idea texts (the gate's sets) — is the
earlier idea among the `CANDIDATES` a connected language model is shown (LLM_SIMILAR_IDEAS)? That
bounds what its second look can name; near-topic earlier ideas shown are what it must turn down.
Cost: one search at 1k, 10k and 100k ideas (p50 / p99), the index's memory, how long embedding
100,000 ideas takes (the start-up build), and what loading the models adds to a fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.judgment.embed import embedder  # noqa: E402
from bot.judgment.similar import CANDIDATE_SCORE, CANDIDATES, SIMILAR_SCORE, MeaningIndex, idea_text  # noqa: E402

DATA = ROOT / "tests" / "data"
LOAD_PROBE = """
import time, sys
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20
import bot.runtime.server, bot.cli, handlers
before, start = rss(), time.perf_counter()
from bot.judgment.gate import gate_model
from bot.judgment.embed import embedder
gate_model(); embedder().vector("warm up")
print(f"{time.perf_counter() - start:.3f} {rss() - before:.1f} {rss():.1f}")
"""


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def print_named(name: str, named: np.ndarray, dup: np.ndarray) -> None:
    """Recall over the duplicates and false alarms over the near-topic pairs, with the confusion table."""
    tp, fn = int((named & dup).sum()), int((~named & dup).sum())
    fp, tn = int((named & ~dup).sum()), int((~named & ~dup).sum())
    print(
        f"{name:<16} duplicates named {tp}/{tp + fn} ({tp / (tp + fn):.0%})   "
        f"near-topic non-duplicates named {fp}/{fp + tn} ({fp / (fp + tn):.0%})"
    )
    print(f"{'':<16} confusion: duplicate → named {tp}, not {fn};  not duplicate → named {fp}, not {tn}")


def pair_figures(name: str) -> None:
    pairs = load(name)
    model = embedder()
    a = model.vectors([idea_text(p["a"]["title"], p["a"]["text"]) for p in pairs])
    b = model.vectors([idea_text(p["b"]["title"], p["b"]["text"]) for p in pairs])
    print_named(name, (a * b).sum(axis=1) >= SIMILAR_SCORE, np.array([p["duplicate"] for p in pairs]))


def pool_texts() -> list[tuple[str, str]]:
    """(title, text) of every real idea text of the gate's sets: the other open ideas of a pool."""
    return [(r.get("title", ""), r["text"]) for n in sorted(p.name for p in DATA.glob("gate_*.jsonl")) for r in load(n)]


def pair_pool(pairs: list[dict], others: np.ndarray) -> tuple[np.ndarray, MeaningIndex]:
    """The later ideas' vectors, and an index of every pair's earlier idea (ids 0…) and `others`."""
    model = embedder()
    later = model.vectors([idea_text(p["a"]["title"], p["a"]["text"]) for p in pairs])
    earlier = model.vectors([idea_text(p["b"]["title"], p["b"]["text"]) for p in pairs])
    index = MeaningIndex(earlier.shape[1])
    index.put_many(list(range(len(pairs) + len(others))), np.vstack([earlier, others]))
    return later, index


def candidate_figures(name: str, others: np.ndarray) -> None:
    """Is each pair's earlier idea ("b") among the later one's wide-search candidates, in a pool of
    every pair's earlier idea and `others`?"""
    pairs = load(name)
    later, index = pair_pool(pairs, others)
    shown = np.array(
        [
            n in {m.idea_id for m in index.search(later[n], limit=CANDIDATES, min_score=CANDIDATE_SCORE)}
            for n in range(len(pairs))
        ]
    )
    dup = np.array([p["duplicate"] for p in pairs])
    print(
        f"{name:<16} candidates (top {CANDIDATES}, cosine ≥ {CANDIDATE_SCORE}, pool {len(index):,}): earlier duplicate "
        f"shown {int((shown & dup).sum())}/{int(dup.sum())} ({(shown & dup).sum() / dup.sum():.0%}), "
        f"near-topic shown {int((shown & ~dup).sum())}/{int((~dup).sum())} ({(shown & ~dup).sum() / (~dup).sum():.0%})"
    )


def search_cost(base: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    for size in (1_000, 10_000, 100_000):
        rows = base[rng.integers(0, len(base), size)] + rng.normal(0, 0.05, (size, base.shape[1])).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        index = MeaningIndex(base.shape[1])
        index.put_many(list(range(size)), rows)
        queries = base[rng.integers(0, len(base), 200)]
        timings = []
        for query in queries:
            start = time.perf_counter()
            index.search(query)
            timings.append(time.perf_counter() - start)
        timings.sort()
        print(
            f"search over {size:>7,} ideas: p50 {timings[100] * 1000:6.2f} ms   p99 {timings[197] * 1000:6.2f} ms   "
            f"index {index.nbytes / 2**20:5.1f} MB"
        )


def main() -> None:
    print(f"threshold: cosine ≥ {SIMILAR_SCORE}")
    pair_figures("dup_real.jsonl")
    pair_figures("dup_extra.jsonl")
    pair_figures("dup_more.jsonl")
    texts = [
        idea_text(r.get("title", ""), r["text"]) for name in ("gate_real.jsonl", "gate_extra.jsonl") for r in load(name)
    ]
    model = embedder()
    base = model.vectors(texts)
    others = model.vectors([idea_text(t, x) for t, x in pool_texts()])
    for name in ("dup_real.jsonl", "dup_extra.jsonl", "dup_more.jsonl"):
        candidate_figures(name, others)
    search_cost(base)
    many = (texts * (100_000 // len(texts) + 1))[:100_000]
    start = time.perf_counter()
    for i in range(0, len(many), 5000):
        model.vectors(many[i : i + 5000])
    print(f"embedding 100,000 ideas (the start-up build): {time.perf_counter() - start:.1f} s")
    out = subprocess.run([sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True, cwd=ROOT, check=True)
    seconds, added, total = out.stdout.split()
    print(
        f"loading both models in a fresh bot process: {float(seconds):.2f} s, +{float(added):.1f} MB (RSS {total} MB)"
    )


if __name__ == "__main__":
    main()
