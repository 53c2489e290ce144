"""Applying published handoffs to the ledger, rolling them back, and rebuilding.

`Ledger.hook` is registered on the store, so the ledger changes in the same transaction as the
handoff: publishing applies the declaration; editing a published handoff re-applies it;
unpublishing or deleting removes every event the handoff caused (including the blockers it
resolved and the decisions it superseded) and derives the touched items again.

Item ids are derived from the handoff and field that first mentioned the item, so a rebuild from
the system of record in the same order gives the same ids and the same state.

Each item's state is stored on its row (`handoff.ledger.materialize`), brought up to date by the
events a handoff added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from handoff.declaration import PART_BY_NAME, PARTS, Declaration, Evidence, Part, PartItem
from handoff.ledger.cues import (
    acted,
    continues_blocker,
    rerouted_to,
    resolver,
    says_resolved,
    shipped_name,
)
from handoff.ledger.decisions import closest, restates, same_subject, stated
from handoff.ledger.matching import Embed, Matcher, Named, VectorCache, contained_name
from handoff.ledger.materialize import (
    advance,
    bump,
    events_not_from_handoffs,
    rederive,
    restore_events,
)
from handoff.ledger.models import LedgerEvent, LedgerItem, LedgerRef, LedgerRevision
from handoff.ledger.moves import (
    Line,
    Moves,
    SentenceLike,
    about_blocker,
    handovers,
    moot_blockers,
    reroutes,
    sentence_with,
    sentences,
    with_antecedent,
)
from handoff.refs import find_refs, normalize_ref
from handoff.text import normalize

if TYPE_CHECKING:
    from handoff.store import Event, Handoff, HandoffStore

LIVE = ("published", "acknowledged")
#: The parts whose items are matched by embedding too (next actions only by their exact key).
_EMBEDDED = tuple(PART_BY_NAME[p] for p in ("in_flight", "shipped", "blockers", "decisions"))


@dataclass
class _Apply:
    """One handoff being applied: its context and what it has touched so far."""

    session: Session
    handoff: Handoff
    decl: Declaration
    at: datetime
    matcher: Matcher
    touched: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    #: Work items this handoff reports done: id -> what it said of them.
    done: dict[str, _Said] = field(default_factory=dict)
    #: The events this handoff added, per item, and each touched item's last event time before
    #: them (None for items this handoff created): what incremental derivation needs.
    added: dict[str, list[LedgerEvent]] = field(default_factory=dict)
    prior: dict[str, datetime | None] = field(default_factory=dict)


def _item_id(team: str, kind: str, handoff_id: str, where: str) -> str:
    return hashlib.sha1(f"{team}|{kind}|{handoff_id}|{where}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class _Said:
    """What a wrap said about an item, as an event records it: the text, the quote that cites it
    and where in the clip the quote is."""

    text: str
    quote: str | None
    start_s: float | None


def _said(evidence: list[Evidence], text: str) -> _Said:
    """`text` cited by its first evidence, or by itself when the field has none."""
    if evidence:
        return _Said(text, evidence[0].quote, evidence[0].start_s)
    return _Said(text, text, None)


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
            _item_name(part, item)
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
        fields = self._apply_one(session, handoff)
        for h in later:
            self.apply(session, h)
        return fields

    def _apply_one(self, session: Session, handoff: Handoff) -> dict[str, str]:
        decl = handoff.declaration
        if decl is None or handoff.status not in LIVE:
            return {}
        at = handoff.recorded_at or handoff.published_at or handoff.created_at
        matcher = Matcher(session, handoff.team, embed=self.embed, vectors=self.vectors)
        ctx = _Apply(session, handoff, decl, at, matcher)
        self._work(ctx)
        self._resolutions(ctx)
        self._moves(ctx)  # before new blockers: "so it waits on Bea now" re-routes, opens nothing
        self._blockers(ctx)
        self._decisions(ctx)
        self._actions(ctx)
        self._returns(ctx)
        session.flush()
        advance(session, ctx.touched, added=ctx.added, prior=ctx.prior)
        return ctx.fields

    def _event(
        self,
        ctx: _Apply,
        item: LedgerItem,
        action: str,
        said: _Said,
        *,
        where: str | None = None,
        status: str | None = None,
        **detail: Any,
    ) -> None:
        """Record one thing this handoff says about `item`; `detail` values that are None are
        left out. `where` is the declaration field that said it (None: read from the text)."""
        if item.id not in ctx.prior:
            ctx.prior[item.id] = item.last_at if item.id not in ctx.added else None
        # A hand-over "from Monday" takes effect then: as of Saturday the work is still the
        # giver's (`handoff.ledger.moves.takes_effect`).
        at = max(ctx.at, detail.pop("effective", None) or ctx.at)
        if at != ctx.at:
            detail["said_at"] = ctx.at.isoformat()  # what cites it: when the wrap said it
        event = LedgerEvent(
            team=ctx.handoff.team,
            item_id=item.id,
            handoff_id=ctx.handoff.id,
            at=at,
            author=ctx.handoff.author,
            action=action,
            field=where,
            status=status,
            text=said.text,
            quote=said.quote,
            start_s=said.start_s,
            detail={k: v for k, v in detail.items() if v is not None} or None,
        )
        ctx.session.add(event)
        ctx.added.setdefault(item.id, []).append(event)
        ctx.touched.add(item.id)
        if where:
            ctx.fields[where] = item.id
        if status == "done" and item.kind == "work":
            ctx.done[item.id] = said
        if item.last_at is None or at > item.last_at:
            item.last_at = at
            ctx.matcher.changed()

    def _new_item(
        self, ctx: _Apply, kind: str, name: str, where: str, *, state: str, parent: str | None
    ) -> LedgerItem:
        item_id = _item_id(ctx.handoff.team, kind, ctx.handoff.id, where)
        survivor = ctx.session.get(LedgerItem, item_id)
        if survivor is not None:
            # Republishing (or re-ingesting) the handoff that first named an item that later
            # handoffs kept alive: it is the same item, so attach to it (rebuild gives this id).
            ctx.matcher.remember(survivor)
            ctx.matcher.changed()
            return survivor
        item = LedgerItem(
            id=item_id,
            team=ctx.handoff.team,
            kind=kind,
            name=name.strip()[:2000] or kind,
            key=normalize(name),
            refs=[],
            parent_id=parent,
            state=state,
            first_at=ctx.at,
            last_at=ctx.at,
            vector=ctx.matcher.vector(name) if kind in ("work", "blocker", "decision") else None,
        )
        ctx.session.add(item)
        ctx.session.flush()
        ctx.matcher.remember(item)
        ctx.matcher.changed()
        ctx.added[item.id] = []  # marks it as created here (see `_event`)
        return item

    def _add_refs(self, ctx: _Apply, item: LedgerItem, refs: Iterable[str]) -> None:
        known = set(item.refs or [])
        new = [r for r in dict.fromkeys(refs) if r and r not in known]
        if not new:
            return
        item.refs = [*item.refs, *new] if item.refs else list(new)
        for ref in new:
            ctx.session.add(
                LedgerRef(
                    team=ctx.handoff.team, ref=ref, item_id=item.id, handoff_id=ctx.handoff.id
                )
            )

    def _work_item(
        self, ctx: _Apply, name: str, refs: list[str], text: str, where: str, status: str
    ) -> LedgerItem:
        item = ctx.matcher.work(name, refs, text=text)
        if item is None:
            item = self._new_item(ctx, "work", name, where, state=status, parent=None)
        self._add_refs(ctx, item, refs)
        return item

    def _parent(self, ctx: _Apply, name: str | None, text: str) -> LedgerItem | None:
        """The work item a blocker, decision or action is about: one its own words name first
        (extraction sometimes attaches the wrong item), then the item it was attached to."""
        named = contained_name(ctx.matcher.candidates("work"), text)
        if named is not None:
            return ctx.matcher.item(named)
        if name:
            item = ctx.matcher.work(name, [normalize_ref(r) for r in find_refs(name)], text=text)
            if item is not None:
                return item
        refs = find_refs(text)
        if refs:
            item = ctx.matcher.by_refs(refs)
            if item is not None:
                return item
        named = contained_name(ctx.matcher.candidates("work"), text)
        return ctx.matcher.item(named) if named is not None else None

    def _work(self, ctx: _Apply) -> None:
        author = ctx.handoff.author
        for i, f in enumerate(ctx.decl.in_flight):
            text = f.summary or f.item
            refs = [normalize_ref(r) for r in (*f.refs, *find_refs(text))]
            where = f"in_flight[{i}]"
            item = self._work_item(ctx, f.item, refs, text, where, f.status)
            said = _said(f.evidence, text)
            self._event(
                ctx, item, "mentioned", said, where=where, status=f.status, owner=f.owner or author
            )
        for i, s in enumerate(ctx.decl.shipped):
            refs = [normalize_ref(r) for r in (*s.refs, *find_refs(s.summary))]
            where = f"shipped[{i}]"
            item = self._work_item(ctx, shipped_name(s.summary), refs, s.summary, where, "done")
            said = _said(s.evidence, s.summary)
            self._event(
                ctx, item, "mentioned", said, where=where, status="done", owner=author, shipped=True
            )

    def _blockers(self, ctx: _Apply) -> None:
        wrap = sentences(ctx.handoff)
        for i, b in enumerate(ctx.decl.blockers):
            where = f"blockers[{i}]"
            if says_resolved(b.description):
                continue  # "no longer blocked on X" is news of a resolution, read in _resolutions
            b = b.model_copy(update={"description": with_antecedent(b.description, wrap)})
            parent = self._parent(ctx, b.item, b.description)
            parent_id = parent.id if parent else None
            item = ctx.matcher.blocker(
                b.description, parent_id=parent_id, at=ctx.at, needed_from=b.needed_from
            )
            if item is None and continues_blocker(b.description):
                item = self._moved_here(ctx)
            action = "mentioned"
            if item is None or (item.id in ctx.touched and not continues_blocker(b.description)):
                item = self._new_item(
                    ctx, "blocker", b.description, where, state="open", parent=parent_id
                )
                action = "opened"
            elif parent_id and not item.parent_id:
                item.parent_id = parent_id
                ctx.matcher.changed()
            said = _said(b.evidence, b.description)
            self._event(
                ctx,
                item,
                action,
                said,
                where=where,
                needed_from=b.needed_from,
                why_blocking=b.why_blocking,
            )
            if parent is not None and parent.id not in ctx.touched:
                self._event(ctx, parent, "mentioned", said, status="blocked")

    def _moved_here(self, ctx: _Apply) -> LedgerItem | None:
        """The one blocker this wrap re-routed, which a blocker sentence that only continues
        ("so it waits on Bea now", "the alerts stay blocked until she does") is about."""
        moved = {ev.item_id for evs in ctx.added.values() for ev in evs if ev.action == "rerouted"}
        if len(moved) != 1:
            return None
        return ctx.session.get(LedgerItem, next(iter(moved)))

    def _resolutions(self, ctx: _Apply) -> None:
        """Close open blockers this wrap says were cleared, or whose work it reports done."""
        open_blockers = [
            b
            for b in ctx.matcher.candidates("blocker", states=("open",), before=ctx.at)
            if b.id not in ctx.touched
        ]
        if not open_blockers:
            return
        wrap = sentences(ctx.handoff)
        author = ctx.handoff.author
        cleared = [s for s in wrap if says_resolved(s.text)]
        for blocker in open_blockers:
            # Said cleared, or the one it waits on did it ("Bea opened the port"), unless the
            # sentence moves it on to someone else ("Meenakshi sent it, now Vikram has to").
            done = [
                s
                for s in wrap
                if acted(s.text, blocker.needed_from)
                and rerouted_to(s.text, old=blocker.needed_from, author=author) is None
            ]
            hit = next(
                (s for s in [*cleared, *done] if about_blocker(ctx.session, s.text, blocker)), None
            )
            if hit is not None:
                # The event's author reported it; who cleared it is whom the sentence names.
                who = resolver(hit.text, known=_names(ctx, blocker), author=ctx.handoff.author)
                if who is None and hit in done:
                    who = blocker.needed_from
                said = _Said(hit.text, hit.text, hit.start_s)
                self._event(ctx, ctx.matcher.item(blocker), "resolved", said, resolved_by=who)
            elif blocker.parent_id in ctx.done:
                said = ctx.done[blocker.parent_id]
                self._event(ctx, ctx.matcher.item(blocker), "resolved", said, because="work done")

    def _emitter(self, ctx: _Apply) -> Callable[..., None]:
        """Records an event read from a sentence of the wrap (`handoff.ledger.moves`)."""

        def emit(item: LedgerItem, action: str, sentence: SentenceLike, **detail: Any) -> None:
            said = _Said(sentence.text, sentence.text, sentence.start_s)
            self._event(ctx, item, action, said, **detail)

        return emit

    def _moves(self, ctx: _Apply) -> None:
        """Blockers re-routed and work handed over, read from the wrap's sentences."""
        m = Moves(ctx.session, ctx.matcher, ctx.at, ctx.handoff.author, sentences(ctx.handoff))
        m.created = frozenset(i for i, before in ctx.prior.items() if before is None)
        m.new_work = lambda name, n: self._new_item(
            ctx, "work", name, f"handover[{n}]", state="in_progress", parent=None
        )
        reroutes(m, self._emitter(ctx))
        handovers(m, self._emitter(ctx))

    def _moot(self, ctx: _Apply, full: str, decision: Line, decision_id: str) -> None:
        """Blockers on the option a reversal dropped no longer block anything."""
        m = Moves(ctx.session, ctx.matcher, ctx.at, ctx.handoff.author, [])
        moot_blockers(m, full, decision, decision_id, self._emitter(ctx))

    def _decisions(self, ctx: _Apply) -> None:
        current = ctx.matcher.candidates("decision", states=("current",), before=ctx.at)
        wrap = sentences(ctx.handoff)
        for st in stated(ctx.decl.decisions, wrap):
            d, where = st.decision, st.where
            text = f"{d.decision} because {d.rationale}" if d.rationale else d.decision
            parent = self._parent(ctx, d.item, d.decision)
            said = _said(d.evidence, text)
            # A reversal's cue and subject may sit in its reason or quote ("scratch that: ...").
            around = sentence_with(wrap, d.decision)
            full = " ".join(filter(None, (d.decision, d.rationale, said.quote, around)))
            same = [
                old
                for old in current
                if old.id not in ctx.touched
                and same_subject(ctx.matcher, d.decision, old, parent, full)
            ]
            same = closest(same, full)
            if st.from_text and st.reversal and not same:
                continue  # a reversal of nothing the ledger knows
            restated = next((old for old in same if restates(d.decision, old)), None)
            if restated is not None:
                item = ctx.matcher.item(restated)
                self._event(ctx, item, "mentioned", said, where=where, rationale=d.rationale)
                continue
            item = self._new_item(
                ctx, "decision", d.decision, where, state="current", parent=_id(parent)
            )
            supersedes = [o.id for o in same]
            self._event(
                ctx,
                item,
                "decided",
                said,
                where=None if st.from_text else where,  # a sentence is no declaration field
                rationale=d.rationale,
                supersedes=supersedes,
            )
            for old in same:
                self._event(ctx, ctx.matcher.item(old), "superseded", said, by=item.id)
            if same:
                self._moot(ctx, full, Line(around or said.quote or text, said.start_s), item.id)

    def _actions(self, ctx: _Apply) -> None:
        open_actions = ctx.matcher.candidates("action", states=("open",), before=ctx.at)
        for i, n in enumerate(ctx.decl.next_actions):
            where = f"next_actions[{i}]"
            parent = self._parent(ctx, n.item, n.action)
            key = normalize(n.action)
            same = next((a for a in open_actions if a.key == key and a.id not in ctx.touched), None)
            if same is not None:
                item = ctx.matcher.item(same)
            else:
                item = self._new_item(
                    ctx,
                    "action",
                    n.action,
                    where,
                    state="open",
                    parent=parent.id if parent else None,
                )
            self._event(
                ctx, item, "planned", _said(n.evidence, n.action), where=where, owner=n.owner
            )

    def _returns(self, ctx: _Apply) -> None:
        decl, author = ctx.decl, ctx.handoff.author
        if not decl.returns_at or not author:
            return
        key = normalize(author)
        item = ctx.session.scalars(
            select(LedgerItem).where(
                LedgerItem.team == ctx.handoff.team,
                LedgerItem.kind == "return",
                LedgerItem.key == key,
            )
        ).first()
        if item is None:
            item = self._new_item(
                ctx, "return", author, "returns_at", state="declared", parent=None
            )
        iso = decl.returns_at_iso.isoformat() if decl.returns_at_iso else None
        quote = next(
            (s.text for s in sentences(ctx.handoff) if decl.returns_at.lower() in s.text.lower()),
            decl.returns_at,
        )
        said = _Said(decl.returns_at, quote, None)
        self._event(
            ctx, item, "returns", said, where="returns_at", returns_at_iso=iso, owner=author
        )


def _order(keyed: tuple[tuple[bool, datetime | None, str], Any]) -> tuple[Any, ...]:
    """Rebuild order of (key, record) pairs: no recorded_at first, then by time, then id."""
    (has_time, at, hid), _ = keyed
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (has_time, at or datetime.min.replace(tzinfo=UTC), hid)


def _item_name(part: Part, item: PartItem) -> str:
    """What the ledger names an item after: its text, a shipped entry's cut to the thing."""
    text = str(getattr(item, part.text))
    return shipped_name(text) if part.name == "shipped" else text


def _names(ctx: _Apply, blocker: Named) -> list[str | None]:
    """Names a resolution sentence may give as the resolver: whom the blocker needed first, then
    the people this wrap names (owners, who blockers need)."""
    named = [
        getattr(item, part.people) for part in PARTS if part.people for item in part.items(ctx.decl)
    ]
    return [blocker.needed_from, *named]


def _id(item: LedgerItem | None) -> str | None:
    return item.id if item is not None else None
