"""Item-level metrics, from the protocol's own tables (migration 0010_protocol): how fast each
item put in front of someone is taken, whether routed blockers had to be escalated and how long
they took to clear, and whether notifications reached their channels.

An assignment (`protocol_assignments`) is one item put in front of one person; its `routed_at`
is the moment the handoff that put it there was published (routing runs in the publish's
transaction; an item taken without being routed counts from its handoff's publication too), and
its `acknowledged_at` is that person's "I've got it". Acknowledging a whole handoff acknowledges
each of its live items, so a handoff is taken over when every item it put out is acknowledged.
Routings to the leads asking who can clear a blocker are answered by naming someone, not
acknowledged, so they are not counted as waiting. Tables keep each routing as it stands: an item
routed again after its routing closed counts from the new routing.

A person filter selects the items routed to that person, the blockers routed to them, and the
notifications addressed to them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import Session, aliased

from handoff.ledger.models import LedgerItem
from handoff.metrics.context import person_ids
from handoff.metrics.handoffs import ACKNOWLEDGED_REASONS, published
from handoff.metrics.quantiles import Spread, spread_values, spreads
from handoff.metrics.scope import Scope, Sql, rounded, weeks_in
from handoff.metrics.table import Row, Table, rows
from handoff.protocol.models import Assignment, OutboxRow

A = Assignment
N = OutboxRow


def _routed(session: Session, scope: Scope, reasons: tuple[str, ...]) -> list[Any]:
    where = [
        A.team == scope.team,
        A.reason.in_(reasons),
        A.routed_at >= scope.since,
        A.routed_at < scope.until,
    ]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(A.user_id.in_(ids))
    return where


def _hours_rows(
    scope: Scope, spread: dict[str, Spread], counted: str, extra: dict[str, dict[str, int]]
) -> list[Row]:
    """One row a week: median and 90th percentile in hours, how many, and the extra counts."""
    out = []
    for w in weeks_in(scope):
        s = spread_values(spread.get(w), 3600)
        values: dict[str, Any] = {
            "median_hours": s["median"],
            "p90_hours": s["p90"],
            counted: s["n"],
        }
        values.update(extra.get(w, {}))
        out.append(Row(w, values))
    return out


def _without_value(spread: dict[str, Spread], name: str) -> dict[str, dict[str, int]]:
    return {k: {name: s.total - s.n} for k, s in spread.items()}


def item_acknowledgment(session: Session, scope: Scope) -> list[Table]:
    """Hours from an item being put out to its first acknowledgment, per item and per handoff."""
    sql = Sql(session)
    a, b = A, aliased(A)
    # an action item handed over too is routed twice to its owner (action and handover), both
    # put out and acknowledged together: it counts once, as the action
    twice = (a.reason == "handover") & exists(
        select(b.id).where(
            b.item_id == a.item_id,
            b.user_id == a.user_id,
            b.reason == "action",
            b.handoff_id == a.handoff_id,
        )
    )
    items = (
        select(
            sql.week(a.routed_at).label("k"), sql.seconds(a.routed_at, a.acknowledged_at).label("v")
        )
        .where(*_routed(session, scope, ACKNOWLEDGED_REASONS), ~twice)
        .subquery()
    )
    (by_item,) = spreads(session, items)
    by_handoff = published(session, scope).items_taken
    measures = ("median_hours", "p90_hours")
    return [
        Table(
            "item_time_to_acknowledge",
            "Time to acknowledge an item",
            "week",
            "hours",
            (*measures, "items", "unacknowledged"),
            "From an item (a blocker, a next action, handed-over work) being put in front of "
            "a person by a published handoff to that person's acknowledgment ('I've got it', "
            "on the item or by acknowledging the whole handoff); median and 90th percentile of "
            "the items put out that week, and how many of them are not acknowledged.",
            _hours_rows(scope, by_item, "items", _without_value(by_item, "unacknowledged")),
        ),
        Table(
            "handoff_items_acknowledged",
            "Time until every item of a handoff is taken",
            "week",
            "hours",
            (*measures, "handoffs", "waiting"),
            "From a handoff's publication to the moment every item it put in front of someone "
            "was acknowledged by that person; median and 90th percentile of the handoffs "
            "published that week whose items are all taken, and how many still have one "
            "waiting (a person filter: their handoffs).",
            _hours_rows(scope, by_handoff, "handoffs", _without_value(by_handoff, "waiting")),
        ),
    ]


def blockers_escalated(session: Session, scope: Scope) -> list[Table]:
    """Blockers routed each week, and those escalated to the leads for want of an answer."""
    sql = Sql(session)
    week = sql.week(A.routed_at)
    q = (
        select(week, func.count(), func.count(A.escalated_at))
        .where(*_routed(session, scope, ("blocker",)))
        .group_by(week)
    )
    found: dict[str, dict[str, Any]] = {}
    for w, routed, escalated in session.execute(q):
        share = rounded(100.0 * escalated / routed, 1) if routed else None
        found[str(w)] = {"escalated_pct": share, "routed": int(routed), "escalated": int(escalated)}
    return [
        Table(
            "blockers_escalated",
            "Routed blockers escalated",
            "week",
            "%",
            ("escalated_pct", "routed", "escalated"),
            "Blockers routed that week to the person who can clear them, and those escalated "
            "to the team's leads because that person had not acknowledged them within the "
            "team's escalation hours (their working hours).",
            rows(weeks_in(scope), found, {"escalated_pct": None, "routed": 0, "escalated": 0}),
        )
    ]


def routed_to_resolved(session: Session, scope: Scope) -> list[Table]:
    """Hours from a blocker's first routing to its resolution, by week of resolution."""
    sql = Sql(session)
    L = LedgerItem
    where = [
        A.team == scope.team,
        A.reason.in_(("blocker", "who_can_clear")),
        L.kind == "blocker",
        L.resolved_at >= scope.since,
        L.resolved_at < scope.until,
        A.routed_at <= L.resolved_at,
    ]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(A.user_id.in_(ids))
    per_blocker = (
        select(
            sql.week(L.resolved_at).label("k"),
            sql.seconds(func.min(A.routed_at), L.resolved_at).label("v"),
            func.count(A.escalated_at).label("escalated"),
        )
        .select_from(A)
        .join(L, L.id == A.item_id)
        .where(*where)
        .group_by(A.item_id, L.resolved_at)
        .subquery()
    )
    esc_q = select(
        per_blocker.c.k, func.sum(case((per_blocker.c.escalated > 0, 1), else_=0))
    ).group_by(per_blocker.c.k)
    escalated = {str(k): {"escalated": int(n or 0)} for k, n in session.execute(esc_q)}
    return [
        Table(
            "routed_blocker_resolution",
            "Time from routing to resolution",
            "week",
            "hours",
            ("median_hours", "p90_hours", "resolved", "escalated"),
            "From a blocker first being routed (to who can clear it, or to the leads to find "
            "them) to its resolution; median and 90th percentile of the routed blockers "
            "resolved that week, and how many of them had been escalated.",
            _hours_rows(scope, spreads(session, per_blocker)[0], "resolved", escalated),
        )
    ]


def delivery_failures(session: Session, scope: Scope) -> list[Table]:
    """Notifications queued in the period on each channel, and how many could not be delivered."""

    where = [
        N.team == scope.team,
        N.created_at >= scope.since,
        N.created_at < scope.until,
        N.status != "cancelled",
    ]
    ids = person_ids(session, scope)
    if ids is not None:
        where.append(N.user_id.in_(ids))
    count = {s: func.sum(case((N.status == s, 1), else_=0)) for s in ("delivered", "failed")}
    q = (
        select(
            N.channel,
            func.count(),
            count["delivered"],
            count["failed"],
            func.sum(case((N.attempts > 1, 1), else_=0)),
        )
        .where(*where)
        .group_by(N.channel)
        .order_by(N.channel)
    )
    out = []
    for channel, n, delivered, failed, retried in session.execute(q):
        values: dict[str, Any] = {
            "failed_pct": rounded(100.0 * int(failed or 0) / n, 1) if n else None,
            "notifications": int(n),
            "delivered": int(delivered or 0),
            "failed": int(failed or 0),
            "retried": int(retried or 0),
            "pending": int(n) - int(delivered or 0) - int(failed or 0),
        }
        out.append(Row(str(channel), values))
    return [
        Table(
            "delivery_failures",
            "Notification delivery failures by channel",
            "channel",
            "%",
            ("failed_pct", "notifications", "delivered", "failed", "retried", "pending"),
            "Notifications queued in the period (routings, escalations, reminders, digests, "
            "resolutions; not those withdrawn with their handoff), by channel: delivered, "
            "failed for good (refused, or still failing after every retry), delivered or "
            "failed after more than one attempt, and still pending.",
            out,
        )
    ]
