"""A team's rollup delivery: the local times its rollup goes to the team's channels, and the
time zone they are in (issue 17: "team rollup at a time the lead sets").

Revision ID: 0010b_rollup_delivery
Revises: 0010_protocol
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010b_rollup_delivery"
down_revision = "0010_protocol"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team_protocol_rules") as batch:
        batch.add_column(
            sa.Column("rollup_times", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch.add_column(
            sa.Column("rollup_timezone", sa.String(64), nullable=False, server_default="UTC")
        )


def downgrade() -> None:
    with op.batch_alter_table("team_protocol_rules") as batch:
        batch.drop_column("rollup_timezone")
        batch.drop_column("rollup_times")
