"""A team's transcription language, kept beside its vocabulary (`handoff.vocabulary.VocabSettings`):
an ISO 639-1 code or `auto`; no row means English, as every team heard before.

Revision ID: 0014_speech_language
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_speech_language"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vocab_settings",
        sa.Column("team", sa.String(100), primary_key=True),
        sa.Column("language", sa.String(8)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("vocab_settings")
