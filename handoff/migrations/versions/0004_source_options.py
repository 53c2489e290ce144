"""Which part of an uploaded chat export is the handoff (channel, time range), kept with the
handoff so the worker, a retry and a re-extraction all read the same part.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("source_options", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("handoffs", "source_options")
