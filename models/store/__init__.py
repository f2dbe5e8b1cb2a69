"""The store: the only code that opens database sessions.

One short session per method; `expire_on_commit=False` so returned rows are plain data. Every
write is one transaction of its own through `StoreBase._transact` (or `_transact_core`, for the hottest
writes, which run Core statements on a plain connection): on SQLite, `BEGIN IMMEDIATE`
to commit on the store's one writer thread (see models.db), never grouped with other writes.
Every message the bot owes Slack is written to the outbox in the same transaction as the change
that causes it.

`Store` is one class composed of a part per aggregate. Each part is a class over `StoreBase`
(engines, sessions, `_transact`) with the methods of one aggregate, in a module of its own:

- ideas.py: submitting and finding ideas, what their cards show, the similar-idea index's rows
- triage.py: status moves, sponsors and partners, scores, support, restating, merging, history
- comments.py: thread replies as an idea's discussion; deleted source messages
- digests.py: the digest's reads, runs and posts
- coaching.py: the problem gate's memory
- outbox.py: leasing owed messages and recording deliveries (and the helpers that owe them)
- transfer.py: CSV import and export

A part's write transactions use outbox.py's `enqueue` / `refresh_card` / `mark_sent` (a message
is owed in the transaction of the change that causes it) and triage.py's `seen` (once per Slack
delivery); the one part that calls another's methods, transfer (export reads cards), extends
ideas. Mixins over one base keep one object with the old keyword-only methods, so no caller
changes. The values the parts take and return are in models/records.py, re-exported here.

The similar-idea index is not the store's: a process that compares ideas gives it one
(`Store.from_url(url, similar=SimilarIdeas)`, bot/judgment/similar_ideas.py), which reads its rows back
through `open_idea_texts` / `changed_idea_texts`; a store without one compares nothing, so
`models` never imports the embedder or numpy.
"""

from __future__ import annotations

from models.records import (
    ALREADY_DONE,
    ALREADY_SUPPORTED,
    CLOSED_FOR_SIMILAR,
    ActivityNotice,
    CardData,
    Change,
    Completion,
    DigestInputs,
    ExportedIdea,
    GateFlags,
    IdeaImport,
    OutboxKind,
    Role,
    parse_ids,
)
from models.store.base import SimilarIndex, StoreBase
from models.store.coaching import CoachingStore
from models.store.comments import CommentStore
from models.store.digests import DigestStore
from models.store.outbox import OutboxStore
from models.store.transfer import TransferStore
from models.store.triage import TriageStore

__all__ = [
    "ALREADY_DONE",
    "ALREADY_SUPPORTED",
    "CLOSED_FOR_SIMILAR",
    "ActivityNotice",
    "CardData",
    "Change",
    "Completion",
    "DigestInputs",
    "ExportedIdea",
    "GateFlags",
    "IdeaImport",
    "OutboxKind",
    "Role",
    "SimilarIndex",
    "Store",
    "StoreBase",
    "parse_ids",
]


class Store(TransferStore, TriageStore, CommentStore, DigestStore, CoachingStore, OutboxStore):
    """Async, keyword-only access to ideabot's tables."""
