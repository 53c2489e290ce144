"""Team vocabulary: people (name, handle, aliases) and terms (items, projects, ticket prefixes).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vocab_people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("handle", sa.String(200)),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team", "name", name="uq_vocab_people_team_name"),
    )
    op.create_index("ix_vocab_people_team", "vocab_people", ["team"])
    op.create_table(
        "vocab_terms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("term", sa.String(300), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team", "kind", "term", name="uq_vocab_terms_team_kind_term"),
    )
    op.create_index("ix_vocab_terms_team", "vocab_terms", ["team"])


def downgrade() -> None:
    op.drop_table("vocab_terms")
    op.drop_table("vocab_people")
