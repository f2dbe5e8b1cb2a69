"""The similar-idea index, kept current: every open idea's vector, read through the store.

The composition root hands it to the store (`Store.from_url(url, similar=SimilarIdeas)`: `ideabot
run` and `ideabot import`); the store asks it to compare a submission, puts each idea it stores
into it, and compares an import's rows with it. It reads ideas only through the store's
`open_idea_texts` and `changed_idea_texts`. numpy and the model are imported where they are used,
so a process that never compares ideas (`ideabot deliver`, the CLI) does not load them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.ideas import IdeaDraft
from models.tables import Idea, utcnow

if TYPE_CHECKING:
    from bot.judgment.similar import Match, MeaningIndex

SIMILAR_REFRESH = timedelta(seconds=60)  # how often other processes' new and changed ideas are read
SIMILAR_OVERLAP = timedelta(seconds=60)  # …reading again this much before the last read (clock skew)
SEARCHED_KEPT = 256  # searched texts whose vectors are kept for `put` (the latest)
SIMILAR_READ_BATCH = 5000  # ideas read and embedded at a time when the index is built


class IdeaTexts(Protocol):
    """The rows the index is built and refreshed from (the store provides them)."""

    async def open_idea_texts(self, *, after_id: int, limit: int) -> list[tuple[int, str, str]]: ...

    async def changed_idea_texts(self, *, since: datetime) -> tuple[list[tuple[int, str, str]], list[int]]: ...


@dataclass(frozen=True)
class Compared:
    """Drafts compared with the index: each one's similar ideas (None: too short to compare)."""

    similar: tuple[tuple[int, ...] | None, ...]
    vectors: Any  # one row a draft (numpy), put into the index once the drafts are stored
    keys: tuple[int, ...]  # each draft's text key


class SimilarIdeas:
    """Every open idea's vector, brought up to date from the store every `SIMILAR_REFRESH`."""

    def __init__(self, ideas: IdeaTexts) -> None:
        self._ideas = ideas
        self.index: MeaningIndex | None = None  # None until the model is loaded; filled by `build`
        self._build: asyncio.Task | None = None  # the one first build (start-up's, or the first use's)
        self._changes_since: datetime | None = None  # ideas updated since then are read on the next refresh
        self._refreshed = float("-inf")  # time.monotonic() of the last refresh
        self._refreshing = False
        # The vectors of the texts searched lately, by text: an idea is searched for just before
        # it is stored, and `put` then takes its vector from here instead of embedding it again.
        self._searched: dict[str, Any] = {}

    async def search(
        self, *, title: str, problem: str, exclude_id: int | None = None, wide: bool = False
    ) -> list[Match]:
        """Open ideas that possibly state the same problem (by meaning), best first; [] while the
        model is still loading at start-up (see `current`). `wide`: the `CANDIDATES` a language
        model looks at, weaker ones included (`similar.named` picks those the vectors name)."""
        from bot.judgment.embed import embedder
        from bot.judgment.similar import CANDIDATE_SCORE, CANDIDATES, MIN_TEXT_CHARS, idea_text

        index = await self.current()
        if index is None or len(problem.strip()) < MIN_TEXT_CHARS:
            return []
        text = idea_text(title, problem)
        vector = embedder().vector(text)
        if len(self._searched) >= SEARCHED_KEPT:
            del self._searched[next(iter(self._searched))]  # the oldest
        self._searched[text] = vector
        if wide:
            return index.search(vector, exclude=exclude_id, limit=CANDIDATES, min_score=CANDIDATE_SCORE)
        return index.search(vector, exclude=exclude_id)

    async def current(self) -> MeaningIndex | None:
        """The index, brought up to date every `SIMILAR_REFRESH` (other processes' ideas, merges,
        declines and restated problems). Its first use builds it; while the start-up build is
        under way it is what has been read so far (None until the model is loaded): a request
        never waits for the build."""
        if self._build is None:
            await self.build()
        elif (
            self._build.done()
            and not self._refreshing
            and time.monotonic() - self._refreshed > SIMILAR_REFRESH.total_seconds()
        ):
            await self._refresh()
        return self.index

    async def build(self) -> MeaningIndex:
        """Build the index once (every caller awaits the same build) and return it."""
        if self._build is None:
            self._build = asyncio.ensure_future(self._build_all())
        await asyncio.shield(self._build)
        assert self.index is not None
        return self.index

    async def _build_all(self) -> None:
        """Embed every open idea into the index, `SIMILAR_READ_BATCH` at a time (the model loads
        and the embedding runs on a thread)."""
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MeaningIndex

        model = await asyncio.to_thread(embedder)
        # From here ideas stored by this process are put in as they are stored (`put`); the
        # batches below read every idea stored before, and those stored meanwhile again.
        self.index = MeaningIndex(model.dims)
        self._changes_since = utcnow() - SIMILAR_OVERLAP
        self._refreshed = time.monotonic()
        after = 0
        while rows := await self._ideas.open_idea_texts(after_id=after, limit=SIMILAR_READ_BATCH):
            await _embed_into(self.index, rows)
            after = rows[-1][0]

    async def _refresh(self) -> None:
        assert self.index is not None and self._changes_since is not None
        self._refreshing = True
        try:
            since, self._changes_since = self._changes_since, utcnow() - SIMILAR_OVERLAP
            rows, closed = await self._ideas.changed_idea_texts(since=since)
            for idea_id in closed:
                self.index.discard(idea_id)
            await _embed_into(self.index, rows)
            self._refreshed = time.monotonic()
        finally:
            self._refreshing = False

    def put(self, ideas: Sequence[Idea]) -> None:
        """Put just-stored ideas into the index (when it exists; it reads them when it is built)."""
        index = self.index
        if index is None:
            return
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MIN_TEXT_CHARS, idea_text, text_key

        texts = [
            (int(i.id), idea_text(i.title, i.problem))
            for i in ideas
            if i.id and len(i.problem.strip()) >= MIN_TEXT_CHARS
        ]
        if not texts:
            return
        # An idea searched for just before it was stored is not embedded again.
        vectors = [self._searched.pop(t, None) for _, t in texts]
        missing = [n for n, vector in enumerate(vectors) if vector is None]
        if missing:
            for n, vector in zip(missing, embedder().vectors([texts[n][1] for n in missing]), strict=True):
                vectors[n] = vector
        for (idea_id, text), vector in zip(texts, vectors, strict=True):
            index.put(idea_id, vector, text_key(text))

    async def compare(self, drafts: Sequence[IdeaDraft]) -> Compared:
        """The ideas each draft possibly states the same problem as (an import waits for the
        start-up build), with the drafts' vectors for `put_compared`."""
        from bot.judgment.embed import embedder
        from bot.judgment.similar import MIN_TEXT_CHARS, idea_text, text_key

        index = await self.build()
        texts = [idea_text(d.title, d.problem) for d in drafts]
        vectors = await asyncio.to_thread(embedder().vectors, texts)
        similar = tuple(
            tuple(m.idea_id for m in index.search(vector)) if len(d.problem.strip()) >= MIN_TEXT_CHARS else None
            for d, vector in zip(drafts, vectors, strict=True)
        )
        return Compared(similar=similar, vectors=vectors, keys=tuple(text_key(t) for t in texts))

    def put_compared(self, compared: Compared, stored: Mapping[int, int]) -> None:
        """Put compared drafts that were stored as open ideas into the index: `stored` maps a
        draft's position to its idea's id (a draft too short to compare is left out)."""
        import numpy as np

        assert self.index is not None  # `compare` built it
        fresh = [(idea_id, n) for n, idea_id in stored.items() if compared.similar[n] is not None]
        if fresh:
            self.index.put_many(
                [i for i, _ in fresh],
                np.stack([compared.vectors[n] for _, n in fresh]),
                [compared.keys[n] for _, n in fresh],
            )


async def _embed_into(index: MeaningIndex, rows: Sequence[tuple[int, str, str]]) -> None:
    """Embed (id, title, problem) rows on a thread and put them into the index (on the loop); a
    row whose text the index already holds is not embedded again."""
    from bot.judgment.embed import embedder
    from bot.judgment.similar import MIN_TEXT_CHARS, idea_text, text_key

    texts = {r[0]: idea_text(r[1], r[2]) for r in rows if len(r[2].strip()) >= MIN_TEXT_CHARS}
    for idea_id in [r[0] for r in rows if r[0] not in texts]:
        index.discard(idea_id)  # its problem is too short now to compare
    wanted = [(i, t, text_key(t)) for i, t in texts.items() if not index.holds(i, text_key(t))]
    if wanted:
        vectors = await asyncio.to_thread(embedder().vectors, [t for _, t, _ in wanted])
        index.put_many([i for i, _, _ in wanted], vectors, [k for _, _, k in wanted])
