"""The problem gate's memory: which problem texts were already coached in which modal."""

from __future__ import annotations

import contextlib

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models.store.base import StoreBase
from models.tables import CoachedDraft


class CoachingStore(StoreBase):
    """A problem is coached once per modal: the second submit of the same text is accepted."""

    async def was_coached(self, *, view_id: str, fingerprint: str) -> bool:
        """True if this exact problem text was already coached in this modal."""
        async with self._reading() as session:
            row = await session.get(CoachedDraft, (view_id, fingerprint))
            return row is not None

    async def remember_coaching(self, *, view_id: str, fingerprint: str) -> None:
        """Remember that this problem text was coached in this modal."""

        def remember(session: Session) -> None:
            if session.get(CoachedDraft, (view_id, fingerprint)) is None:
                session.add(CoachedDraft(view_id=view_id, problem_hash=fingerprint))

        with contextlib.suppress(IntegrityError):  # remembered by a concurrent delivery already
            await self._transact(remember)
