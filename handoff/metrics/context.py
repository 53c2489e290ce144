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

Each moment is worked out when its acknowledgment is recorded (`handoff.metrics.moments`, from
the audit log's (actor, moment) index and the questions log's (asker, moment) one), so a report
reads one small row per moment.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from handoff.identity.models import UserRecord
from handoff.metrics.moments import SHIFT_GAP_HOURS, ContextMoment
from handoff.metrics.quantiles import concatenated
from handoff.metrics.scope import Scope, Sql, median, p90, rounded, weeks_in
from handoff.metrics.table import Row, Table

__all__ = ["SHIFT_GAP_HOURS", "context_moments", "time_to_context"]


def context_moments(session: Session, scope: Scope) -> dict[tuple[str, str], list[float]]:
    """{(person's name, week): minutes of each first acknowledgment of a shift}, read from the
    moments recorded with the acknowledgments (`handoff.metrics.moments`), a week's minutes of
    one person coming back as one row."""
    sql = Sql(session)
    m = ContextMoment
    week = sql.week(m.at)
    where = [m.team == scope.team, m.at >= scope.since, m.at < scope.until]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(m.actor_id.in_(ids))
    q = (
        select(m.actor_id, week, concatenated(session, m.minutes))
        .where(*where)
        .group_by(m.actor_id, week)
    )
    rows = session.execute(q).all()
    names = display_names(session, {r[0] for r in rows})
    out: dict[tuple[str, str], list[float]] = defaultdict(list)
    for uid, w, joined in rows:
        out[(names.get(uid, uid), str(w))].extend(float(x) for x in joined.split(","))
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
    for (name, week), minutes in context_moments(session, scope).items():
        by_week[week].extend(minutes)
        by_person[name].extend(minutes)
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
