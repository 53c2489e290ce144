"""The spine: handoffs, their audit trail, and background jobs.

Revision ID: 0001
Revises:
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
        "handoffs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("author", sa.String(200)),
        sa.Column("recorded_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source_kind", sa.String(20), nullable=False),
        sa.Column("source_name", sa.String(500)),
        sa.Column("source_path", sa.String(1000)),
        sa.Column("source_sha256", sa.String(64)),
        sa.Column("source_text", sa.Text),
        sa.Column("transcript", sa.JSON),
        sa.Column("draft", sa.JSON),
        sa.Column("declaration", sa.JSON),
        sa.Column("force_reason", sa.Text),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("published_by", sa.String(200)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_handoffs_team", "handoffs", ["team"])
    op.create_index("ix_handoffs_status", "handoffs", ["status"])
    op.create_index("ix_handoffs_team_recorded", "handoffs", ["team", "recorded_at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("handoff_id", sa.String(36),
                  sa.ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_audit_events_handoff_id", "audit_events", ["handoff_id"])
    op.create_index("ix_audit_events_team", "audit_events", ["team"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("handoff_id", sa.String(36)),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("stage", sa.String(40)),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jobs_team", "jobs", ["team"])
    op.create_index("ix_jobs_handoff_id", "jobs", ["handoff_id"])


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_table("audit_events")
    op.drop_table("handoffs")
