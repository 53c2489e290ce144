"""The protocol: people's hours and channels, team rules, assignments and the notification outbox.

Revision ID: 0010_protocol
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_protocol"
down_revision = "0005_identity"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person_profiles",
        sa.Column(
            "user_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("hours", sa.JSON, nullable=False),
        sa.Column("days_off", sa.JSON, nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("slack_user_id", sa.String(64)),
        sa.Column("webhooks", sa.JSON, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "team_protocol_rules",
        sa.Column(
            "team", sa.String(64), sa.ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("escalate_after_hours", sa.Float, nullable=False),
        sa.Column("flag_unacknowledged", sa.Boolean, nullable=False),
        sa.Column("reminder_minutes", sa.Integer, nullable=False),
        sa.Column("slack_channel", sa.String(64)),
        sa.Column("team_email", sa.String(320)),
        sa.Column("webhook_url", sa.String(2000)),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "protocol_assignments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False, index=True),
        sa.Column(
            "user_id",
            sa.String(32),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("handoff_id", sa.String(36), index=True),
        sa.Column("routed_at", _TS, nullable=False),
        sa.Column("acknowledged_at", _TS),
        sa.Column("read_back", sa.String(500)),
        sa.Column("seen_event_id", sa.Integer),
        sa.Column("not_mine_at", _TS),
        sa.Column("not_mine_to", sa.String(200)),
        sa.Column("escalated_at", _TS),
        sa.Column("closed_at", _TS),
        sa.Column("resolution_note", sa.Text),
        sa.UniqueConstraint("item_id", "user_id", "reason", name="uq_assignments_item_user_reason"),
    )
    op.create_index("ix_assignments_team_open", "protocol_assignments", ["team", "closed_at"])
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.String(2000), nullable=False),
        sa.Column("user_id", sa.String(32), index=True),
        sa.Column("handoff_id", sa.String(36), index=True),
        sa.Column("item_id", sa.String(32)),
        sa.Column("message", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("claimed_at", _TS),
        sa.Column("delivered_at", _TS),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_outbox_status_next", "notification_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status_next", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_index("ix_assignments_team_open", table_name="protocol_assignments")
    op.drop_table("protocol_assignments")
    op.drop_table("team_protocol_rules")
    op.drop_table("person_profiles")
