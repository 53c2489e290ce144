"""What needs a person now, and what came of a handoff.

A person's inbox: blockers routed to them, items to acknowledge (next actions they own, work
handed to them), the leads' "who can clear this?" questions, items they acknowledged that a later
handoff moved ("changed since you acknowledged"), and their in-app notifications. A handoff's
side: who acknowledged each of its items, when, and what they read back, and how long after
publishing that was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.identity.models import UserRecord
from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.models import HandoffRecord
from handoff.protocol.models import Assignment, OutboxRow
from handoff.protocol.routing import is_handoff_id

RECENT_NOTIFICATIONS = 20


def _item_json(item: LedgerItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "team": item.team,
        "kind": item.kind,
        "name": item.name,
        "state": item.state,
        "summary": item.summary,
        "needed_from": item.needed_from,
        "owner": item.owner,
        "since": item.first_at.isoformat(),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def changed_since(session: Session, row: Assignment) -> list[dict[str, Any]]:
    """What handoffs said about the item after the person acknowledged it."""
    if row.acknowledged_at is None or row.seen_event_id is None:
        return []
    evs = session.scalars(
        select(LedgerEvent)
        .where(LedgerEvent.item_id == row.item_id, LedgerEvent.id > row.seen_event_id)
        .order_by(LedgerEvent.id)
    )
    return [
        {"handoff_id": e.handoff_id, "at": e.at.isoformat(), "author": e.author, "text": e.text}
        for e in evs
        if is_handoff_id(e.handoff_id)
    ]


def entry(session: Session, row: Assignment, item: LedgerItem) -> dict[str, Any]:
    return {
        "assignment_id": row.id,
        "reason": row.reason,
        "item": _item_json(item),
        "handoff_id": row.handoff_id,
        "routed_at": row.routed_at.isoformat(),
        "acknowledged_at": _iso(row.acknowledged_at),
        "read_back": row.read_back,
        "escalated_at": _iso(row.escalated_at),
        "changed_since_acknowledged": changed_since(session, row),
    }


def inbox(session: Session, user: UserRecord, *, teams: list[str] | None = None) -> dict[str, Any]:
    """The person's inbox across their teams (or `teams`); `count` is what the header shows."""
    q = select(Assignment, LedgerItem).join(LedgerItem, LedgerItem.id == Assignment.item_id)
    q = q.where(Assignment.user_id == user.id, Assignment.closed_at.is_(None))
    if teams is not None:
        q = q.where(Assignment.team.in_(teams))
    out: dict[str, list[dict[str, Any]]] = {
        "blockers": [],
        "to_acknowledge": [],
        "who_can_clear": [],
        "changed": [],
    }
    for row, item in session.execute(q.order_by(Assignment.routed_at, Assignment.id)):
        if item.state in ("resolved", "done", "superseded") and row.reason != "taken":
            continue
        e = entry(session, row, item)
        if e["changed_since_acknowledged"]:
            out["changed"].append(e)
        if row.reason == "blocker":
            out["blockers"].append(e)
        elif row.reason == "who_can_clear":
            out["who_can_clear"].append(e)
        elif row.acknowledged_at is None:
            out["to_acknowledge"].append(e)
    count = (
        len(out["blockers"])
        + len(out["who_can_clear"])
        + len(out["to_acknowledge"])
        + len(out["changed"])
    )
    return {**out, "count": count, "notifications": notifications(session, user.id, teams)}


def notifications(session: Session, user_id: str, teams: list[str] | None) -> list[dict[str, Any]]:
    q = select(OutboxRow).where(
        OutboxRow.user_id == user_id,
        OutboxRow.channel == "inapp",
        OutboxRow.status == "delivered",
    )
    if teams is not None:
        q = q.where(OutboxRow.team.in_(teams))
    rows = session.scalars(q.order_by(OutboxRow.id.desc()).limit(RECENT_NOTIFICATIONS))
    return [
        {
            "id": r.id,
            "team": r.team,
            "kind": r.kind,
            "subject": r.message.get("subject"),
            "text": r.message.get("text"),
            "link": r.message.get("link"),
            "item_id": r.item_id,
            "at": _iso(r.delivered_at),
        }
        for r in rows
    ]


def acknowledgments(session: Session, handoff_id: str) -> dict[str, Any]:
    """Who took each item of the handoff, when, and their read-back; time to acknowledge per
    item (publish, when it was routed, -> first acknowledgment) and for the handoff (its first
    item's, or the whole-handoff acknowledgment, whichever came first)."""
    rec = session.get(HandoffRecord, handoff_id)
    published = rec.published_at if rec is not None else None
    item_ids = set(
        session.scalars(select(LedgerEvent.item_id).where(LedgerEvent.handoff_id == handoff_id))
    )
    rows = session.execute(
        select(Assignment, UserRecord)
        .join(UserRecord, UserRecord.id == Assignment.user_id)
        .where(Assignment.item_id.in_(item_ids), Assignment.acknowledged_at.is_not(None))
        .order_by(Assignment.acknowledged_at)
    ).all()
    items: dict[str, dict[str, Any]] = {}
    for row, user in rows:
        assert row.acknowledged_at is not None
        # routed when published (the same transaction), and on the same clock as the ack
        seconds = (row.acknowledged_at - row.routed_at).total_seconds()
        mine = items.setdefault(
            row.item_id,
            {"item_id": row.item_id, "acknowledgments": [], "seconds_to_acknowledge": seconds},
        )
        mine["acknowledgments"].append(
            {
                "user_id": user.id,
                "name": user.display_name,
                "at": row.acknowledged_at.isoformat(),
                "read_back": row.read_back,
            }
        )
    firsts = [
        v["seconds_to_acknowledge"]
        for v in items.values()
        if v["seconds_to_acknowledge"] is not None
    ]
    if rec is not None and rec.acknowledged_at and published:
        firsts.append((rec.acknowledged_at - published).total_seconds())
    return {
        "handoff_id": handoff_id,
        "published_at": _iso(published),
        "items": list(items.values()),
        "seconds_to_acknowledge": min(firsts) if firsts else None,
    }
