"""An idea's discussion: replies in its card's thread, and the Slack messages ideas came from."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.store.base import StoreBase
from models.store.outbox import refresh_card
from models.store.triage import seen
from models.tables import Comment, Idea, utcnow


class CommentStore(StoreBase):
    """Thread replies as an idea's discussion, kept in step with Slack's edits and deletions."""

    async def add_comment(
        self, *, channel: str, thread_ts: str, ts: str, user_id: str, text: str, key: str | None = None
    ) -> bool:
        """Store a reply in an idea card's thread as the idea's discussion; False if not a card's thread."""

        def insert(session: Session) -> bool:
            idea = session.exec(select(Idea).where(Idea.card_channel == channel, Idea.card_ts == thread_ts)).first()
            if idea is None or seen(session, key):
                return False
            assert idea.id is not None
            session.add(Comment(idea_id=idea.id, user_id=user_id, text=text, channel=channel, ts=ts))
            return True

        try:
            return await self._transact(insert)
        except IntegrityError:
            return False

    async def edit_comment(self, *, channel: str, ts: str, text: str) -> bool:
        """A thread reply was edited in Slack: keep its new text (False if it is not a stored reply)."""

        def edit(session: Session) -> bool:
            comment = session.exec(select(Comment).where(Comment.channel == channel, Comment.ts == ts)).first()
            if comment is None or comment.deleted or comment.text == text:
                return False
            comment.text = text
            session.add(comment)
            return True

        return await self._transact(edit)

    async def delete_comment(self, *, channel: str, ts: str) -> bool:
        """A thread reply was deleted in Slack: forget its text, keep that there was one."""

        def delete(session: Session) -> bool:
            comment = session.exec(select(Comment).where(Comment.channel == channel, Comment.ts == ts)).first()
            if comment is None or comment.deleted:
                return False
            comment.text, comment.deleted = "", True
            session.add(comment)
            return True

        return await self._transact(delete)

    async def forget_source_message(self, *, channel: str, ts: str, text: str) -> list[int]:
        """The message ideas were captured from was deleted in Slack: their cards stop linking to it
        and stop quoting it (a proposed solution that is still the message's text is emptied);
        the ids of the ideas changed."""

        def forget(session: Session) -> list[int]:
            query = select(Idea).where(Idea.source_channel == channel, Idea.source_ts == ts)
            changed = []
            for idea in session.exec(query).all():
                assert idea.id is not None
                idea.source_channel = idea.source_ts = idea.source_permalink = ""
                if text and " ".join(idea.solution.split()) == " ".join(text.split()):
                    idea.solution = ""
                idea.updated_at = utcnow()
                session.add(idea)
                refresh_card(session, idea.id)
                changed.append(idea.id)
            return changed

        return await self._transact(forget)

    async def comments(self, *, idea_id: int, limit: int = 5) -> list[Comment]:
        """An idea's latest thread replies, newest first."""
        async with self._reading() as session:
            query = select(Comment).where(Comment.idea_id == idea_id).order_by(col(Comment.id).desc()).limit(limit)
            return list((await session.exec(query)).all())
