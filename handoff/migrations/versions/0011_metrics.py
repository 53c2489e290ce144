"""Metrics: the questions log, and the indexes that let metrics aggregate in the database.

`questions_log` records each question asked over a team's handoffs: who asked, when, whether the
answer cited anything ("answered") or said there is no record, how many citations it gave and how
many of them were followed. The question's text is not kept: the metric needs none of it.

The indexes cover what the metrics read, so a quarter of a large team's handoffs is aggregated
from index pages alone (the handoff rows themselves carry large JSON documents):

- handoffs by (team, published_at) with the times, author and override reason the metrics use,
  and (SQLite) their missing flags by the moment posted or published;
- the handoff trail by (handoff_id, action, at), for the first acknowledgment;
- audit log rows by (team, action, at) and by (actor_id, at), for acknowledgments and shifts;
- ledger items by (team, kind, first_at) and (team, kind, resolved_at), for blockers and decisions.

Revision ID: 0011_metrics
Revises: 0005_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_metrics"
down_revision = "0005_identity"
branch_labels = None
depends_on = ("0003",)  # the ledger tables it indexes

_TS = sa.DateTime(timezone=True)

#: Everything the handoff metrics read, so they are answered from the index alone.
_HANDOFF_COLUMNS = [
    "team",
    "published_at",
    "created_at",
    "acknowledged_at",
    "author",
    "force_reason",
    "id",
]
#: SQLite keeps the missing flags (a small JSON array) in an index on the expression, so the
#: large documents are not read to count them; PostgreSQL reads them from the documents.
_FLAG_INDEXES = {
    "ix_handoffs_draft_flags": "handoffs (team, created_at, json_extract(draft, '$.missing'), "
    "author, id)",
    "ix_handoffs_published_flags": "handoffs (team, published_at, "
    "json_extract(declaration, '$.missing'), force_reason, author, id)",
}


def upgrade() -> None:
    op.create_table(
        "questions_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team", sa.String(64), nullable=False),
        sa.Column("asked_at", _TS, nullable=False),
        sa.Column("asker_id", sa.String(32), nullable=True),
        sa.Column("asker", sa.String(200), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("intent", sa.String(40), nullable=True),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("citations", sa.Integer, nullable=False, server_default="0"),
        sa.Column("followed", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_questions_log_team_asked", "questions_log", ["team", "asked_at"])
    op.create_index("ix_questions_log_asker", "questions_log", ["asker_id", "asked_at", "team"])
    op.create_index("ix_handoffs_metrics", "handoffs", _HANDOFF_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        for name, target in _FLAG_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {target}")
    op.create_index(
        "ix_audit_events_handoff_action", "audit_events", ["handoff_id", "action", "at"]
    )
    op.create_index(
        "ix_audit_log_team_action_at", "audit_log", ["team", "action", "at", "actor_id"]
    )
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor_id", "at", "team", "action"])
    op.create_index("ix_ledger_items_team_kind_first", "ledger_items", ["team", "kind", "first_at"])
    op.create_index(
        "ix_ledger_items_team_kind_resolved", "ledger_items", ["team", "kind", "resolved_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_items_team_kind_resolved", table_name="ledger_items")
    op.drop_index("ix_ledger_items_team_kind_first", table_name="ledger_items")
    op.drop_index("ix_audit_log_actor_at", table_name="audit_log")
    op.drop_index("ix_audit_log_team_action_at", table_name="audit_log")
    op.drop_index("ix_audit_events_handoff_action", table_name="audit_events")
    if op.get_bind().dialect.name == "sqlite":
        for name in _FLAG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_handoffs_metrics", table_name="handoffs")
    op.drop_index("ix_questions_log_asker", table_name="questions_log")
    op.drop_index("ix_questions_log_team_asked", table_name="questions_log")
    op.drop_table("questions_log")
