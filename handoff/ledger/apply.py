"""Applying one published handoff's declaration to its team's ledger.

`Application` reads a declaration part by part, in the order the parts depend on one another
(work first, so blockers, decisions and actions find the items they are about; resolutions and
re-routings before new blockers, so "it waits on Bea now" moves a blocker instead of opening one),
and records each thing the wrap says as an event. `handoff.ledger.engine` decides when a handoff is
applied, removed or replayed; this module only knows how one is read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.declaration import PARTS, Declaration, Evidence, Part, PartItem
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
from handoff.ledger.materialize import advance
from handoff.ledger.models import LedgerEvent, LedgerItem, LedgerRef
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
    from handoff.store import Handoff


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


def apply_declaration(
    session: Session, handoff: Handoff, *, embed: Embed | None, vectors: VectorCache
) -> dict[str, str]:
    """Record what a live handoff's declaration says; returns which item each field became."""
    decl = handoff.declaration
    if decl is None:
        return {}
    at = handoff.recorded_at or handoff.published_at or handoff.created_at
    matcher = Matcher(session, handoff.team, embed=embed, vectors=vectors)
    return Application(session, handoff, decl, at, matcher).run()


@dataclass
class Application:
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

    def run(self) -> dict[str, str]:
        self._work()
        self._resolutions()
        self._moves()  # before new blockers: "so it waits on Bea now" re-routes, opens nothing
        self._blockers()
        self._decisions()
        self._actions()
        self._returns()
        self.session.flush()
        advance(self.session, self.touched, added=self.added, prior=self.prior)
        return self.fields

    def _event(
        self,
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
        if item.id not in self.prior:
            self.prior[item.id] = item.last_at if item.id not in self.added else None
        # A hand-over "from Monday" takes effect then: as of Saturday the work is still the
        # giver's (`handoff.ledger.moves.takes_effect`).
        at = max(self.at, detail.pop("effective", None) or self.at)
        if at != self.at:
            detail["said_at"] = self.at.isoformat()  # what cites it: when the wrap said it
        event = LedgerEvent(
            team=self.handoff.team,
            item_id=item.id,
            handoff_id=self.handoff.id,
            at=at,
            author=self.handoff.author,
            action=action,
            field=where,
            status=status,
            text=said.text,
            quote=said.quote,
            start_s=said.start_s,
            detail={k: v for k, v in detail.items() if v is not None} or None,
        )
        self.session.add(event)
        self.added.setdefault(item.id, []).append(event)
        self.touched.add(item.id)
        if where:
            self.fields[where] = item.id
        if status == "done" and item.kind == "work":
            self.done[item.id] = said
        if item.last_at is None or at > item.last_at:
            item.last_at = at
            self.matcher.changed()

    def _new_item(
        self, kind: str, name: str, where: str, *, state: str, parent: str | None
    ) -> LedgerItem:
        item_id = _item_id(self.handoff.team, kind, self.handoff.id, where)
        survivor = self.session.get(LedgerItem, item_id)
        if survivor is not None:
            # Republishing (or re-ingesting) the handoff that first named an item that later
            # handoffs kept alive: it is the same item, so attach to it (rebuild gives this id).
            self.matcher.remember(survivor)
            self.matcher.changed()
            return survivor
        item = LedgerItem(
            id=item_id,
            team=self.handoff.team,
            kind=kind,
            name=name.strip()[:2000] or kind,
            key=normalize(name),
            refs=[],
            parent_id=parent,
            state=state,
            first_at=self.at,
            last_at=self.at,
            vector=self.matcher.vector(name) if kind in ("work", "blocker", "decision") else None,
        )
        self.session.add(item)
        self.session.flush()
        self.matcher.remember(item)
        self.matcher.changed()
        self.added[item.id] = []  # marks it as created here (see `_event`)
        return item

    def _add_refs(self, item: LedgerItem, refs: Iterable[str]) -> None:
        known = set(item.refs or [])
        new = [r for r in dict.fromkeys(refs) if r and r not in known]
        if not new:
            return
        item.refs = [*item.refs, *new] if item.refs else list(new)
        for ref in new:
            self.session.add(
                LedgerRef(
                    team=self.handoff.team, ref=ref, item_id=item.id, handoff_id=self.handoff.id
                )
            )

    def _work_item(
        self, name: str, refs: list[str], text: str, where: str, status: str
    ) -> LedgerItem:
        item = self.matcher.work(name, refs, text=text)
        if item is None:
            item = self._new_item("work", name, where, state=status, parent=None)
        self._add_refs(item, refs)
        return item

    def _parent(self, name: str | None, text: str) -> LedgerItem | None:
        """The work item a blocker, decision or action is about: one its own words name first
        (extraction sometimes attaches the wrong item), then the item it was attached to."""
        named = contained_name(self.matcher.candidates("work"), text)
        if named is not None:
            return self.matcher.item(named)
        if name:
            item = self.matcher.work(name, [normalize_ref(r) for r in find_refs(name)], text=text)
            if item is not None:
                return item
        refs = find_refs(text)
        if refs:
            item = self.matcher.by_refs(refs)
            if item is not None:
                return item
        named = contained_name(self.matcher.candidates("work"), text)
        return self.matcher.item(named) if named is not None else None

    def _work(self) -> None:
        author = self.handoff.author
        for i, f in enumerate(self.decl.in_flight):
            text = f.summary or f.item
            refs = [normalize_ref(r) for r in (*f.refs, *find_refs(text))]
            where = f"in_flight[{i}]"
            item = self._work_item(f.item, refs, text, where, f.status)
            said = _said(f.evidence, text)
            self._event(
                item, "mentioned", said, where=where, status=f.status, owner=f.owner or author
            )
        for i, s in enumerate(self.decl.shipped):
            refs = [normalize_ref(r) for r in (*s.refs, *find_refs(s.summary))]
            where = f"shipped[{i}]"
            item = self._work_item(shipped_name(s.summary), refs, s.summary, where, "done")
            said = _said(s.evidence, s.summary)
            self._event(
                item, "mentioned", said, where=where, status="done", owner=author, shipped=True
            )

    def _blockers(self) -> None:
        wrap = sentences(self.handoff)
        for i, b in enumerate(self.decl.blockers):
            where = f"blockers[{i}]"
            if says_resolved(b.description):
                continue  # "no longer blocked on X" is news of a resolution, read in _resolutions
            b = b.model_copy(update={"description": with_antecedent(b.description, wrap)})
            parent = self._parent(b.item, b.description)
            parent_id = parent.id if parent else None
            item = self.matcher.blocker(
                b.description, parent_id=parent_id, at=self.at, needed_from=b.needed_from
            )
            if item is None and continues_blocker(b.description):
                item = self._moved_here()
            action = "mentioned"
            if item is None or (item.id in self.touched and not continues_blocker(b.description)):
                item = self._new_item(
                    "blocker", b.description, where, state="open", parent=parent_id
                )
                action = "opened"
            elif parent_id and not item.parent_id:
                item.parent_id = parent_id
                self.matcher.changed()
            said = _said(b.evidence, b.description)
            self._event(
                item,
                action,
                said,
                where=where,
                needed_from=b.needed_from,
                why_blocking=b.why_blocking,
            )
            if parent is not None and parent.id not in self.touched:
                self._event(parent, "mentioned", said, status="blocked")

    def _moved_here(self) -> LedgerItem | None:
        """The one blocker this wrap re-routed, which a blocker sentence that only continues
        ("so it waits on Bea now", "the alerts stay blocked until she does") is about."""
        moved = {ev.item_id for evs in self.added.values() for ev in evs if ev.action == "rerouted"}
        if len(moved) != 1:
            return None
        return self.session.get(LedgerItem, next(iter(moved)))

    def _resolutions(self) -> None:
        """Close open blockers this wrap says were cleared, or whose work it reports done."""
        open_blockers = [
            b
            for b in self.matcher.candidates("blocker", states=("open",), before=self.at)
            if b.id not in self.touched
        ]
        if not open_blockers:
            return
        wrap = sentences(self.handoff)
        author = self.handoff.author
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
                (s for s in [*cleared, *done] if about_blocker(self.session, s.text, blocker)), None
            )
            if hit is not None:
                # The event's author reported it; who cleared it is whom the sentence names.
                who = resolver(
                    hit.text, known=_names(self.decl, blocker), author=self.handoff.author
                )
                if who is None and hit in done:
                    who = blocker.needed_from
                said = _Said(hit.text, hit.text, hit.start_s)
                self._event(self.matcher.item(blocker), "resolved", said, resolved_by=who)
            elif blocker.parent_id in self.done:
                said = self.done[blocker.parent_id]
                self._event(self.matcher.item(blocker), "resolved", said, because="work done")

    def _emitter(self) -> Callable[..., None]:
        """Records an event read from a sentence of the wrap (`handoff.ledger.moves`)."""

        def emit(item: LedgerItem, action: str, sentence: SentenceLike, **detail: Any) -> None:
            said = _Said(sentence.text, sentence.text, sentence.start_s)
            self._event(item, action, said, **detail)

        return emit

    def _moves(self) -> None:
        """Blockers re-routed and work handed over, read from the wrap's sentences."""
        m = Moves(self.session, self.matcher, self.at, self.handoff.author, sentences(self.handoff))
        m.created = frozenset(i for i, before in self.prior.items() if before is None)
        m.new_work = lambda name, n: self._new_item(
            "work", name, f"handover[{n}]", state="in_progress", parent=None
        )
        reroutes(m, self._emitter())
        handovers(m, self._emitter())

    def _moot(self, full: str, decision: Line, decision_id: str) -> None:
        """Blockers on the option a reversal dropped no longer block anything."""
        m = Moves(self.session, self.matcher, self.at, self.handoff.author, [])
        moot_blockers(m, full, decision, decision_id, self._emitter())

    def _decisions(self) -> None:
        current = self.matcher.candidates("decision", states=("current",), before=self.at)
        wrap = sentences(self.handoff)
        for st in stated(self.decl.decisions, wrap):
            d, where = st.decision, st.where
            text = f"{d.decision} because {d.rationale}" if d.rationale else d.decision
            parent = self._parent(d.item, d.decision)
            said = _said(d.evidence, text)
            # A reversal's cue and subject may sit in its reason or quote ("scratch that: ...").
            around = sentence_with(wrap, d.decision)
            full = " ".join(filter(None, (d.decision, d.rationale, said.quote, around)))
            same = [
                old
                for old in current
                if old.id not in self.touched
                and same_subject(self.matcher, d.decision, old, parent, full)
            ]
            same = closest(same, full)
            if st.from_text and st.reversal and not same:
                continue  # a reversal of nothing the ledger knows
            restated = next((old for old in same if restates(d.decision, old)), None)
            if restated is not None:
                item = self.matcher.item(restated)
                self._event(item, "mentioned", said, where=where, rationale=d.rationale)
                continue
            item = self._new_item(
                "decision", d.decision, where, state="current", parent=_id(parent)
            )
            supersedes = [o.id for o in same]
            self._event(
                item,
                "decided",
                said,
                where=None if st.from_text else where,  # a sentence is no declaration field
                rationale=d.rationale,
                supersedes=supersedes,
            )
            for old in same:
                self._event(self.matcher.item(old), "superseded", said, by=item.id)
            if same:
                self._moot(full, Line(around or said.quote or text, said.start_s), item.id)

    def _actions(self) -> None:
        open_actions = self.matcher.candidates("action", states=("open",), before=self.at)
        for i, n in enumerate(self.decl.next_actions):
            where = f"next_actions[{i}]"
            parent = self._parent(n.item, n.action)
            key = normalize(n.action)
            same = next(
                (a for a in open_actions if a.key == key and a.id not in self.touched), None
            )
            if same is not None:
                item = self.matcher.item(same)
            else:
                item = self._new_item(
                    "action",
                    n.action,
                    where,
                    state="open",
                    parent=parent.id if parent else None,
                )
            self._event(item, "planned", _said(n.evidence, n.action), where=where, owner=n.owner)

    def _returns(self) -> None:
        decl, author = self.decl, self.handoff.author
        if not decl.returns_at or not author:
            return
        key = normalize(author)
        item = self.session.scalars(
            select(LedgerItem).where(
                LedgerItem.team == self.handoff.team,
                LedgerItem.kind == "return",
                LedgerItem.key == key,
            )
        ).first()
        if item is None:
            item = self._new_item("return", author, "returns_at", state="declared", parent=None)
        iso = decl.returns_at_iso.isoformat() if decl.returns_at_iso else None
        quote = next(
            (s.text for s in sentences(self.handoff) if decl.returns_at.lower() in s.text.lower()),
            decl.returns_at,
        )
        said = _Said(decl.returns_at, quote, None)
        self._event(item, "returns", said, where="returns_at", returns_at_iso=iso, owner=author)


def item_name(part: Part, item: PartItem) -> str:
    """What the ledger names an item after: its text, a shipped entry's cut to the thing."""
    text = str(getattr(item, part.text))
    return shipped_name(text) if part.name == "shipped" else text


def _names(decl: Declaration, blocker: Named) -> list[str | None]:
    """Names a resolution sentence may give as the resolver: whom the blocker needed first, then
    the people this wrap names (owners, who blockers need)."""
    named = [
        getattr(item, part.people) for part in PARTS if part.people for item in part.items(decl)
    ]
    return [blocker.needed_from, *named]


def _id(item: LedgerItem | None) -> str | None:
    return item.id if item is not None else None
