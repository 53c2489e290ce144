"""Identities: users, teams, memberships, API tokens, browser sessions, people-to-account links,
the append-only audit log, and the author's account on each handoff.

The audit log refuses UPDATE and DELETE in the database itself (a trigger on SQLite and on
PostgreSQL, where TRUNCATE is refused too), so no code path of the product can rewrite history.
Teams already named by stored handoffs and jobs become team rows when their name is a valid slug.

Revision ID: 0005_identity
Revises: 0004
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_identity"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_SLUG = re.compile(r"[a-z0-9_-]{1,64}", re.ASCII)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def _people_tables() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320), unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(500)),
        sa.Column("oidc_issuer", sa.String(500)),
        sa.Column("oidc_subject", sa.String(255)),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_sign_in_at", _TS),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
    )
    op.create_table(
        "teams",
        sa.Column("slug", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "team", sa.String(64), sa.ForeignKey("teams.slug", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("team", "user_id", name="uq_memberships_team_user"),
    )
    op.create_index("ix_memberships_user", "memberships", ["user_id"])
    op.create_table(
        "person_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "team", sa.String(64), sa.ForeignKey("teams.slug", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("person_name", sa.String(200), nullable=False),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("team", "person_name", name="uq_person_links_team_name"),
    )
    op.create_index("ix_person_links_user_id", "person_links", ["user_id"])


def _credential_tables() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("teams", sa.JSON),
        sa.Column("read_only", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_used_at", _TS),
        sa.Column("revoked_at", _TS),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "web_sessions",
        sa.Column("id_sha256", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("address", sa.String(100)),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def _audit_table() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(32)),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("team", sa.String(64)),
        sa.Column("resource_type", sa.String(40)),
        sa.Column("resource_id", sa.String(200)),
        sa.Column("address", sa.String(100)),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_audit_log_team_id", "audit_log", ["team", "id"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_id"])
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {verb} is refused'); END"
            )


def _known_teams() -> None:
    """Teams already named by stored work become rows, so memberships can point at them."""
    bind = op.get_bind()
    names: set[str] = set()
    for table in ("handoffs", "jobs"):
        names.update(row[0] for row in bind.execute(sa.text(f"SELECT DISTINCT team FROM {table}")))
    teams = sa.table(
        "teams", sa.column("slug"), sa.column("display_name"), sa.column("created_at", _TS)
    )
    now = datetime.now(UTC)
    rows = [
        {"slug": n, "display_name": n, "created_at": now}
        for n in sorted(names)
        if n and _SLUG.fullmatch(n)
    ]
    for row in rows:
        bind.execute(teams.insert().values(**row))


def upgrade() -> None:
    _people_tables()
    _credential_tables()
    _audit_table()
    # The author's account: who may edit and publish their own draft without a reviewer's role.
    op.add_column("handoffs", sa.Column("author_user_id", sa.String(32), nullable=True))
    _known_teams()


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("author_user_id")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in ("audit_log", "web_sessions", "api_tokens", "person_links", "memberships"):
        op.drop_table(table)
    op.drop_table("teams")
    op.drop_table("users")
