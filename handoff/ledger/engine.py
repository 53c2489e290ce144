"""Applying published handoffs to the ledger, rolling them back, and rebuilding.

`Ledger.hook` is registered on the store, so the ledger changes in the same transaction as the
handoff: publishing applies the declaration; editing a published handoff re-applies it;
unpublishing or deleting removes every event the handoff caused (including the blockers it
resolved and the decisions it superseded) and derives the touched items again.

Item ids are derived from the handoff and field that first mentioned the item, so a rebuild from
the system of record in the same order gives the same ids and the same state. How one handoff is
read into events is `handoff.ledger.apply`.

Each item's state is stored on its row (`handoff.ledger.materialize`), brought up to date by the
events a handoff added.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from handoff.declaration import PART_BY_NAME, Declaration
from handoff.ledger.apply import apply_declaration, item_name
from handoff.ledger.matching import Embed, VectorCache
from handoff.ledger.materialize import bump, events_not_from_handoffs, rederive, restore_events
from handoff.ledger.models import LedgerEvent, LedgerItem, LedgerRef, LedgerRevision

if TYPE_CHECKING:
    from handoff.store import Event, Handoff, HandoffStore

LIVE = ("published", "acknowledged")
#: The parts whose items are matched by embedding too (next actions only by their exact key).
_EMBEDDED = tuple(PART_BY_NAME[p] for p in ("in_flight", "shipped", "blockers", "decisions"))


class Ledger:
    """The item ledger of every team. Stateless between calls; the tables hold everything."""

    def __init__(self, *, embed: Embed | None = None) -> None:
        self.embed = embed
        #: Item vectors across handoffs (a cache of the deferred `vector` column).
        self.vectors = VectorCache()

    def warm(self, declarations: Iterable[Declaration | None]) -> None:
        """Embed, in one batch, the names that applying these declarations will ask vectors for.

        Only useful with a caching embedder (ours): applying then finds every vector cached
        instead of running the model once per name.
        """
        if self.embed is None:
            return
        texts = [
            item_name(part, item)
            for decl in declarations
            if decl is not None
            for part in _EMBEDDED
            for item in part.items(decl)
        ]
        texts = [t for t in dict.fromkeys(texts) if t.strip()]
        if texts:
            self.embed(texts)

    # -- the store hook --------------------------------------------------------------------------
    def hook(self, session: Session, event: Event, handoff: Handoff) -> None:
        if event == "published" or (event == "edited" and handoff.status in LIVE):
            self.apply(session, handoff)
        elif event in ("unpublished", "deleted"):
            self.retract(session, handoff)

    # -- order -------------------------------------------------------------------------------------
    def _later(self, session: Session, handoff: Handoff) -> list[Handoff]:
        """The live handoffs already in the ledger that a rebuild applies after `handoff`, in
        rebuild order (recorded_at, nulls first, then id; see `HandoffStore.iter_published`).

        Their matching, resolutions and supersessions depend on what came before them, so a
        change to an earlier handoff replays them: the ledger then equals a rebuild, ids included
        (ids come from the handoff that first named an item). Publishing in order finds none.
        """
        from handoff.models import HandoffRecord
        from handoff.store import _to_view

        q = select(LedgerEvent.handoff_id).where(
            LedgerEvent.team == handoff.team, LedgerEvent.handoff_id != handoff.id
        )
        if handoff.recorded_at is not None:
            q = q.where(LedgerEvent.at >= handoff.recorded_at)
        ids = set(session.scalars(q.distinct()))
        if not ids:
            return []
        mine = (handoff.recorded_at is not None, handoff.recorded_at, handoff.id)
        recs = session.scalars(
            select(HandoffRecord).where(
                HandoffRecord.id.in_(sorted(ids)), HandoffRecord.status.in_(LIVE)
            )
        ).all()
        keyed = [((r.recorded_at is not None, r.recorded_at, r.id), r) for r in recs]
        later = [r for k, r in sorted(keyed, key=_order) if _order((k, r)) > _order((mine, r))]
        return [_to_view(r) for r in later]

    def retract(self, session: Session, handoff: Handoff) -> set[str]:
        """Roll back an unpublished or deleted handoff, replaying the handoffs after it."""
        later = self._later(session, handoff)
        for h in reversed(later):
            self.remove(session, h.id)
        touched = self.remove(session, handoff.id)
        for h in later:
            self.apply(session, h)
        return touched

    # -- rollback ----------------------------------------------------------------------------------
    def remove(self, session: Session, handoff_id: str) -> set[str]:
        """Undo everything `handoff_id` did; returns the ids of the items it touched."""
        touched = set(
            session.scalars(select(LedgerEvent.item_id).where(LedgerEvent.handoff_id == handoff_id))
        )
        if not touched:
            return touched
        team = session.scalar(select(LedgerItem.team).where(LedgerItem.id.in_(touched)).limit(1))
        if team is not None:
            bump(session, team, removed=True)
        session.execute(delete(LedgerEvent).where(LedgerEvent.handoff_id == handoff_id))
        session.execute(delete(LedgerRef).where(LedgerRef.handoff_id == handoff_id))
        session.flush()
        rederive(session, touched)
        return touched

    # -- rebuild ---------------------------------------------------------------------------------
    def rebuild(self, store: HandoffStore, *, team: str | None = None) -> int:
        """Recreate the ledger from the published handoffs, oldest first; returns how many.

        Events no handoff wrote (acknowledgments, resolutions and re-routings made in the app)
        cannot be replayed from a declaration, so they are kept aside and put back onto the
        items the replay recreates (item ids are stable: they come from the handoff that first
        named the item)."""
        with store.session() as session:
            kept = events_not_from_handoffs(session, team)
            for model in (LedgerRef, LedgerEvent, LedgerItem):
                q = delete(model)
                if team is not None:
                    q = q.where(model.team == team)
                session.execute(q)
            bumped = update(LedgerRevision).values(removals=LedgerRevision.removals + 1)
            if team is not None:
                bumped = bumped.where(LedgerRevision.team == team)
            session.execute(bumped)
        count = 0
        batch: list[Handoff] = []
        for handoff in store.iter_published(team=team):
            batch.append(handoff)
            if len(batch) >= 200:
                count += self._apply_batch(store, batch)
                batch = []
        count += self._apply_batch(store, batch)
        with store.session() as session:
            restore_events(session, kept)
        return count

    def _apply_batch(self, store: HandoffStore, batch: list[Handoff]) -> int:
        self.warm(h.declaration for h in batch)
        with store.session() as session:
            for handoff in batch:
                self.apply(session, handoff)
        return len(batch)

    # -- applying ---------------------------------------------------------------------------------
    def apply(self, session: Session, handoff: Handoff) -> dict[str, str]:
        """Apply one published handoff (re-applying replaces its earlier effects).

        Returns which item each declaration field became, e.g. {"blockers[0]": "<item id>"}.
        """
        bump(session, handoff.team)  # first: one change to a team's ledger at a time
        later = self._later(session, handoff)
        for h in reversed(later):
            self.remove(session, h.id)
        self.remove(session, handoff.id)
        fields = {}
        if handoff.status in LIVE:
            fields = apply_declaration(session, handoff, embed=self.embed, vectors=self.vectors)
        for h in later:
            self.apply(session, h)
        return fields


def _order(keyed: tuple[tuple[bool, datetime | None, str], Any]) -> tuple[Any, ...]:
    """Rebuild order of (key, record) pairs: no recorded_at first, then by time, then id."""
    (has_time, at, hid), _ = keyed
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (has_time, at or datetime.min.replace(tzinfo=UTC), hid)
