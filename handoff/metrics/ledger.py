"""Metrics of the item ledger: how old open blockers are, how long blockers take to clear, and
how often a decision is reopened soon after it was made.

A blocker's age runs from its first mention in a published handoff; it is resolved when a later
handoff says so (`ledger_items.resolved_at`). A decision is re-litigated when a later decision
supersedes it within N days of its being made. A person filter selects blockers waiting on that
person (`needed_from`); decisions are the team's.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from handoff.ledger.models import LedgerItem
from handoff.metrics.scope import Scope, Sql, median, p90, rounded, week_of, weeks_in
from handoff.metrics.table import Row, Table

L = LedgerItem

#: Age buckets of open blockers: (label, upper bound in days).
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 1 day", 1),
    ("1-3 days", 3),
    ("3-7 days", 7),
    ("1-2 weeks", 14),
    ("over 2 weeks", float("inf")),
)


def _blockers(scope: Scope) -> list[Any]:
    where = [L.team == scope.team, L.kind == "blocker"]
    if scope.who:
        where.append(func.lower(L.needed_from) == scope.who)
    return where


def blocker_age(session: Session, scope: Scope) -> list[Table]:
    """Blockers open at the end of the period, by how long they had been open then, and the
    open count at the end of each week."""
    sql = Sql(session)
    q = select(sql.epoch(L.first_at), sql.epoch(L.resolved_at)).where(
        *_blockers(scope), L.first_at < scope.until
    )
    spans = [(float(a), None if b is None else float(b)) for a, b in session.execute(q)]
    end = scope.until.timestamp()
    counts = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    for opened, resolved in spans:
        if resolved is None or resolved >= end:
            days = (end - opened) / 86400
            label = next(lbl for lbl, bound in AGE_BUCKETS if days < bound)
            counts[label] += 1
    # Open at a moment: opened before it, less those resolved before it (a blocker is resolved
    # after it opens), counted by bisection over the sorted moments.
    opens = sorted(o for o, _ in spans)
    closes = sorted(r for _, r in spans if r is not None)
    weekly = []
    for w in weeks_in(scope):
        at = min(end, _week_end(w))
        n = bisect_left(opens, at) - bisect_left(closes, at)
        weekly.append(Row(w, {"open": n}))
    return [
        Table(
            "blocker_age",
            "Open blockers by age",
            "age",
            "count",
            ("blockers",),
            "Blockers still open at the end of the period, by the time since a published "
            "handoff first named them.",
            [Row(label, {"blockers": n}) for label, n in counts.items()],
        ),
        Table(
            "open_blockers_weekly",
            "Open blockers at each week's end",
            "week",
            "count",
            ("open",),
            "Blockers named by a published handoff and not yet resolved, at the end of each "
            "week (or of the period, for its last week).",
            weekly,
        ),
    ]


def _week_end(monday: str) -> float:
    from datetime import UTC, datetime, timedelta

    start = datetime.fromisoformat(monday).replace(tzinfo=UTC)
    return (start + timedelta(days=7)).timestamp()


def time_to_resolve(session: Session, scope: Scope) -> list[Table]:
    """Hours from a blocker's first mention to its resolution, by week of resolution."""
    sql = Sql(session)
    q = select(sql.day(L.resolved_at), sql.seconds(L.first_at, L.resolved_at)).where(
        *_blockers(scope), L.resolved_at >= scope.since, L.resolved_at < scope.until
    )
    by_week: dict[str, list[float]] = defaultdict(list)
    for d, secs in session.execute(q):
        by_week[week_of(d)].append(max(0.0, float(secs)) / 3600)
    rows = []
    for w in weeks_in(scope):
        xs = by_week.get(w, [])
        values: dict[str, Any] = {
            "median_hours": rounded(median(xs)),
            "p90_hours": rounded(p90(xs)),
            "resolved": len(xs),
        }
        rows.append(Row(w, values))
    return [
        Table(
            "time_to_resolve",
            "Time to resolve a blocker",
            "week",
            "hours",
            ("median_hours", "p90_hours", "resolved"),
            "From the first published mention of a blocker to the handoff that says it is "
            "resolved; median and 90th percentile of the blockers resolved that week.",
            rows,
        )
    ]


def relitigated(session: Session, scope: Scope) -> list[Table]:
    """Decisions made each week, and those superseded within N days of being made."""
    sql = Sql(session)
    later = aliased(L)
    q = (
        select(sql.day(L.first_at), sql.seconds(L.first_at, later.first_at))
        .select_from(L)
        .outerjoin(later, (later.id == L.superseded_by) & (later.team == L.team))
        .where(
            L.team == scope.team,
            L.kind == "decision",
            L.first_at >= scope.since,
            L.first_at < scope.until,
            or_(L.superseded_by.is_(None), later.id.is_not(None)),
        )
    )
    within = scope.relitigated_days * 86400
    made: dict[str, int] = defaultdict(int)
    redone: dict[str, int] = defaultdict(int)
    for d, secs in session.execute(q):
        made[week_of(d)] += 1
        if secs is not None and float(secs) <= within:
            redone[week_of(d)] += 1
    rows = []
    for w in weeks_in(scope):
        n, r = made.get(w, 0), redone.get(w, 0)
        rate = rounded(100.0 * r / n, 1) if n else None
        rows.append(Row(w, {"relitigated_pct": rate, "decisions": n, "relitigated": r}))
    return [
        Table(
            "decisions_relitigated",
            f"Decisions re-litigated within {scope.relitigated_days} days",
            "week",
            "%",
            ("relitigated_pct", "decisions", "relitigated"),
            f"Decisions first recorded that week, and those a later decision superseded within "
            f"{scope.relitigated_days} days (the decision log's 'superseded by').",
            rows,
        )
    ]
