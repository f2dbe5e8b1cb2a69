"""Small helpers the benchmarks share."""

from __future__ import annotations


def nearest_rank(values: list[float], q: float) -> float:
    """The `q` percentile of `values` by the nearest-rank rule (p95 of 40 values is the 38th)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
