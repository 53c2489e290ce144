"""Retention per team, and what was masked in each handoff.

`team_retention` holds a team's rules (a lead sets them): media files are deleted after
`media_days`, whole handoffs after `handoff_days`; NULL keeps them for ever. `handoffs.masked`
lists the secrets masked out of a wrap before it was stored (kind and where, never the value),
so the author's review page can say what was taken out.

Revision ID: 0009_retention
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_retention"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_retention",
        sa.Column(
            "team", sa.String(64), sa.ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("media_days", sa.Integer, nullable=True),
        sa.Column("handoff_days", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=True),
    )
    op.add_column("handoffs", sa.Column("masked", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("masked")
    op.drop_table("team_retention")
