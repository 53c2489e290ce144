"""Reading the ledger: items with their state now or as of a past moment, and their timelines.

`Snapshot` keeps one team's current items in memory for answering: a question reads a few hundred
items with their events, and reading them from the database each time dominated an answer.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handoff.errors import NotFound
from handoff.ledger.models import LedgerEvent, LedgerItem, LedgerRevision
from handoff.ledger.state import STATE_FIELDS, ItemState, derive


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


@dataclass(frozen=True, slots=True)
class EventView:
    handoff_id: str
    at: datetime
    author: str | None
    action: str
    field: str | None
    status: str | None
    text: str
    quote: str | None
    start_s: float | None
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "handoff_id": self.handoff_id,
            "at": _iso(self.at),
            "author": self.author,
            "action": self.action,
            "field": self.field,
            "status": self.status,
            "text": self.text,
            "quote": self.quote,
            "start_s": self.start_s,
        }
        if self.action == "resolved":  # whom the wrap names as having cleared it (None: nobody)
            out["resolved_by"] = self.detail.get("resolved_by")
        return out


@dataclass(slots=True)
class ItemView:
    """One item as it stood at a moment (now, or `as_of`), with the events up to then."""

    id: str
    team: str
    kind: str
    name: str
    state: str
    refs: list[str]
    parent_id: str | None
    owner: str | None
    needed_from: str | None
    summary: str | None
    first_at: datetime
    last_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolved_handoff_id: str | None = None
    resolution_quote: str | None = None
    resolution_reported_by: str | None = None
    superseded_by: str | None = None
    events: list[EventView] = field(default_factory=list)
    timeline: list[tuple[datetime, str, str | None]] = field(default_factory=list)

    def to_json(self, *, with_events: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "team": self.team,
            "kind": self.kind,
            "name": self.name,
            "state": self.state,
            "refs": self.refs,
            "parent_id": self.parent_id,
            "owner": self.owner,
            "needed_from": self.needed_from,
            "summary": self.summary,
            "first_at": _iso(self.first_at),
            "last_at": _iso(self.last_at),
            "resolved_at": _iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "resolved_handoff_id": self.resolved_handoff_id,
            "resolution_quote": self.resolution_quote,
            "resolution_reported_by": self.resolution_reported_by,
            "superseded_by": self.superseded_by,
        }
        if with_events:
            out["timeline"] = [
                {"at": _iso(at), "state": state, "handoff_id": hid}
                for at, state, hid in self.timeline
            ]
            out["events"] = [e.to_json() for e in self.events]
        return out


def _event_view(e: LedgerEvent) -> EventView:
    return EventView(
        handoff_id=e.handoff_id,
        at=e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC),
        author=e.author,
        action=e.action,
        field=e.field,
        status=e.status,
        text=e.text,
        quote=e.quote,
        start_s=e.start_s,
        detail=dict(e.detail or {}),
    )


def _events_by_item(
    session: Session, ids: Sequence[str], as_of: datetime | None
) -> dict[str, list[LedgerEvent]]:
    out: dict[str, list[LedgerEvent]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        q = select(LedgerEvent).where(LedgerEvent.item_id.in_(tuple(ids[start : start + 500])))
        if as_of is not None:
            q = q.where(LedgerEvent.at <= as_of)
        for e in session.scalars(q.order_by(LedgerEvent.at, LedgerEvent.id)):
            out[e.item_id].append(e)
    return out


def read_items(
    session: Session,
    team: str,
    *,
    kinds: Sequence[str] | None = None,
    states: Sequence[str] | None = None,
    ids: Sequence[str] | None = None,
    as_of: datetime | None = None,
    limit: int | None = None,
) -> list[ItemView]:
    """Items of a team, newest activity first. With `as_of`, state is derived from the events up to
    that moment, and items first seen later do not exist yet."""
    q = select(LedgerItem).where(LedgerItem.team == team)
    if kinds:
        q = q.where(LedgerItem.kind.in_(tuple(kinds)))
    if ids is not None:
        if not ids:
            return []
        q = q.where(LedgerItem.id.in_(tuple(ids)))
    if as_of is not None:
        q = q.where(LedgerItem.first_at <= as_of)
    elif states:
        q = q.where(LedgerItem.state.in_(tuple(states)))
    q = q.order_by(LedgerItem.last_at.desc(), LedgerItem.id)
    if limit is not None and as_of is None:
        q = q.limit(limit)
    rows = list(session.scalars(q))
    events = _events_by_item(session, [r.id for r in rows], as_of)
    out: list[ItemView] = []
    for row in rows:
        evs = events.get(row.id, [])
        st = derive(row.kind, evs)
        if st is None:
            continue
        if as_of is not None and states and st.state not in states:
            continue
        out.append(_item_view(row, st, evs))
    if as_of is not None:
        out.sort(key=lambda it: (it.last_at, it.id), reverse=True)
        if limit is not None:
            out = out[:limit]
    return out


def _item_view(row: LedgerItem, st: ItemState, events: list[LedgerEvent]) -> ItemView:
    """The row's identity with the state its events give (times the events lack: the row's)."""
    state = {name: getattr(st, name) for name in STATE_FIELDS}
    state["first_at"] = st.first_at or row.first_at
    state["last_at"] = st.last_at or row.last_at
    return ItemView(
        id=row.id,
        team=row.team,
        kind=row.kind,
        name=row.name,
        refs=list(row.refs or []),
        parent_id=row.parent_id,
        events=[_event_view(e) for e in events],
        **state,
    )


def read_item(
    session: Session, item_id: str, *, team: str | None = None, as_of: datetime | None = None
) -> ItemView:
    row = session.get(LedgerItem, item_id)
    if row is None or (team is not None and row.team != team):
        where = f" in team '{team}'" if team else ""
        raise NotFound(f"No ledger item with id '{item_id}'{where}.")
    found = read_items(session, row.team, ids=[item_id], as_of=as_of)
    if not found:
        raise NotFound(f"Ledger item '{item_id}' did not exist yet at {_iso(as_of)}.")
    return found[0]


def fields_of(session: Session, handoff_id: str) -> dict[str, str]:
    """Which ledger item each field of a handoff became ({"blockers[0]": item id, ...})."""
    q = select(LedgerEvent.field, LedgerEvent.item_id).where(
        LedgerEvent.handoff_id == handoff_id, LedgerEvent.field.is_not(None)
    )
    return {str(f): str(i) for f, i in session.execute(q)}


class Snapshot:
    """One team's ledger as it stands now, in memory, for answering questions.

    `items()` gives what `read_items` gives without `as_of`. Before a read, `refresh()` looks up
    the team's `LedgerRevision` (one row): unchanged, nothing is read; changed by publishing
    only, just the items that got new events are read again; after anything went away
    (unpublish, delete, edit, rebuild), everything is. Other processes' writes are seen the same
    way, so a worker publishing next to the web server needs nothing more.
    """

    def __init__(self, team: str) -> None:
        self.team = team
        self._version: tuple[int, int] | None = None
        self._newest = 0  # the newest event id read
        self._items: dict[str, ItemView] = {}
        self._order: list[ItemView] = []
        self._rank: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> tuple[int, int] | None:
        """(revision, removals) as last read: changes whenever the team's ledger does."""
        return self._version

    def refresh(self, session: Session) -> None:
        with self._lock:
            row = session.get(LedgerRevision, self.team, populate_existing=True)
            version = (row.revision, row.removals) if row is not None else (0, 0)
            if version == self._version:
                return
            newest = int(session.scalar(select(func.max(LedgerEvent.id))) or 0)
            if self._version is None or version[1] != self._version[1]:
                self._items = {it.id: it for it in read_items(session, self.team)}
            else:
                touched = sorted(
                    set(
                        session.scalars(
                            select(LedgerEvent.item_id).where(
                                LedgerEvent.id > self._newest, LedgerEvent.team == self.team
                            )
                        )
                    )
                )
                for start in range(0, len(touched), 500):
                    for it in read_items(session, self.team, ids=touched[start : start + 500]):
                        self._items[it.id] = it
            # read_items' order: newest activity first, then id.
            order = sorted(self._items.values(), key=lambda it: it.id)
            order.sort(key=lambda it: it.last_at, reverse=True)
            self._order = order
            self._rank = {it.id: n for n, it in enumerate(order)}
            self._version, self._newest = version, newest

    def items(
        self,
        session: Session,
        *,
        kinds: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        limit: int | None = None,
        refresh: bool = True,
    ) -> list[ItemView]:
        """As `read_items(session, team, ...)` without `as_of` (the views are shared: read only).
        `refresh=False` when the caller refreshed already for this question."""
        if refresh or self._version is None:
            self.refresh(session)
        if ids is not None:
            if not ids:
                return []
            # By id, in read order: composers ask for a few ids many times per question.
            found = [self._items[i] for i in set(ids) if i in self._items]
            pool = sorted(found, key=lambda it: self._rank[it.id])
        else:
            pool = self._order
        out: list[ItemView] = []
        for it in pool:
            if (kinds and it.kind not in kinds) or (states and it.state not in states):
                continue
            out.append(it)
            if limit is not None and len(out) >= limit:
                break
        return out
