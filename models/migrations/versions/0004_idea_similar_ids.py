"""Ideas remember up to three "possibly the same problem" ideas, best first, not only one

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch_op:
        batch_op.add_column(sa.Column("similar_ids", sa.Text(), nullable=False, server_default=""))
    # An idea that named one similar idea keeps naming it.
    op.execute("UPDATE ideas SET similar_ids = CAST(similar_to_id AS VARCHAR(20)) WHERE similar_to_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("ideas") as batch_op:
        batch_op.drop_column("similar_ids")
