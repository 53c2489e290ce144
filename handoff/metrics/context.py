"""Time to context: how long the incoming person takes, from the start of their shift, to take
over a handoff.

Nothing records a shift's start, so it is read from what exists: a person's shift on a UTC day
starts with their first recorded activity that day — a sign-in, any change they made (the audit
log), or a question they asked in the team. Their context moment is their first acknowledgment
of one of the team's handoffs that day. A person-day counts for the team when the person did
anything in the team that day; days without an acknowledgment are counted apart ("no
acknowledgment"), not as zero. A person filter selects that person's days.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from handoff.audit import AuditLogRecord
from handoff.identity.models import UserRecord
from handoff.metrics.questions import QuestionRecord
from handoff.metrics.scope import Scope, Sql, median, p90, rounded, week_of, weeks_in
from handoff.metrics.table import Row, Table

A = AuditLogRecord
Q = QuestionRecord
ACK = "handoff.acknowledge"


def person_days(session: Session, scope: Scope) -> dict[tuple[str, str], dict[str, Any]]:
    """{(account id, day): {"name", "start", "ack", "active"}} with epoch seconds: the first
    activity, the first acknowledgment in the team (None without one) and whether anything was
    done in the team that day."""
    sql = Sql(session)
    day = sql.day(A.at)
    in_team = A.team == scope.team
    where = [
        A.at >= scope.since,
        A.at < scope.until,
        A.actor_id.is_not(None),
        or_(in_team, A.team.is_(None)),
    ]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(A.actor_id.in_(ids))
    q = (
        select(
            A.actor_id,
            day,
            sql.epoch(func.min(A.at)),
            sql.epoch(func.min(case(((A.action == ACK) & in_team, A.at)))),
            func.max(case((in_team, 1), else_=0)),
        )
        .where(*where)
        .group_by(A.actor_id, day)
    )
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for uid, d, start, ack, active in session.execute(q):
        out[(uid, d)] = {"start": start, "ack": ack, "active": bool(active)}
    _add_questions(session, scope, sql, out, ids)
    names = display_names(session, {uid for uid, _ in out})
    for (uid, _), seen in out.items():
        seen["name"] = names.get(uid, uid)
    return out


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


def _add_questions(
    session: Session,
    scope: Scope,
    sql: Sql,
    out: dict[tuple[str, str], dict[str, Any]],
    ids: list[str] | None,
) -> None:
    """A question asked in the team is activity in it, and may be the shift's first."""
    day = sql.day(Q.asked_at)
    where = [Q.team == scope.team, Q.asked_at >= scope.since, Q.asked_at < scope.until]
    where.append(Q.asker_id.is_not(None))
    if ids is not None:
        where.append(Q.asker_id.in_(ids))
    q = (
        select(Q.asker_id, day, sql.epoch(func.min(Q.asked_at)))
        .where(*where)
        .group_by(Q.asker_id, day)
    )
    for uid, d, first in session.execute(q):
        seen = out.setdefault((uid, d), {"start": first, "ack": None})
        seen["start"] = min(seen["start"], first)
        seen["active"] = True


def time_to_context(session: Session, scope: Scope) -> list[Table]:
    """Minutes from shift start to first acknowledgment, by week and by person."""
    by_week: dict[str, list[float]] = defaultdict(list)
    by_person: dict[str, list[float]] = defaultdict(list)
    missed_week: dict[str, int] = defaultdict(int)
    missed_person: dict[str, int] = defaultdict(int)
    for (_uid, d), seen in person_days(session, scope).items():
        if not seen["active"]:
            continue
        if seen["ack"] is None:
            missed_week[week_of(d)] += 1
            missed_person[seen["name"]] += 1
            continue
        minutes = max(0.0, float(seen["ack"]) - float(seen["start"])) / 60
        by_week[week_of(d)].append(minutes)
        by_person[seen["name"]].append(minutes)
    definition = (
        "Minutes from the start of a person's shift (their first sign-in, change or question "
        "that day, UTC) to their first acknowledgment of a team handoff that day; median and "
        "90th percentile of person-days, and person-days active in the team with no "
        "acknowledgment."
    )
    measures = ("median_minutes", "p90_minutes", "person_days", "no_acknowledgment")

    def row(key: str, xs: list[float], missed: int) -> Row:
        values: dict[str, Any] = {
            "median_minutes": rounded(median(xs), 1),
            "p90_minutes": rounded(p90(xs), 1),
            "person_days": len(xs),
            "no_acknowledgment": missed,
        }
        return Row(key, values)

    people = sorted(set(by_person) | set(missed_person), key=str.lower)
    return [
        Table(
            "time_to_context",
            "Time to context",
            "week",
            "minutes",
            measures,
            definition,
            [row(w, by_week.get(w, []), missed_week.get(w, 0)) for w in weeks_in(scope)],
        ),
        Table(
            "time_to_context_by_person",
            "Time to context by person",
            "person",
            "minutes",
            measures,
            definition,
            [row(p, by_person.get(p, []), missed_person.get(p, 0)) for p in people],
        ),
    ]
