"""Context moments, recorded when they happen: each acknowledgment that is a person's first of a
team's handoffs in their shift, with the minutes since that shift started (see `context.py` for
the definition).

Time to context was computed per request by three lookups per acknowledgment of the period
(an earlier acknowledgment in the shift? the shift's first act? its first question?), the
costliest part of a team's report. The answer for one acknowledgment depends only on what came
before it, which is all recorded when it is, so the audit log works it out in the transaction
that records the acknowledgment and the metric reads one row per moment. `backfill` computes
the same rows for acknowledgments recorded before this table existed (the migration runs it),
by the same definition in one statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Index, Integer, String, exists, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from handoff.audit import AuditLogRecord
from handoff.metrics.questions import QuestionRecord
from handoff.metrics.scope import Sql
from handoff.models import Base

A = AuditLogRecord
Q = QuestionRecord
ACK = "handoff.acknowledge"
#: How far back from an acknowledgment its shift is looked for, in hours.
SHIFT_GAP_HOURS = 10


class ContextMoment(Base):
    """One first acknowledgment of a shift: who, in which team, when, and the minutes since the
    shift started (the first sign-in, change or question in the `SHIFT_GAP_HOURS` before)."""

    __tablename__ = "context_moments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column()
    minutes: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_context_moments_team_at", "team", "at", "actor_id", "minutes"),)


def note(session: Session, row: AuditLogRecord) -> ContextMoment | None:
    """Called by the audit log for each row it adds: an acknowledgment of a team's handoff that
    is the person's first in the team in `SHIFT_GAP_HOURS` becomes a context moment."""
    if row.action != ACK or not row.team or not row.actor_id:
        return None
    opened = row.at - timedelta(hours=SHIFT_GAP_HOURS)
    earlier = session.scalar(
        select(
            exists().where(
                A.actor_id == row.actor_id,
                A.at < row.at,
                A.at >= opened,
                A.team == row.team,
                A.action == ACK,
            )
        )
    )
    if earlier:
        return None
    first_act = session.scalar(
        select(func.min(A.at)).where(A.actor_id == row.actor_id, A.at >= opened, A.at <= row.at)
    )
    first_question = session.scalar(
        select(func.min(Q.asked_at)).where(
            Q.asker_id == row.actor_id,
            Q.asked_at >= opened,
            Q.asked_at <= row.at,
            Q.team == row.team,
        )
    )
    since = [_seconds(start, row.at) for start in (first_act, first_question) if start]
    moment = ContextMoment(
        team=row.team, actor_id=row.actor_id, at=row.at, minutes=max([0.0, *since]) / 60
    )
    session.add(moment)
    return moment


def _seconds(start: datetime, end: datetime) -> float:
    """Seconds between two moments, one of which may have come back from SQLite without a
    time zone (both are UTC)."""
    if (start.tzinfo is None) != (end.tzinfo is None):
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return (end - start).total_seconds()


def backfill(conn: Connection) -> None:
    """Write the context moment of every acknowledgment already in the audit log (those before
    the table existed), by the same definition in one statement."""
    sql = Sql(conn)
    ack, b, act = aliased(A), aliased(A), aliased(A)
    opened = sql.minus_hours(ack.at, SHIFT_GAP_HOURS)
    earlier_ack = exists(select(b.id)).where(
        b.actor_id == ack.actor_id,
        b.at < ack.at,
        b.at >= opened,
        b.team == ack.team,
        b.action == ACK,
    )
    first_act = (
        select(func.min(act.at))
        .where(act.actor_id == ack.actor_id, act.at >= opened, act.at <= ack.at)
        .scalar_subquery()
    )
    first_question = (
        select(func.min(Q.asked_at))
        .where(
            Q.asker_id == ack.actor_id,
            Q.asked_at >= opened,
            Q.asked_at <= ack.at,
            Q.team == ack.team,
        )
        .scalar_subquery()
    )
    since_act = func.coalesce(sql.seconds(first_act, ack.at), literal(0.0))
    since_question = func.coalesce(sql.seconds(first_question, ack.at), literal(0.0))
    minutes: Any = func.max(since_act, since_question) if sql.sqlite else None
    if minutes is None:
        minutes = func.greatest(since_act, since_question)
    source = select(ack.team, ack.actor_id, ack.at, minutes / 60.0).where(
        ack.action == ACK,
        ack.team.is_not(None),
        ack.actor_id.is_not(None),
        ~earlier_ack,
    )
    conn.execute(insert(ContextMoment).from_select(["team", "actor_id", "at", "minutes"], source))
