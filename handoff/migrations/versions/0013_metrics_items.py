"""Context moments recorded with each acknowledgment (`handoff.metrics.moments`), those of the
acknowledgments already recorded computed here; and indexes for the item-level metrics:
routings by (team, moment routed) and notifications by (team, moment queued), each carrying
every column the metrics read, so a year of a large team's routings and notifications is
aggregated from index pages (a notification row carries its message, which the metrics never
read); and routings by (handoff, reason, acknowledgment), so whether every item a handoff put
out is taken is read from the index with the handoff.

Revision ID: 0013_metrics_items
Revises: 0010_protocol (and needs the audit and questions logs, 0011_metrics)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_metrics_items"
down_revision = "0010_protocol"
branch_labels = None
depends_on = ("0011_metrics",)

_ASSIGNMENT_COLUMNS = [
    "team",
    "routed_at",
    "reason",
    "user_id",
    "item_id",
    "handoff_id",
    "acknowledged_at",
    "escalated_at",
]
_OUTBOX_COLUMNS = ["team", "created_at", "channel", "status", "attempts", "user_id"]


def upgrade() -> None:
    op.create_table(
        "context_moments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("actor_id", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_context_moments_team_at", "context_moments", ["team", "at", "actor_id", "minutes"]
    )
    from handoff.metrics.moments import backfill

    backfill(op.get_bind())
    op.create_index("ix_assignments_metrics", "protocol_assignments", _ASSIGNMENT_COLUMNS)
    op.create_index("ix_outbox_metrics", "notification_outbox", _OUTBOX_COLUMNS)
    op.create_index(
        "ix_assignments_handoff_acks",
        "protocol_assignments",
        ["handoff_id", "reason", "acknowledged_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_context_moments_team_at", table_name="context_moments")
    op.drop_table("context_moments")
    op.drop_index("ix_assignments_handoff_acks", table_name="protocol_assignments")
    op.drop_index("ix_outbox_metrics", table_name="notification_outbox")
    op.drop_index("ix_assignments_metrics", table_name="protocol_assignments")
