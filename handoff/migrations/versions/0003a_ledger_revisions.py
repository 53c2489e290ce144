"""The ledger's revision per team: a row that changes with every change to the team's ledger, so a
reader holding the ledger in memory (answering) can tell in one lookup whether it is current.

Revision ID: 0003a
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_revisions",
        sa.Column("team", sa.String(100), primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column("removals", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("ledger_revisions")
