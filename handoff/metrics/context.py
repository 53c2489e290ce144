"""Time to context: how long the incoming person takes, from the start of their shift, to take
over a handoff.

Nothing records a shift, so it is read from what exists. A person's context moment is an
acknowledgment of one of the team's handoffs that is their first in `SHIFT_GAP_HOURS` (the first
of their shift). The shift's start is the first thing they did in the `SHIFT_GAP_HOURS` before
it: a sign-in or any change they made (the audit log, in any team), or a question they asked in
the team (the questions log). Shifts are about eight hours and the time between two far longer,
so that window holds the start of this shift and nothing of the last one; a shift longer than
the window counts from the window's start, so the figure is capped at `SHIFT_GAP_HOURS`. A
context moment belongs to the UTC week it happens in. A person filter selects that person's.

All of it is computed in the database, per acknowledgment, through indexes on the audit log
(actor, moment) and the questions log (asker, moment): one row per context moment leaves it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from handoff.audit import AuditLogRecord
from handoff.identity.models import UserRecord
from handoff.metrics.questions import QuestionRecord
from handoff.metrics.scope import Scope, Sql, median, p90, rounded, week_of, weeks_in
from handoff.metrics.table import Row, Table

A = AuditLogRecord
Q = QuestionRecord
ACK = "handoff.acknowledge"
#: How far back from an acknowledgment its shift is looked for, in hours.
SHIFT_GAP_HOURS = 10


def context_moments(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Each first acknowledgment of a shift in the period: {"name", "week", "minutes"}."""
    sql = Sql(session)
    ack, b, act = aliased(A), aliased(A), aliased(A)
    opened = sql.minus_hours(ack.at, SHIFT_GAP_HOURS)
    earlier_ack = exists(select(b.id)).where(  # select(b.id): the index answers it alone
        b.actor_id == ack.actor_id,
        b.at < ack.at,
        b.at >= opened,
        b.team == scope.team,
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
            Q.team == scope.team,
        )
        .scalar_subquery()
    )
    where = [
        ack.team == scope.team,
        ack.action == ACK,
        ack.at >= scope.since,
        ack.at < scope.until,
        ack.actor_id.is_not(None),
        ~earlier_ack,
    ]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(ack.actor_id.in_(ids))
    q = select(
        ack.actor_id,
        sql.day(ack.at),
        sql.seconds(first_act, ack.at),
        sql.seconds(first_question, ack.at),
    ).where(*where)
    rows = session.execute(q).all()
    names = display_names(session, {r[0] for r in rows})
    return [
        {
            "name": names.get(uid, uid),
            "week": week_of(d),
            "minutes": max(float(since_act or 0.0), float(since_q or 0.0)) / 60,
        }
        for uid, d, since_act, since_q in rows
    ]


def person_ids(session: Session, scope: Scope) -> list[str] | None:
    """The accounts a person filter names (by display name or username); None without one."""
    if not scope.who:
        return None
    u = UserRecord
    q = select(u.id).where(
        or_(func.lower(u.display_name) == scope.who, func.lower(u.username) == scope.who)
    )
    return list(session.scalars(q))


def display_names(session: Session, ids: set[str]) -> dict[str, str]:
    """{account id: the name people know}, in one read."""
    if not ids:
        return {}
    rows = session.execute(
        select(UserRecord.id, UserRecord.display_name).where(UserRecord.id.in_(sorted(ids)))
    )
    return {uid: name for uid, name in rows}


def time_to_context(session: Session, scope: Scope) -> list[Table]:
    """Minutes from shift start to first acknowledgment, by week and by person."""
    by_week: dict[str, list[float]] = defaultdict(list)
    by_person: dict[str, list[float]] = defaultdict(list)
    for m in context_moments(session, scope):
        by_week[m["week"]].append(m["minutes"])
        by_person[m["name"]].append(m["minutes"])
    definition = (
        "Minutes from the start of a person's shift (the first sign-in, change or question in "
        f"the {SHIFT_GAP_HOURS} hours before) to their first acknowledgment of a team handoff "
        "in that shift; median and 90th percentile."
    )
    measures = ("median_minutes", "p90_minutes", "acknowledgments")

    def row(key: str, xs: list[float]) -> Row:
        values: dict[str, Any] = {
            "median_minutes": rounded(median(xs), 1),
            "p90_minutes": rounded(p90(xs), 1),
            "acknowledgments": len(xs),
        }
        return Row(key, values)

    return [
        Table(
            "time_to_context",
            "Time to context",
            "week",
            "minutes",
            measures,
            definition,
            [row(w, by_week.get(w, [])) for w in weeks_in(scope)],
        ),
        Table(
            "time_to_context_by_person",
            "Time to context by person",
            "person",
            "minutes",
            measures,
            definition,
            [row(p, by_person[p]) for p in sorted(by_person, key=str.lower)],
        ),
    ]
