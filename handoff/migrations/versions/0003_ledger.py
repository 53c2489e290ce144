"""The item ledger: items with a stable identity, their events, and their refs.

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("refs", sa.JSON),
        sa.Column("parent_id", sa.String(32)),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("needed_from", sa.String(200)),
        sa.Column("summary", sa.Text),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_by", sa.String(200)),
        sa.Column("resolved_handoff_id", sa.String(36)),
        sa.Column("resolution_quote", sa.Text),
        sa.Column("superseded_by", sa.String(32)),
        sa.Column("vector", sa.JSON),
    )
    op.create_index("ix_ledger_items_parent_id", "ledger_items", ["parent_id"])
    op.create_index("ix_ledger_items_team_kind_state", "ledger_items", ["team", "kind", "state"])
    op.create_index("ix_ledger_items_team_key", "ledger_items", ["team", "kind", "key"])
    op.create_table(
        "ledger_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column(
            "item_id",
            sa.String(32),
            sa.ForeignKey("ledger_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("handoff_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(200)),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("field", sa.String(40)),
        sa.Column("status", sa.String(20)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("quote", sa.Text),
        sa.Column("start_s", sa.Float),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_ledger_events_item_id", "ledger_events", ["item_id"])
    op.create_index("ix_ledger_events_handoff_id", "ledger_events", ["handoff_id"])
    op.create_index("ix_ledger_events_team_at", "ledger_events", ["team", "at"])
    op.create_table(
        "ledger_refs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(300), nullable=False),
        sa.Column(
            "item_id",
            sa.String(32),
            sa.ForeignKey("ledger_items.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("handoff_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_ledger_refs_item_id", "ledger_refs", ["item_id"])
    op.create_index("ix_ledger_refs_handoff_id", "ledger_refs", ["handoff_id"])
    op.create_index("ix_ledger_refs_team_ref", "ledger_refs", ["team", "ref"])


def downgrade() -> None:
    op.drop_table("ledger_refs")
    op.drop_table("ledger_events")
    op.drop_table("ledger_items")
