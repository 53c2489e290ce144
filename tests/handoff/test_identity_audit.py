"""The audit log is append-only in the database itself, on SQLite and on PostgreSQL: no UPDATE,
no DELETE (and on PostgreSQL no TRUNCATE), whatever code path tries."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff.audit import Actor, AuditLog, AuditLogRecord
from handoff.db import get_engine, session_scope

OP = Actor.operator()


@pytest.fixture
def log(database_url: str) -> AuditLog:
    audit = AuditLog(database_url)
    audit.record(OP, "team.create", team="payments", resource=("team", "payments"))
    audit.record(OP, "member.add", team="payments", detail={"username": "alice"})
    return audit


def _rows(url: str) -> list[tuple[int, str, str]]:
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT id, actor, action FROM audit_log"))]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else'",
        "UPDATE audit_log SET detail = NULL WHERE action = 'member.add'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'team.create'",
    ],
)
def test_sql_cannot_rewrite_the_log(log: AuditLog, database_url: str, statement: str) -> None:
    before = _rows(database_url)
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        get_engine(database_url).begin() as conn,
    ):
        conn.execute(sa.text(statement))
    assert _rows(database_url) == before


def test_orm_cannot_rewrite_the_log(log: AuditLog, database_url: str) -> None:
    before = _rows(database_url)
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        session_scope(database_url) as session,
    ):
        row = session.scalars(sa.select(AuditLogRecord)).first()
        assert row is not None
        row.actor = "forged"
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        session_scope(database_url) as session,
    ):
        session.delete(session.scalars(sa.select(AuditLogRecord)).first())
    assert _rows(database_url) == before


def test_appending_still_works_and_reads_newest_first(log: AuditLog) -> None:
    log.record(OP, "token.create", resource=("token", "t1"))
    assert [e.action for e in log.entries()] == ["token.create", "member.add", "team.create"]
    assert [e.action for e in log.entries(team="payments", limit=1)] == ["member.add"]
    oldest = log.entries()[-1]
    assert [e.action for e in log.entries(before_id=oldest.id + 1)] == ["team.create"]


def test_unknown_action_is_a_developer_error(log: AuditLog) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        log.record(OP, "handoff.teleport")


@pytest.mark.postgres
def test_postgres_refuses_truncate(postgres_url: str) -> None:
    AuditLog(postgres_url).record(OP, "team.create", team="payments")
    with (
        pytest.raises(sa.exc.DBAPIError, match="append-only"),
        get_engine(postgres_url).begin() as conn,
    ):
        conn.execute(sa.text("TRUNCATE audit_log"))
    assert len(_rows(postgres_url)) == 1
