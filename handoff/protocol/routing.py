"""On publish: each open blocker to the person who can clear it, next actions to their owners,
handed-over work to its new owner; a blocker whose resolver is nobody we know to the team's leads
with "who can clear this?". Runs as a store hook after the ledger's, so it reads the items this
handoff touched, and writes assignments and outbox rows in the publish's own transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handoff.identity.models import UserRecord
from handoff.ledger.models import LedgerEvent, LedgerItem, is_handoff_id
from handoff.models import HandoffRecord, utcnow
from handoff.protocol import messages
from handoff.protocol.hours import days_between
from handoff.protocol.messages import Links
from handoff.protocol.models import Assignment, OutboxRow
from handoff.protocol.outbox import Note, write
from handoff.protocol.people import (
    add_days_off,
    addresses,
    leads,
    profile,
    schedule,
    user_for_name,
)
from handoff.store import Event, Handoff

OPENING = ("opened", "mentioned", "reopened", "planned")


def protocol_id() -> str:
    """The `handoff_id` of ledger events the protocol writes (an acknowledgment, a resolution):
    `p` and 32 hex digits, never a handoff's (those are UUIDs with dashes)."""
    return "p" + uuid.uuid4().hex


class RoutingHook:
    """The store hook (register it after the ledger's): routes what a publish made open."""

    def __init__(self, links: Links, *, clock: Callable[[], datetime] | None = None) -> None:
        self.links = links
        self._clock = clock

    def clock(self) -> datetime:
        """The hook's time (a test's frozen clock), else now (read at each call)."""
        return self._clock() if self._clock is not None else utcnow()

    def __call__(self, session: Session, event: Event, handoff: Handoff) -> None:
        live = handoff.status in ("published", "acknowledged")
        if event == "published" or (event == "edited" and live):
            # an edit may add a blocker; what was routed already is not routed again
            route(session, handoff, self.links, now=self.clock())
            mark_days_away(session, handoff)
        elif event == "unpublished":
            withdraw(session, handoff.id, now=self.clock())
        elif event == "deleted":
            forget(session, handoff.id)


def forget(session: Session, handoff_id: str) -> None:
    """A handoff deleted (by a person or a retention rule): deleting means its data is gone, so
    its notifications (which quote it) and its routings go with it, sent or not."""
    session.execute(delete(OutboxRow).where(OutboxRow.handoff_id == handoff_id))
    session.execute(delete(Assignment).where(Assignment.handoff_id == handoff_id))


def withdraw(session: Session, handoff_id: str, *, now: datetime) -> int:
    """A handoff taken back: what it routed is closed, and its notifications not yet sent are
    cancelled (sent ones stay sent). Returns how many notifications were cancelled."""
    for row in session.scalars(
        select(Assignment).where(
            Assignment.handoff_id == handoff_id, Assignment.closed_at.is_(None)
        )
    ):
        row.closed_at = now
    pending = session.scalars(
        select(OutboxRow).where(OutboxRow.handoff_id == handoff_id, OutboxRow.status == "pending")
    ).all()
    for out in pending:
        out.status, out.last_error = "cancelled", "the handoff was taken back"
    return len(pending)


def route(session: Session, handoff: Handoff, links: Links, *, now: datetime) -> int:
    """Route what this handoff touched; returns how many assignments were made (or renewed)."""
    events = session.scalars(
        select(LedgerEvent).where(LedgerEvent.handoff_id == handoff.id).order_by(LedgerEvent.id)
    ).all()
    by_item: dict[str, list[LedgerEvent]] = defaultdict(list)
    for ev in events:
        by_item[ev.item_id].append(ev)
    author = author_of(session, handoff)
    made = 0
    for item_id, evs in by_item.items():
        item = session.get(LedgerItem, item_id)
        if item is None:
            continue
        if item.kind == "blocker" and item.state == "open":
            made += route_blocker(session, item, handoff.id, links, now=now, author=author)
        elif item.kind == "action" and item.state == "open" and item.owner:
            made += route_owned(session, item, handoff.id, "action", links, now, author)
        handed = any(e.action == "handed_over" for e in evs)
        if handed and item.owner and item.state not in ("done", "resolved", "superseded"):
            made += route_owned(session, item, handoff.id, "handover", links, now, author)
    return made


def author_of(session: Session, handoff: Handoff) -> UserRecord | None:
    rec = session.get(HandoffRecord, handoff.id)
    if rec is not None and rec.author_user_id:
        user = session.get(UserRecord, rec.author_user_id)
        if user is not None:
            return user
    return user_for_name(session, handoff.team, handoff.author)


def author_of_event(session: Session, ev: LedgerEvent) -> UserRecord | None:
    """The account that said it: the handoff's signed-in author, else the wrap's named author."""
    rec = session.get(HandoffRecord, ev.handoff_id) if is_handoff_id(ev.handoff_id) else None
    if rec is not None and rec.author_user_id:
        user = session.get(UserRecord, rec.author_user_id)
        if user is not None:
            return user
    return user_for_name(session, ev.team, ev.author)


def opening_event(session: Session, item_id: str) -> LedgerEvent | None:
    """The event that raised the item (its quote and moment in the clip), else its first."""
    evs = session.scalars(
        select(LedgerEvent)
        .where(LedgerEvent.item_id == item_id)
        .order_by(LedgerEvent.at, LedgerEvent.id)
    ).all()
    return next((e for e in evs if e.action in OPENING), evs[0] if evs else None)


def route_blocker(
    session: Session,
    item: LedgerItem,
    source: str,
    links: Links,
    *,
    now: datetime,
    author: UserRecord | None = None,
) -> int:
    """To whom `needed_from` names, else to every lead; earlier routings to others close."""
    resolver = user_for_name(session, item.team, item.needed_from)
    opened = opening_event(session, item.id)
    parent = session.get(LedgerItem, item.parent_id) if item.parent_id else None
    if resolver is not None:
        _close_others(session, item, keep=resolver.id, now=now)
        if author is not None and resolver.id == author.id:
            return 0  # they said they would clear it themselves
        tz = profile(session, resolver.id).timezone
        note = messages.blocker_routed(item, opened, parent, links, resolver.id, tz=tz)
        return _assign(session, item, resolver, "blocker", source, note, now)
    made = 0
    for lead in leads(session, item.team):
        tz = profile(session, lead.id).timezone
        note = messages.who_can_clear(item, opened, parent, links, lead.id, tz=tz)
        made += _assign(session, item, lead, "who_can_clear", source, note, now)
    return made


def route_owned(
    session: Session,
    item: LedgerItem,
    source: str,
    reason: str,
    links: Links,
    now: datetime,
    author: UserRecord | None,
) -> int:
    owner = user_for_name(session, item.team, item.owner)
    if owner is None or (author is not None and owner.id == author.id):
        return 0
    ev = opening_event(session, item.id)
    kind = "action_assigned" if reason == "action" else "handed_over"
    tz = profile(session, owner.id).timezone
    note = messages.owned(item, ev, links, owner.id, kind=kind, tz=tz)
    return _assign(session, item, owner, reason, source, note, now)


def _close_others(session: Session, item: LedgerItem, *, keep: str | None, now: datetime) -> None:
    """A blocker re-routed: the routings to anyone else (and the leads' question) are done."""
    for a in session.scalars(
        select(Assignment).where(
            Assignment.item_id == item.id,
            Assignment.reason.in_(("blocker", "who_can_clear")),
            Assignment.closed_at.is_(None),
        )
    ):
        if a.user_id != keep:
            a.closed_at = now


def _assign(
    session: Session,
    item: LedgerItem,
    user: UserRecord,
    reason: str,
    source: str,
    note: Note,
    now: datetime,
) -> int:
    """Put the item in front of `user` and queue the notification; 0 when it already is."""
    row = session.scalar(
        select(Assignment).where(
            Assignment.item_id == item.id,
            Assignment.user_id == user.id,
            Assignment.reason == reason,
        )
    )
    if row is not None and row.closed_at is None:
        return 0
    if row is None:
        row = Assignment(team=item.team, item_id=item.id, user_id=user.id, reason=reason)
        session.add(row)
    if is_handoff_id(source):
        row.handoff_id = source
    row.routed_at = now
    row.closed_at = row.acknowledged_at = row.not_mine_at = row.escalated_at = None
    row.read_back = row.not_mine_to = row.resolution_note = None
    session.flush()
    write(
        session,
        team=item.team,
        event=f"{reason}:{item.id}:{source}",
        recipient=user.id,
        user_id=user.id,
        to=addresses(session, user),
        note=note,
        handoff_id=row.handoff_id,
        item_id=item.id,
        now=now,
    )
    return 1


def mark_days_away(session: Session, handoff: Handoff) -> list[str]:
    """ "Back Monday" in a Thursday wrap: Friday to Sunday become the author's days off, so no
    reminder or digest reaches them while they are away. Returns the days marked."""
    decl = handoff.declaration
    back_at = decl.returns_at_iso if decl is not None else None
    author = author_of(session, handoff)
    if back_at is None or back_at.tzinfo is None or author is None:
        return []
    sched = schedule(profile(session, author.id))
    said_at = handoff.recorded_at or utcnow()
    back = back_at.astimezone(sched.tz).date()
    days = days_between(sched.local_day(said_at), back)
    if days:
        add_days_off(session, author.id, days)
    return days
