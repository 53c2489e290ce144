"""What a person does with an item put in front of them: take it ("I've got it", with an optional
one-line read-back), say it is not theirs and whose it is, resolve it with a note, or (a lead)
name who can clear it. Each is a ledger event too, so the item's timeline and the answers about
it show who did what and when; a decision stated in a resolution note becomes a decision item.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.audit import Actor, record
from handoff.errors import ConflictError, InvalidInput, NotFound
from handoff.identity.errors import Forbidden
from handoff.identity.models import UserRecord
from handoff.identity.roles import Role
from handoff.ledger.materialize import bump, rederive
from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.models import HandoffRecord
from handoff.protocol import messages
from handoff.protocol.messages import Links
from handoff.protocol.models import Assignment
from handoff.protocol.outbox import write
from handoff.protocol.people import addresses, person_name, role_of, user_for_name
from handoff.protocol.routing import (
    author_of_event,
    is_handoff_id,
    opening_event,
    protocol_id,
    route_blocker,
    route_owned,
)
from handoff.text import normalize

MAX_READ_BACK = 500
MAX_NOTE = 2000
_DECIDED = re.compile(r"\b(?:decided|decision)\s*[:\-]\s*(?P<what>[^\n;]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Done:
    """What an action did, for the caller's answer."""

    item_id: str
    action: str
    at: datetime
    detail: dict[str, Any]


def load_item(session: Session, item_id: str, team: str | None) -> LedgerItem:
    item = session.get(LedgerItem, item_id)
    if item is None or (team is not None and item.team != team):
        raise NotFound(f"No item with id '{item_id}'.")
    return item


def _open_rows(session: Session, item_id: str, user_id: str | None = None) -> list[Assignment]:
    q = select(Assignment).where(Assignment.item_id == item_id, Assignment.closed_at.is_(None))
    if user_id is not None:
        q = q.where(Assignment.user_id == user_id)
    return list(session.scalars(q.order_by(Assignment.id)))


def _ledger_event(
    session: Session,
    item: LedgerItem,
    action: str,
    *,
    pid: str,
    at: datetime,
    author: str,
    text: str,
    quote: str | None = None,
    **detail: Any,
) -> LedgerEvent:
    """One protocol event on the item, the item derived again, the team's ledger bumped."""
    bump(session, item.team)
    ev = LedgerEvent(
        team=item.team,
        item_id=item.id,
        handoff_id=pid,
        at=at,
        author=author,
        action=action,
        field=None,
        status=None,
        text=text,
        quote=quote,
        start_s=None,
        detail={k: v for k, v in detail.items() if v is not None} or None,
    )
    session.add(ev)
    session.flush()
    rederive(session, {item.id})
    return ev


def latest_event_id(session: Session, item_id: str) -> int:
    return int(
        session.scalar(select(func.max(LedgerEvent.id)).where(LedgerEvent.item_id == item_id)) or 0
    )


def _one_line(value: str | None, limit: int, what: str) -> str | None:
    text = (value or "").strip()
    if "\n" in text or len(text) > limit:
        raise InvalidInput(f"The {what} is one line of at most {limit} characters.")
    return text or None


def acknowledge(
    session: Session,
    item_id: str,
    *,
    team: str | None,
    user: UserRecord,
    actor: Actor,
    now: datetime,
    read_back: str | None = None,
) -> Done:
    """ "I've got it": the item's ownership moves to `user` in the ledger, with when, and the
    read-back (what they understood) is kept for the author to see."""
    item = load_item(session, item_id, team)
    line = _one_line(read_back, MAX_READ_BACK, "read-back")
    name = person_name(session, item.team, user)
    rows = _open_rows(session, item.id, user.id)
    if not rows:  # an in-flight item nobody routed to them: they take it anyway
        rows = [_taken(session, item, user, now)]
    said = f"{name} acknowledged: {line}" if line else f"{name} acknowledged it"
    _ledger_event(
        session,
        item,
        "handed_over",
        pid=protocol_id(),
        at=now,
        author=name,
        text=said,
        quote=line,
        owner=name,
        acknowledged=True,
        read_back=line,
    )
    seen = latest_event_id(session, item.id)
    first = min((r.acknowledged_at for r in rows if r.acknowledged_at), default=None)
    for row in rows:
        row.acknowledged_at = row.acknowledged_at or now
        row.read_back = line or row.read_back
        row.seen_event_id = seen
    detail = {"item": item.name, "read_back": line}
    record(
        session,
        actor,
        "item.acknowledge",
        team=item.team,
        resource=("item", item.id),
        detail=detail,
    )
    waited = (now - rows[0].routed_at).total_seconds() if first is None else None
    return Done(
        item.id,
        "acknowledged",
        now,
        {"owner": name, "read_back": line, "seconds_to_acknowledge": waited},
    )


def _taken(session: Session, item: LedgerItem, user: UserRecord, now: datetime) -> Assignment:
    row = session.scalar(
        select(Assignment).where(
            Assignment.item_id == item.id,
            Assignment.user_id == user.id,
            Assignment.reason == "taken",
        )
    )
    source = session.scalar(
        select(LedgerEvent.handoff_id)
        .where(LedgerEvent.item_id == item.id)
        .order_by(LedgerEvent.at.desc(), LedgerEvent.id.desc())
    )
    if row is None:
        # put out when its handoff was published, so time-to-acknowledge counts from there
        put_out = _published_moment(session, source, now) if is_handoff_id(source) else now
        row = Assignment(
            team=item.team, item_id=item.id, user_id=user.id, reason="taken", routed_at=put_out
        )
        session.add(row)
    row.closed_at = None
    row.handoff_id = source if is_handoff_id(source) else row.handoff_id
    session.flush()
    return row


def _published_moment(session: Session, handoff_id: str | None, now: datetime) -> datetime:
    """When the handoff went out: its routing's moment (the publish's transaction), else its
    publishing time."""
    first = session.scalar(
        select(func.min(Assignment.routed_at)).where(Assignment.handoff_id == handoff_id)
    )
    if first is not None:
        return first
    rec = session.get(HandoffRecord, handoff_id) if handoff_id else None
    return rec.published_at if rec is not None and rec.published_at else now


def not_mine(
    session: Session,
    item_id: str,
    *,
    team: str | None,
    user: UserRecord,
    belongs_to: str,
    actor: Actor,
    links: Links,
    now: datetime,
) -> Done:
    """ "Not mine": the caller's routing closes and the item goes to whom they name (through the
    same routing as a lead's reassignment; the leads are asked when the name is nobody known)."""
    item = load_item(session, item_id, team)
    to = _one_line(belongs_to, 200, "name of whom it belongs to")
    if not to:
        raise InvalidInput("Say whom it belongs to.")
    rows = _open_rows(session, item.id, user.id)
    if not rows:
        raise ConflictError("This item is not routed to you.")
    for row in rows:
        row.not_mine_at, row.not_mine_to, row.closed_at = now, to, now
    done = _move(session, item, to, by=person_name(session, item.team, user), links=links, now=now)
    detail = {"item": item.name, "belongs_to": to}
    record(
        session, actor, "item.not_mine", team=item.team, resource=("item", item.id), detail=detail
    )
    return Done(item.id, "not_mine", now, done)


def reassign(
    session: Session,
    item_id: str,
    *,
    team: str | None,
    user: UserRecord,
    to: str,
    actor: Actor,
    links: Links,
    now: datetime,
) -> Done:
    """A lead names who can clear a blocker (or who owns an item); it is routed again."""
    item = load_item(session, item_id, team)
    name = _one_line(to, 200, "name")
    if not name:
        raise InvalidInput("Name the person it goes to.")
    done = _move(
        session, item, name, by=person_name(session, item.team, user), links=links, now=now
    )
    detail = {"item": item.name, "to": name}
    record(
        session, actor, "item.reassign", team=item.team, resource=("item", item.id), detail=detail
    )
    return Done(item.id, "reassigned", now, done)


def _move(
    session: Session, item: LedgerItem, to: str, *, by: str, links: Links, now: datetime
) -> dict[str, Any]:
    pid = protocol_id()
    if item.kind == "blocker":
        _ledger_event(
            session,
            item,
            "rerouted",
            pid=pid,
            at=now,
            author=by,
            text=f"{by}: {to} can clear this",
            needed_from=to,
        )
        route_blocker(session, item, pid, links, now=now)
    else:
        _ledger_event(
            session,
            item,
            "handed_over",
            pid=pid,
            at=now,
            author=by,
            text=f"{by}: this is {to}'s",
            owner=to,
        )
        for row in _open_rows(session, item.id):
            row.closed_at = now
        route_owned(session, item, pid, "handover", links, now, None)
    target = user_for_name(session, item.team, to)
    return {"to": to, "user_id": target.id if target else None, "asked_leads": target is None}


def resolve(
    session: Session,
    item_id: str,
    *,
    team: str | None,
    user: UserRecord,
    note: str,
    actor: Actor,
    links: Links,
    now: datetime,
) -> Done:
    """Resolve a blocker (or finish a next action) with a note: by the person it was routed to,
    whom it names, or a lead. The ledger records who, when and the note; whoever raised it is
    notified; "decided: 12 hours" in the note becomes a decision of the item."""
    item = load_item(session, item_id, team)
    if item.kind not in ("blocker", "action"):
        raise InvalidInput("Only blockers and next actions are resolved; acknowledge other items.")
    if item.state != "open":
        raise ConflictError(f"This {item.kind} is already {item.state}.")
    text = (note or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(f"Say how it was resolved, in at most {MAX_NOTE} characters.")
    _may_resolve(session, item, user)
    name = person_name(session, item.team, user)
    opened = opening_event(session, item.id)
    pid = protocol_id()
    _ledger_event(
        session,
        item,
        "resolved",
        pid=pid,
        at=now,
        author=name,
        text=text,
        quote=text,
        resolved_by=name,
        note=text,
    )
    for row in _open_rows(session, item.id):
        row.closed_at = now
        if row.user_id == user.id:
            row.resolution_note = text
    decision = _decision(session, item, text, pid=pid, by=name, at=now)
    raiser = author_of_event(session, opened) if opened else None
    if raiser is not None and raiser.id != user.id:
        write(
            session,
            team=item.team,
            event=f"resolved:{item.id}:{pid}",
            recipient=raiser.id,
            user_id=raiser.id,
            to=addresses(session, raiser),
            note=messages.resolved(item, name, text, links),
            handoff_id=opened.handoff_id if opened else None,
            item_id=item.id,
            now=now,
        )
    detail = {"item": item.name, "note": text, "decision_id": decision}
    record(
        session, actor, "item.resolve", team=item.team, resource=("item", item.id), detail=detail
    )
    return Done(
        item.id,
        "resolved",
        now,
        {
            "resolved_by": name,
            "note": text,
            "decision_id": decision,
            "notified": raiser.id if raiser and raiser.id != user.id else None,
        },
    )


def _may_resolve(session: Session, item: LedgerItem, user: UserRecord) -> None:
    if _open_rows(session, item.id, user.id):
        return
    named = item.needed_from if item.kind == "blocker" else item.owner
    resolver = user_for_name(session, item.team, named)
    if resolver is not None and resolver.id == user.id:
        return
    role = role_of(session, item.team, user.id)
    if role is not None and role >= Role.LEAD:
        return
    raise Forbidden("Only the person it was routed to, or a lead, can resolve it.")


def decision_in(note: str) -> str | None:
    """The decision a note states ("Sarah decided: 12 hours" -> "12 hours"), if any."""
    found = _DECIDED.search(note)
    return found.group("what").strip().rstrip(".") or None if found else None


def _decision(
    session: Session, item: LedgerItem, note: str, *, pid: str, by: str, at: datetime
) -> str | None:
    what = decision_in(note)
    if not what:
        return None
    name = f"{item.name}: {what}"
    item_id = hashlib.sha1(f"{item.team}|decision|{pid}|resolution".encode()).hexdigest()[:32]
    decision = LedgerItem(
        id=item_id,
        team=item.team,
        kind="decision",
        name=name[:2000],
        key=normalize(name),
        refs=[],
        parent_id=item.parent_id or item.id,
        state="current",
        first_at=at,
        last_at=at,
        vector=None,
    )
    session.add(decision)
    session.flush()
    _ledger_event(
        session,
        decision,
        "decided",
        pid=pid,
        at=at,
        author=by,
        text=name,
        quote=note,
        resolves=item.id,
    )
    return decision.id
