"""One-click action links that were used: a row per consumed link, so a link works once.

A link (an email's or a Slack message's "Acknowledge" / "Resolve") is signed and expiring by
itself (`api.notify.links`); what a signature cannot say is whether it was already used. Using a
link inserts its id here in the same transaction as the action; a second use finds the row and
is refused. Rows past `expires_at` can be deleted: an expired link is refused by its signature.

Revision ID: 0010a_action_tokens
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010a_action_tokens"
down_revision = "0005_identity"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "action_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "team",
            sa.String(64),
            sa.ForeignKey("teams.slug", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("expires_at", _TS, nullable=False, index=True),
        sa.Column("used_at", _TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("action_tokens")
