"""Query usage: questions asked per day, answered vs "no record", and citations followed (see
`handoff.metrics.questions` for what is recorded). A person filter selects that person's
questions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from handoff.metrics.context import person_ids
from handoff.metrics.questions import QuestionRecord
from handoff.metrics.scope import Scope, Sql, days_in
from handoff.metrics.table import Table, rows

Q = QuestionRecord


def query_usage(session: Session, scope: Scope) -> list[Table]:
    sql = Sql(session)
    day = sql.day(Q.asked_at)
    where = [Q.team == scope.team, Q.asked_at >= scope.since, Q.asked_at < scope.until]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(or_(Q.asker_id.in_(ids), func.lower(Q.asker) == scope.who))
    q = (
        select(
            day,
            func.count(),
            func.sum(case((Q.answered.is_(True), 1), else_=0)),
            func.sum(Q.citations),
            func.sum(Q.followed),
        )
        .where(*where)
        .group_by(day)
    )
    found: dict[str, dict[str, Any]] = {}
    for d, n, answered, cited, followed in session.execute(q):
        found[d] = {
            "asked": int(n),
            "answered": int(answered or 0),
            "no_record": int(n) - int(answered or 0),
            "citations": int(cited or 0),
            "citations_followed": int(followed or 0),
        }
    empty = dict.fromkeys(("asked", "answered", "no_record", "citations", "citations_followed"), 0)
    return [
        Table(
            "query_usage",
            "Questions asked",
            "day",
            "count",
            ("asked", "answered", "no_record", "citations", "citations_followed"),
            "Questions asked about the team's work each day (UTC); answered when the answer cites "
            "a handoff, 'no record' otherwise; citations given, and citation links followed.",
            rows(days_in(scope), found, empty),
        )
    ]
