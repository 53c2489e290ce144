"""The ledger's stored state: each item's state materialized on its row, and the team's revision
that tells readers it changed.

An item's state is a function of its events (`handoff.ledger.state`); storing it lets reads skip
the events. It is kept up to date incrementally: a handoff's events that come after everything an
item already had are folded onto the item's stored state, so applying one handoff reads no old
events (an author's "back tomorrow" item collects thousands). Anything out of order derives from
all events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from handoff.ledger.models import LedgerEvent, LedgerItem, LedgerRevision
from handoff.ledger.state import STORED_FIELDS, ItemState, derive


def bump(session: Session, team: str, *, removed: bool = False) -> None:
    """Mark the team's ledger changed (see `LedgerRevision`); takes its row lock."""
    values: dict[str, Any] = {"revision": LedgerRevision.revision + 1}
    if removed:
        values["removals"] = LedgerRevision.removals + 1
    done = session.execute(
        update(LedgerRevision).where(LedgerRevision.team == team).values(**values)
    )
    if not getattr(done, "rowcount", 0):
        # The team's first change: two transactions can both find no row, so the insert is an
        # upsert (a plain insert lost that race with a duplicate key under concurrent publishes).
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        row = insert(LedgerRevision).values(team=team, revision=1, removals=int(removed))
        session.execute(row.on_conflict_do_update(index_elements=["team"], set_=values))
        session.flush()


def advance(
    session: Session,
    touched: Iterable[str],
    *,
    added: dict[str, list[LedgerEvent]],
    prior: dict[str, datetime | None],
) -> None:
    """Materialize the items a handoff touched: fold its events (`added`, per item) onto each
    item's stored state when they all come after the item's earlier events (`prior`: its last
    event time before them, None for items the handoff created), else derive from all of them."""
    full: list[str] = []
    for item_id in sorted(touched):
        item = session.get(LedgerItem, item_id)
        events = added.get(item_id, [])
        if item is None or not events:
            full.append(item_id)
            continue
        last = prior.get(item_id)
        if last is None:  # created by this handoff: these are all its events
            st = derive(item.kind, events)
        elif min(e.at for e in events) >= last:
            st = derive(item.kind, events, start=_stored_state(item, last))
        else:
            full.append(item_id)
            continue
        if st is not None:
            _materialize(item, st)
    if full:
        rederive(session, full)
    session.flush()


def rederive(session: Session, item_ids: Iterable[str]) -> None:
    """Derive the items again from all their events; an item left with none is deleted (its
    children lose their parent)."""
    for item_id in sorted(set(item_ids)):
        item = session.get(LedgerItem, item_id)
        if item is None:
            continue
        events = list(session.scalars(select(LedgerEvent).where(LedgerEvent.item_id == item_id)))
        st = derive(item.kind, events)
        if st is None:
            session.execute(
                update(LedgerItem).where(LedgerItem.parent_id == item_id).values(parent_id=None)
            )
            session.delete(item)
            continue
        _materialize(item, st)
    session.flush()


def _stored_state(item: LedgerItem, last_at: datetime) -> ItemState:
    """The state materialized on an item (its events up to `last_at`), to fold new events onto."""
    stored = {name: getattr(item, name) for name in STORED_FIELDS}
    return ItemState(**{**stored, "last_at": last_at})


def _materialize(item: LedgerItem, st: ItemState) -> None:
    for name in STORED_FIELDS:
        value = getattr(st, name)
        if value is None and name in ("first_at", "last_at"):
            continue  # the row's times are never empty: a state without one keeps the row's
        setattr(item, name, value)


def events_not_from_handoffs(session: Session, team: str | None) -> list[dict[str, Any]]:
    """The ledger events whose `handoff_id` names no handoff (made in the app), as plain rows."""
    from handoff.models import HandoffRecord

    q = select(LedgerEvent).where(LedgerEvent.handoff_id.not_in(select(HandoffRecord.id)))
    if team is not None:
        q = q.where(LedgerEvent.team == team)
    columns = [c.key for c in LedgerEvent.__table__.columns if c.key != "id"]
    return [
        {c: getattr(ev, c) for c in columns} for ev in session.scalars(q.order_by(LedgerEvent.id))
    ]


def restore_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Put kept events back on the items that exist again and derive those items anew; an event
    on an item no handoff names any more has nothing left to describe and is dropped."""
    if not rows:
        return
    wanted = {r["item_id"] for r in rows}
    present = set(session.scalars(select(LedgerItem.id).where(LedgerItem.id.in_(wanted))))
    for row in rows:
        if row["item_id"] in present:
            session.add(LedgerEvent(**row))
    session.flush()
    for team in {r["team"] for r in rows if r["item_id"] in present}:
        bump(session, team)
    rederive(session, present)
