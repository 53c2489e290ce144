"""Tables of the item ledger: items with a stable identity, and the timeline of what each handoff
said about them. Every row carries its team.

The state on `LedgerItem` is materialized from its events (`handoff.ledger.state.derive`), so
rolling a handoff back is "delete its events, derive again", and the state at any past moment is
"derive from the events up to then".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base

#: Kinds of item. `work` is an in-flight or shipped piece of work; `action` a next action;
#: `return` one person's declared return.
ITEM_KINDS: tuple[str, ...] = ("work", "blocker", "decision", "action", "return")


class LedgerItem(Base):
    __tablename__ = "ledger_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(300))
    refs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    parent_id: Mapped[str | None] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(200))
    needed_from: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    first_at: Mapped[datetime] = mapped_column()
    last_at: Mapped[datetime] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_handoff_id: Mapped[str | None] = mapped_column(String(36))
    resolution_quote: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[str | None] = mapped_column(String(32))
    #: The name's embedding; deferred: matching reads it through `matching.VectorCache`.
    vector: Mapped[list[Any] | None] = mapped_column(JSON, deferred=True)

    __table_args__ = (
        Index("ix_ledger_items_team_kind_state", "team", "kind", "state"),
        Index("ix_ledger_items_team_key", "team", "kind", "key"),
    )


class LedgerEvent(Base):
    """One thing one handoff said (or implied) about one item."""

    __tablename__ = "ledger_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    item_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_items.id", ondelete="CASCADE"), index=True
    )
    handoff_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column()
    author: Mapped[str | None] = mapped_column(String(200))
    #: mentioned | opened | resolved | reopened | decided | superseded | planned | returns |
    #: rerouted (whom a blocker needs changed) | handed_over (the work's owner changed)
    action: Mapped[str] = mapped_column(String(20))
    #: Which declaration field said it, e.g. "blockers[0]"; None for facts read from the text.
    field: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    quote: Mapped[str | None] = mapped_column(Text)
    start_s: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_ledger_events_team_at", "team", "at"),)


class LedgerRef(Base):
    """A ref (`#1842`, `BILL-412`) pointing at an item, for matching by ref in one lookup."""

    __tablename__ = "ledger_refs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(300))
    item_id: Mapped[str] = mapped_column(
        ForeignKey("ledger_items.id", ondelete="CASCADE"), index=True
    )
    handoff_id: Mapped[str] = mapped_column(String(36), index=True)

    __table_args__ = (Index("ix_ledger_refs_team_ref", "team", "ref"),)


class LedgerRevision(Base):
    """Bumped by every change to a team's ledger (`removals` when events went away), first thing
    in the changing transaction: readers compare it to decide whether to read the ledger again,
    and changes to one team's ledger are applied one at a time."""

    __tablename__ = "ledger_revisions"

    team: Mapped[str] = mapped_column(String(100), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    removals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def is_handoff_id(value: str | None) -> bool:
    """Whether a ledger event's `handoff_id` names a handoff. Events people make in the app
    (acknowledge, resolve, re-route) carry "p" and 32 hex digits instead: they cite the item."""
    return bool(value) and not (len(value or "") == 33 and (value or "").startswith("p"))
