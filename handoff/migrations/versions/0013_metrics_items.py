"""Indexes for the item-level metrics: routings by (team, moment routed) and notifications by
(team, moment queued), each carrying every column the metrics read, so a year of a large team's
routings and notifications is aggregated from index pages (a notification row carries its
message, which the metrics never read); and routings by (handoff, reason, acknowledgment), so
whether every item a handoff put out is taken is read from the index with the handoff.

Revision ID: 0013_metrics_items
Revises: 0010_protocol
"""

from __future__ import annotations

from alembic import op

revision = "0013_metrics_items"
down_revision = "0010_protocol"
branch_labels = None
depends_on = None

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
    op.create_index("ix_assignments_metrics", "protocol_assignments", _ASSIGNMENT_COLUMNS)
    op.create_index("ix_outbox_metrics", "notification_outbox", _OUTBOX_COLUMNS)
    op.create_index(
        "ix_assignments_handoff_acks",
        "protocol_assignments",
        ["handoff_id", "reason", "acknowledged_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_handoff_acks", table_name="protocol_assignments")
    op.drop_index("ix_outbox_metrics", table_name="notification_outbox")
    op.drop_index("ix_assignments_metrics", table_name="protocol_assignments")
