"""The schema of ideabot 0.1, as it stood before migrations shipped

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coached_drafts",
        sa.Column("view_id", sa.String(length=64), nullable=False),
        sa.Column("problem_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("view_id", "problem_hash"),
    )
    op.create_table(
        "digest_runs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=80), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("affected", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("business_value", sa.Text(), nullable=False),
        sa.Column("solution", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("submitter_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("problem_is_solution", sa.Boolean(), nullable=False),
        sa.Column("problem_is_vague", sa.Boolean(), nullable=False),
        sa.Column("gate_quote", sa.Text(), nullable=False),
        sa.Column("problem_key", sa.Text(), nullable=False),
        sa.Column("similar_to_id", sa.Integer(), nullable=True),
        sa.Column("source_channel", sa.String(length=32), nullable=False),
        sa.Column("source_ts", sa.String(length=32), nullable=False),
        sa.Column("source_permalink", sa.Text(), nullable=False),
        sa.Column("card_channel", sa.String(length=32), nullable=False),
        sa.Column("card_ts", sa.String(length=32), nullable=False),
        sa.Column("card_permalink", sa.Text(), nullable=False),
        sa.Column("sponsor_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.String(length=32), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("view_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["ideas.id"],
        ),
        sa.ForeignKeyConstraint(
            ["similar_to_id"],
            ["ideas.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("view_id"),
    )
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_card_ts"), ["card_ts"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_submitter_id"), ["submitter_id"], unique=False)

    op.create_table(
        "processed_keys",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("processed_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_keys_received_at"), ["received_at"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_value", sa.Text(), nullable=False),
        sa.Column("to_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_activities_idea_created", ["idea_id", "created_at"], unique=False)

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "ts"),
    )
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comments_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("result_channel", sa.String(length=32), nullable=False),
        sa.Column("result_ts", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["state", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=32), nullable=False),
        sa.Column("customer_value", sa.Integer(), nullable=False),
        sa.Column("strategic_fit", sa.Integer(), nullable=False),
        sa.Column("feasibility", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idea_id", "lead_id"),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scores_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idea_id", "user_id"),
    )
    with op.batch_alter_table("supports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supports_idea_id"), ["idea_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supports_idea_id"))

    op.drop_table("supports")
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scores_idea_id"))

    op.drop_table("scores")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_idea_id"))
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comments_idea_id"))

    op.drop_table("comments")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_idea_created")
        batch_op.drop_index(batch_op.f("ix_activities_created_at"))

    op.drop_table("activities")
    with op.batch_alter_table("processed_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_keys_received_at"))

    op.drop_table("processed_keys")
    with op.batch_alter_table("ideas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_submitter_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_status"))
        batch_op.drop_index(batch_op.f("ix_ideas_created_at"))
        batch_op.drop_index(batch_op.f("ix_ideas_card_ts"))

    op.drop_table("ideas")
    op.drop_table("digest_runs")
    op.drop_table("coached_drafts")
