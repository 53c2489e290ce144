"""A version on every handoff, for conditional writes.

`handoffs.version` starts at 1 and grows by one with every change to the row (SQLAlchemy's
version counter: each UPDATE says `WHERE version = <the one read>`), so two writers that read
the same version cannot both win. The API hands it out as the `ETag` of `GET /api/handoffs/{id}`
and honours it in `If-Match` on edits and publishing.

Revision ID: 0008_versions
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_versions"
down_revision = "0005_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("handoffs", sa.Column("version", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("version")
