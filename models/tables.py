"""Every table ideabot stores, in one module."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Index, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def _utc_column(*, index: bool = False, nullable: bool = False) -> Column:
    return Column(UTCDateTime(), index=index, nullable=nullable)


def _text(default: str = "") -> str:
    return Field(default=default, sa_type=Text)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Idea(SQLModel, table=True):
    """One submitted idea and everything the modal asked for."""

    __tablename__ = "ideas"
    __table_args__ = (UniqueConstraint("import_key", name="uq_ideas_import_key"),)  # migration 0002

    id: int | None = Field(default=None, primary_key=True)
    title: str = _text()
    affected: str = _text()
    problem: str = _text()
    evidence: str = _text()
    business_value: str = _text()
    solution: str = _text()
    origin: str = Field(default="problem", max_length=20)
    kind: str = Field(default="invent", max_length=20)
    submitter_id: str = Field(index=True, max_length=32)
    status: str = Field(default="new", index=True, max_length=20)
    # Flags from the problem gate.
    problem_is_solution: bool = False
    problem_is_vague: bool = False
    gate_quote: str = _text()  # the words that made the gate coach, quoted to leaders
    problem_key: str = _text()  # the problem's content words (what similar ideas were found by before 0004)
    # Ideas that possibly state the same problem, when it was submitted: the closest, and up to
    # three, best first, as "12,40,7" (bot/judgment/similar.py).
    similar_to_id: int | None = Field(default=None, foreign_key="ideas.id")
    similar_ids: str = _text()
    # Where it came from (message shortcut) and where its card lives.
    source_channel: str = Field(default="", max_length=32)
    source_ts: str = Field(default="", max_length=32)
    source_permalink: str = _text()
    card_channel: str = Field(default="", max_length=32)
    card_ts: str = Field(default="", index=True, max_length=32)
    card_permalink: str = _text()
    sponsor_id: str = Field(default="", max_length=32)
    partner_id: str = Field(default="", max_length=32)
    merged_into_id: int | None = Field(default=None, foreign_key="ideas.id")
    # The Slack view that submitted it: a second delivery of the same submission is ignored.
    view_id: str | None = Field(default=None, unique=True, max_length=64)
    import_key: str | None = Field(default=None, max_length=64)  # CSV import: the row it came from
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    status_changed_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Activity(SQLModel, table=True):
    """One recorded change to an idea: who, what, from → to, why, when."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_idea_created", "idea_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="ideas.id")
    actor_id: str = Field(max_length=32)
    action: str = Field(max_length=32)
    from_value: str = _text()
    to_value: str = _text()
    reason: str = _text()
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(index=True))


class Support(SQLModel, table=True):
    """One person's support for an idea (button or 👍 reaction; one per person)."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="ideas.id", index=True)
    user_id: str = Field(max_length=32)
    via: str = Field(default="button", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Score(SQLModel, table=True):
    """One triage lead's 1–5 scores for an idea (the latest replaces earlier ones)."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("idea_id", "lead_id"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="ideas.id", index=True)
    lead_id: str = Field(max_length=32)
    customer_value: int
    strategic_fit: int
    feasibility: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Comment(SQLModel, table=True):
    """A reply in an idea card's thread: the idea's discussion."""

    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("channel", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="ideas.id", index=True)
    user_id: str = Field(max_length=32)
    text: str = _text()
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    deleted: bool = False  # its author deleted it in Slack: the text is gone, only this remains


class OutboxItem(SQLModel, table=True):
    """A message the bot owes Slack, written with the change that causes it, delivered later."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_idea_state", "idea_id", "state"),  # "is a card update already waiting?"
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    idea_id: int | None = Field(default=None, foreign_key="ideas.id")
    payload: str = _text("{}")
    state: str = Field(default="pending", max_length=16)  # pending · sent · failed
    attempts: int = 0
    uncertain: bool = False  # an attempt may have reached Slack: reconcile before posting again
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    lease_owner: str = Field(default="", max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_error: str = _text()
    result_channel: str = Field(default="", max_length=32)
    result_ts: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ProcessedKey(SQLModel, table=True):
    """A delivery already applied: an Events API `event_id`, a submitted view's id, …

    Written in the same transaction as the change it caused, so a redelivery changes nothing.
    """

    __tablename__ = "processed_keys"

    key: str = Field(primary_key=True, max_length=128)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(index=True))


class CoachedDraft(SQLModel, table=True):
    """A problem text the gate coached in one open modal: resubmitting it unchanged is accepted."""

    __tablename__ = "coached_drafts"

    view_id: str = Field(primary_key=True, max_length=64)
    problem_hash: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class DigestRun(SQLModel, table=True):
    """One digest period, claimed before it is posted: the unique key makes it exactly once."""

    __tablename__ = "digest_runs"

    key: str = Field(primary_key=True, max_length=64)  # the period's end (scheduled) or "manual:<time>"
    period_start: datetime = Field(sa_column=_utc_column())
    period_end: datetime = Field(sa_column=_utc_column())
    state: str = Field(default="claimed", max_length=16)  # claimed · posted · skipped
    owner: str = Field(default="", max_length=128)  # which process claimed it
    channel: str = Field(default="", max_length=80)  # where it goes (an id or a #name)
    content: str = _text("[]")  # the rendered messages, as JSON
    channel_id: str = Field(default="", max_length=32)  # the channel id Slack answered with
    message_ts: str = Field(default="", max_length=32)  # the first message's ts
    note: str = _text()
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    posted_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
