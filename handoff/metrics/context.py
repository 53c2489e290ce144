"""Time to context: how long the incoming person takes, from the start of their shift, to take
over a handoff.

Nothing records a shift, so shifts are read from what exists: a person's recorded activity — a
sign-in or any change they made (the audit log), or a question they asked in the team (the
questions log). A shift starts with their first activity after at least `SHIFT_GAP_HOURS` without
any (so a shift that runs past midnight stays one shift). Its context moment is the person's
first acknowledgment of one of the team's handoffs in that shift. A shift counts for the team
when the person did anything in the team during it; shifts without an acknowledgment are counted
apart ("no acknowledgment"), not as zero. A shift belongs to the UTC week it starts in. A person
filter selects that person's shifts.

Shifts are found in the database (a window over each person's activity, `LAG` and a running
`SUM`), so only one row per shift leaves it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from handoff.audit import AuditLogRecord
from handoff.identity.models import UserRecord
from handoff.metrics.questions import QuestionRecord
from handoff.metrics.scope import Scope, Sql, median, p90, rounded, week_of, weeks_in
from handoff.metrics.table import Row, Table

A = AuditLogRecord
Q = QuestionRecord
ACK = "handoff.acknowledge"
#: Hours without any activity that end a person's shift.
SHIFT_GAP_HOURS = 6


def shifts(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Each person's shifts in the period: {"uid", "name", "start", "ack", "active"} with
    epoch seconds — the first activity, the first acknowledgment in the team (None without one)
    and whether anything was done in the team."""
    sql = Sql(session)
    ids = person_ids(session, scope)
    in_team = A.team == scope.team
    audit = select(
        A.actor_id.label("uid"),
        sql.epoch(A.at).label("t"),
        case(((A.action == ACK) & in_team, 1), else_=0).label("ack"),
        case((in_team, 1), else_=0).label("inside"),
    ).where(
        A.at >= scope.since,
        A.at < scope.until,
        A.actor_id.is_not(None),
        or_(in_team, A.team.is_(None)),
        *([A.actor_id.in_(ids)] if ids is not None else []),
    )
    asked = select(Q.asker_id, sql.epoch(Q.asked_at), literal(0), literal(1)).where(
        Q.team == scope.team,
        Q.asked_at >= scope.since,
        Q.asked_at < scope.until,
        Q.asker_id.is_not(None),
        *([Q.asker_id.in_(ids)] if ids is not None else []),
    )
    acts = union_all(audit, asked).subquery("acts")
    before = func.lag(acts.c.t).over(partition_by=acts.c.uid, order_by=acts.c.t)
    gap = SHIFT_GAP_HOURS * 3600.0
    marked = select(
        acts,
        case((or_(before.is_(None), acts.c.t - before >= gap), 1), else_=0).label("new"),
    ).subquery("marked")
    shift_no = func.sum(marked.c.new).over(
        partition_by=marked.c.uid, order_by=(marked.c.t, marked.c.new.desc()), rows=(None, 0)
    )
    numbered = select(marked, shift_no.label("shift")).subquery("numbered")
    n = numbered.c
    q = select(
        n.uid, func.min(n.t), func.min(case((n.ack == 1, n.t))), func.max(n.inside)
    ).group_by(n.uid, n.shift)
    out = [
        {"uid": uid, "start": float(start), "ack": ack, "active": bool(inside)}
        for uid, start, ack, inside in session.execute(q)
    ]
    names = display_names(session, {x["uid"] for x in out})
    for x in out:
        x["name"] = names.get(x["uid"], x["uid"])
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


def time_to_context(session: Session, scope: Scope) -> list[Table]:
    """Minutes from shift start to first acknowledgment, by week and by person."""
    by_week: dict[str, list[float]] = defaultdict(list)
    by_person: dict[str, list[float]] = defaultdict(list)
    missed_week: dict[str, int] = defaultdict(int)
    missed_person: dict[str, int] = defaultdict(int)
    for seen in shifts(session, scope):
        if not seen["active"]:
            continue
        d = datetime.fromtimestamp(seen["start"], UTC).date().isoformat()
        if seen["ack"] is None:
            missed_week[week_of(d)] += 1
            missed_person[seen["name"]] += 1
            continue
        minutes = max(0.0, float(seen["ack"]) - float(seen["start"])) / 60
        by_week[week_of(d)].append(minutes)
        by_person[seen["name"]].append(minutes)
    definition = (
        "Minutes from the start of a person's shift (their first sign-in, change or question "
        f"after {SHIFT_GAP_HOURS} hours or more without any) to their first acknowledgment of "
        "a team handoff in that shift; median and 90th percentile of shifts, and shifts active "
        "in the team with no acknowledgment."
    )
    measures = ("median_minutes", "p90_minutes", "shifts", "no_acknowledgment")

    def row(key: str, xs: list[float], missed: int) -> Row:
        values: dict[str, Any] = {
            "median_minutes": rounded(median(xs), 1),
            "p90_minutes": rounded(p90(xs), 1),
            "shifts": len(xs),
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
