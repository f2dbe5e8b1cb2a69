"""The outbox is looked up by idea and state ("is a card update already waiting?"), so it is
indexed on both: with only the idea id indexed, every click on a popular idea read all the
messages ever sent for it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_idea_state", "outbox", ["idea_id", "state"], unique=False)
    op.drop_index("ix_outbox_idea_id", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_idea_id", "outbox", ["idea_id"], unique=False)
    op.drop_index("ix_outbox_idea_state", table_name="outbox")
