"""An item's state is a function of its events. The ledger materializes it after every change;
answers "as of" a past moment derive it from the events up to then."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol


class EventLike(Protocol):
    id: int
    at: datetime
    author: str | None
    action: str
    status: str | None
    text: str
    quote: str | None
    handoff_id: str
    detail: dict[str, Any] | None


@dataclass
class ItemState:
    """What is true of one item after a sequence of events."""

    state: str
    owner: str | None = None
    needed_from: str | None = None
    summary: str | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None
    resolved_at: datetime | None = None
    #: Whom the resolving wrap names as having cleared it ("Priya got it through"); None when
    #: it names nobody. `resolution_reported_by` is that wrap's author.
    resolved_by: str | None = None
    resolved_handoff_id: str | None = None
    resolution_quote: str | None = None
    #: Derived from the events only: not materialized on `LedgerItem` (reads derive it).
    resolution_reported_by: str | None = field(default=None, metadata={"stored": False})
    superseded_by: str | None = None
    #: (at, state) each time the state changed, oldest first: the item's history.
    timeline: list[tuple[datetime, str, str | None]] = field(
        default_factory=list, metadata={"stored": False}
    )


#: Every field of `ItemState`: what a read copies onto its view of an item.
STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ItemState))
#: The fields `LedgerItem` stores too (its columns of the same names): what materializing copies
#: onto the row, and what the incremental path folds new events onto.
STORED_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ItemState) if f.metadata.get("stored", True)
)


#: Events that move an item to another person without saying anything else about it.
MOVES = ("rerouted", "handed_over")
_INITIAL = {"work": "in_progress", "blocker": "open", "decision": "current", "action": "open"}


def derive(
    kind: str, events: Sequence[EventLike], *, start: ItemState | None = None
) -> ItemState | None:
    """The state after `events` (any order); None when there are none (the item did not exist).

    With `start`, the state after earlier events, `events` are folded onto it: the caller
    guarantees they all come after those (the ledger's incremental path).
    """
    if not events:
        return start
    ordered = sorted(events, key=lambda e: (e.at, e.id or 0))
    if start is None:
        st = ItemState(state=_INITIAL.get(kind, "current"))
        st.first_at = ordered[0].at
    else:
        st = replace(start, timeline=list(start.timeline))
    st.last_at = ordered[-1].at
    for ev in ordered:
        detail = ev.detail or {}
        if ev.action in MOVES:
            # Only who changes: whom a blocker needs, who owns the work (handoff.ledger.moves).
            st.needed_from = detail.get("needed_from") or st.needed_from
            st.owner = detail.get("owner") or st.owner
            continue
        before = st.state
        if kind == "work" and ev.status:
            st.state = ev.status
        elif kind in ("blocker", "action"):
            if ev.action == "resolved":
                st.state = "resolved" if kind == "blocker" else "done"
                st.resolved_at, st.resolved_by = ev.at, detail.get("resolved_by")
                st.resolved_handoff_id, st.resolution_quote = ev.handoff_id, ev.quote or ev.text
                st.resolution_reported_by = ev.author
            elif ev.action in ("opened", "mentioned", "reopened", "planned"):
                st.state = "open"
                st.resolved_at = st.resolved_by = st.resolved_handoff_id = None
                st.resolution_quote = st.resolution_reported_by = None
        elif kind == "decision" and ev.action == "superseded":
            st.state = "superseded"
            st.superseded_by = detail.get("by")
        elif kind == "return" and ev.action == "returns":
            st.state = "declared"
        if ev.action not in ("resolved", "superseded"):
            st.summary = ev.text or st.summary
            st.owner = detail.get("owner") or st.owner
            st.needed_from = detail.get("needed_from") or st.needed_from
        if st.state != before or not st.timeline:
            st.timeline.append((ev.at, st.state, ev.handoff_id))
    return st
