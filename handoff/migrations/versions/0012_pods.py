"""Pods: groups of teams (past about twenty-five engineers, each engineer declares to their pod,
and a pod-level rollup goes to the adjacent time zones).

Revision ID: 0012_pods
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_pods"
down_revision = "0005_identity"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pods",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "pod_teams",
        sa.Column(
            "pod", sa.String(64), sa.ForeignKey("pods.slug", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "team", sa.String(64), sa.ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
        ),
    )


def downgrade() -> None:
    op.drop_table("pod_teams")
    op.drop_table("pods")
