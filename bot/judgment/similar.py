"""Similar ideas by meaning: every open idea's vector in memory, searched with one matrix product.

An idea is compared by the vector of its title and problem (`idea_text`), from `embed.py`. A
search scores every idea in the index (the dot product of unit vectors is their cosine) and names
up to `MAX_NAMED`, best first, that score `SIMILAR_SCORE` or more; nothing when nothing does.

`SIMILAR_SCORE` was set on `tests/data/dup_real.jsonl` (60 real duplicate pairs, 60 near-topic
pairs that are not duplicates, reworded), as the lowest cosine (to two places) at which at most 15% of
the near-topic pairs are named; a random pair of unrelated ideas scores above it about 1 time in
2,500. `bench/similar.py`
prints recall and false alarms there and on `dup_extra.jsonl`, which it was not set on.

Vectors are kept as bfloat16 — a float32's upper 16 bits: 512 bytes an idea, 51 MB for 100,000
ideas, cosines within ±0.01 of float32's — and widened back to float32 a block at a time for the
matrix product (a shift, where float16 would need a conversion four times slower).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIMILAR_SCORE = 0.58
MAX_NAMED = 3
MIN_TEXT_CHARS = 12  # a problem shorter than this is compared with nothing
# The wider search whose candidates a connected language model looks at (LLM_SIMILAR_IDEAS,
# bot/runtime/same_problem.py): set in bench/similar.py's "candidates" figures.
CANDIDATES = 8
CANDIDATE_SCORE = 0.30
_BLOCK = 1024  # rows widened and scored at a time: 1 MB, kept in the CPU's cache (3x faster than 16 MB)


def text_key(text: str) -> int:
    """A hash of an idea's text, to know its vector is current (stable within a process)."""
    return hash(text)


def idea_text(title: str, problem: str) -> str:
    """What an idea is compared by: its title and its problem."""
    title, problem = " ".join(title.split()), " ".join(problem.split())
    return f"{title}. {problem}" if title else problem


def to_bfloat16(vectors: np.ndarray) -> np.ndarray:
    """float32 → bfloat16 bits (uint16), rounded to nearest."""
    bits = np.ascontiguousarray(vectors, dtype=np.float32).view(np.uint32)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)


def named(matches: list[Match]) -> list[int]:
    """The ideas the vectors alone name, of a search's matches (a wide search's included)."""
    return [m.idea_id for m in matches if m.score >= SIMILAR_SCORE][:MAX_NAMED]


@dataclass(frozen=True)
class Match:
    """An existing idea and how close its meaning is (cosine, -1…1)."""

    idea_id: int
    score: float


class MeaningIndex:
    """Ideas' vectors, to name the ones that state the same problem."""

    def __init__(self, dims: int) -> None:
        self.dims = dims
        self._ids: list[int] = []
        self._row: dict[int, int] = {}  # idea id -> its row in `_matrix`
        self._matrix = np.zeros((0, dims), dtype=np.uint16)  # bfloat16 bits
        self._keys = np.zeros(0, dtype=np.int64)  # per row: a hash of the text its vector is of

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, idea_id: int) -> bool:
        return idea_id in self._row

    @property
    def nbytes(self) -> int:
        """Memory the vectors take."""
        return int(self._matrix.nbytes)

    def holds(self, idea_id: int, key: int) -> bool:
        """Whether the index has this idea's vector for the text whose hash is `key`."""
        row = self._row.get(idea_id)
        return row is not None and int(self._keys[row]) == key

    def put(self, idea_id: int, vector: np.ndarray, key: int = 0) -> None:
        """Add an idea's vector (of the text whose hash is `key`), or replace it."""
        row = self._row.get(idea_id)
        if row is None:
            row = len(self._ids)
            if row == len(self._matrix):
                size = max(64, 2 * len(self._matrix))
                grown = np.zeros((size, self.dims), dtype=np.uint16)
                grown[:row] = self._matrix
                keys = np.zeros(size, dtype=np.int64)
                keys[:row] = self._keys
                self._matrix, self._keys = grown, keys
            self._ids.append(idea_id)
            self._row[idea_id] = row
        self._matrix[row] = to_bfloat16(vector)
        self._keys[row] = key

    def put_many(self, idea_ids: list[int], vectors: np.ndarray, keys: list[int] | None = None) -> None:
        """Add or replace many ideas' vectors."""
        for i, (idea_id, vector) in enumerate(zip(idea_ids, vectors, strict=True)):
            self.put(idea_id, vector, keys[i] if keys else 0)

    def discard(self, idea_id: int) -> None:
        """Forget an idea (its row is taken by the last one)."""
        row = self._row.pop(idea_id, None)
        if row is None:
            return
        last = len(self._ids) - 1
        if row != last:
            moved = self._ids[last]
            self._ids[row] = moved
            self._row[moved] = row
            self._matrix[row] = self._matrix[last]
            self._keys[row] = self._keys[last]
        self._ids.pop()

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Every indexed idea's cosine with `vector`, in row order."""
        n = len(self._ids)
        out = np.empty(n, dtype=np.float32)
        query = vector.astype(np.float32)
        block = np.empty((min(n, _BLOCK), self.dims), dtype=np.uint32)
        for start in range(0, n, _BLOCK):
            stop = min(n, start + _BLOCK)
            widened = block[: stop - start]
            np.copyto(widened, self._matrix[start:stop])
            np.left_shift(widened, 16, out=widened)
            np.dot(widened.view(np.float32), query, out=out[start:stop])
        return out

    def search(
        self,
        vector: np.ndarray,
        *,
        exclude: int | None = None,
        limit: int = MAX_NAMED,
        min_score: float = SIMILAR_SCORE,
    ) -> list[Match]:
        """Up to `limit` ideas scoring `min_score` or more, best first."""
        if not self._ids or not vector.any():
            return []
        scores = self.scores(vector)
        if exclude is not None and exclude in self._row:
            scores[self._row[exclude]] = -np.inf
        candidates = np.flatnonzero(scores >= min_score)
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-scores[candidates], limit - 1)[:limit]]
        ranked = sorted(candidates.tolist(), key=lambda row: (-scores[row], self._ids[row]))
        return [Match(idea_id=self._ids[row], score=round(float(scores[row]), 3)) for row in ranked]
