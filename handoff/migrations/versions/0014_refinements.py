"""Hybrid drafting: each handoff's LLM refinement, apart from the handoff's row so that recording
its progress never bumps the handoff's version (`handoff.refinement`).

Revision ID: 0014_refinements
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_refinements"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff_refinements",
        sa.Column(
            "handoff_id",
            sa.String(36),
            sa.ForeignKey("handoffs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("result_version", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("changes", sa.JSON, nullable=True),
        sa.Column("suggestion", sa.JSON, nullable=True),
        sa.Column("applied", sa.JSON, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("handoff_refinements")
