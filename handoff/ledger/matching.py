"""Identity across handoffs: which existing item a mention is about.

Within the team, in order of trust: a shared ref or ticket key; the same normalized name; a known
name contained in the mention's words; a fuzzy name match (rapidfuzz); embedding similarity of the
names (when an embedder is wired in). The first that finds an item wins.

Matching runs several times per published handoff, so it reads little: item vectors are kept in
memory (`VectorCache`, shared by the ledger across handoffs; the column is deferred), cosine
similarity is one numpy product over the candidate pool, and a candidate query is asked once until
the applying handoff changes something.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import numpy as np
from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.ledger.models import LedgerItem, LedgerRef
from handoff.text import normalize, overlap, strong_terms

#: Turns texts into vectors (the search package's embedder, wired in by `api.services`).
Embed = Callable[[Sequence[str]], list[list[float]]]

CANDIDATES = 400  # most recently touched items considered for fuzzy and embedding matches
FUZZY_NAME = 88
EMBED_NAME = 0.82
EMBED_BLOCKER = 0.78
#: A restated blocker that waits on the same person as an open one ("Cert renewal still waiting
#: on the VPN approval from Nadia" after "the VPN request ... isn't approved yet, waiting on
#: Nadia") is worded anew but is the same blocker: the person corroborates a shared subject.
SAME_PERSON_BONUS = 0.15
EMBED_BLOCKER_SAME_PERSON = 0.70


class Named(Protocol):
    """What matching reads of an item: a `LedgerItem` or a `Candidate`."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def needed_from(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item in a candidate pool: the columns matching reads, without building ORM objects for
    hundreds of rows per mention. `Matcher.item` gives the `LedgerItem` of the one that matched."""

    id: str
    name: str
    key: str
    parent_id: str | None
    needed_from: str | None


def cosine(a: Sequence[float] | None, b: Sequence[float] | None) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


class VectorCache:
    """Item vectors by (item id, name), unit length: the `vector` column without reading
    it for every candidate. An item's vector is a function of its name, so a renamed or recreated
    item simply misses."""

    def __init__(self, size: int = 50_000) -> None:
        self._data: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Any:
        with self._lock:
            vec = self._data.get(key)
            if vec is not None:
                self._data.move_to_end(key)
            return vec

    def put(self, key: tuple[str, str], vector: Sequence[float] | None) -> Any:
        vec = _unit(vector)
        with self._lock:
            self._data[key] = vec
            while len(self._data) > self._size:
                self._data.popitem(last=False)
        return vec

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_EMPTY = np.zeros(0, dtype=np.float64)


def _unit(vector: Sequence[float] | None) -> Any:
    """A unit-length copy; an empty array stands for "no vector"."""
    if not vector:
        return _EMPTY
    vec = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else _EMPTY


class Matcher:
    """Finds existing items of one team for new mentions, inside the applying transaction."""

    def __init__(
        self,
        session: Session,
        team: str,
        *,
        embed: Embed | None,
        vectors: VectorCache | None = None,
    ) -> None:
        self.session = session
        self.team = team
        self._embed = embed
        self._vectors: dict[str, list[float]] = {}
        self._item_vectors = vectors if vectors is not None else VectorCache()
        self._pools: dict[tuple[Any, ...], list[Candidate]] = {}

    def changed(self) -> None:
        """The applying handoff added, moved or re-parented an item: pools are asked again."""
        self._pools.clear()

    def item(self, found: Named) -> LedgerItem:
        """The `LedgerItem` of a candidate (from the session when it is loaded already)."""
        if isinstance(found, LedgerItem):
            return found
        item = self.session.get(LedgerItem, found.id)
        if item is None:  # pools are read in this transaction; an item cannot vanish under it
            raise LookupError(f"ledger item {found.id} disappeared while matching")
        return item

    def vector(self, text: str) -> list[float] | None:
        if self._embed is None or not text.strip():
            return None
        if text not in self._vectors:
            self._vectors[text] = list(self._embed([text])[0])
        return self._vectors[text]

    def remember(self, item: LedgerItem) -> None:
        """Keep a new item's vector (it was just computed) so no query reads it back."""
        self._item_vectors.put((item.id, item.name), item.vector)

    def item_vectors(self, items: Sequence[Named]) -> list[Any]:
        """Unit vectors of `items` (empty arrays for none), reading the missing in one query."""
        cache = self._item_vectors
        found = [cache.get((it.id, it.name)) for it in items]
        missing = [it.id for it, vec in zip(items, found, strict=True) if vec is None]
        for start in range(0, len(missing), 500):
            q = select(LedgerItem.id, LedgerItem.name, LedgerItem.vector).where(
                LedgerItem.id.in_(tuple(missing[start : start + 500]))
            )
            for item_id, name, vector in self.session.execute(q):
                cache.put((item_id, name), vector)
        if missing:
            found = [cache.get((it.id, it.name)) for it in items]
        return [_EMPTY if vec is None else vec for vec in found]

    def similarity(self, text: str, item: Named) -> float:
        """Cosine similarity of a text and an item's name (0 without vectors)."""
        vec = self.vector(text)
        if vec is None:
            return 0.0
        (other,) = self.item_vectors([item])
        return _cosines(_unit(vec), [other])[0]

    def candidates(
        self, kind: str, *, states: Sequence[str] | None = None, before: datetime | None = None
    ) -> list[Candidate]:
        """The team's most recently active items of a kind (asked once until something changes)."""
        key = (kind, tuple(states) if states else None, before)
        pool = self._pools.get(key)
        if pool is not None:
            return list(pool)
        q = select(
            LedgerItem.id,
            LedgerItem.name,
            LedgerItem.key,
            LedgerItem.parent_id,
            LedgerItem.needed_from,
        ).where(LedgerItem.team == self.team, LedgerItem.kind == kind)
        if states:
            q = q.where(LedgerItem.state.in_(tuple(states)))
        if before is not None:
            q = q.where(LedgerItem.first_at <= before)
        q = q.order_by(LedgerItem.last_at.desc()).limit(CANDIDATES)
        pool = [Candidate(*row) for row in self.session.execute(q)]
        self._pools[key] = pool
        return list(pool)

    def by_refs(self, refs: Sequence[str]) -> LedgerItem | None:
        if not refs:
            return None
        q = (
            select(LedgerItem)
            .join(LedgerRef, LedgerRef.item_id == LedgerItem.id)
            .where(LedgerRef.team == self.team, LedgerRef.ref.in_(tuple(refs)))
            .where(LedgerItem.kind == "work")
            .order_by(LedgerItem.last_at.desc())
        )
        return self.session.scalars(q).first()

    def work(self, name: str, refs: Sequence[str], *, text: str = "") -> LedgerItem | None:
        """The work item a mention (its name, refs and full text) is about, if already known."""
        found = self.by_refs(refs)
        if found is not None:
            return found
        key = normalize(name)
        if key:
            q = select(LedgerItem).where(
                LedgerItem.team == self.team, LedgerItem.kind == "work", LedgerItem.key == key
            )
            found = self.session.scalars(q.order_by(LedgerItem.last_at.desc())).first()
            if found is not None:
                return found
        pool = self.candidates("work")
        named = contained_name(pool, f"{name} {text}")
        if named is not None:
            return self.item(named)
        best = max(pool, key=lambda it: fuzz.token_set_ratio(key, it.key), default=None)
        if (
            best is not None
            and fuzz.token_set_ratio(key, best.key) >= FUZZY_NAME
            and _distinct(key)
        ):
            return self.item(best)
        near = self._nearest(pool, name, EMBED_NAME)
        return self.item(near) if near is not None else None

    def blocker(
        self,
        description: str,
        *,
        parent_id: str | None,
        at: datetime,
        needed_from: str | None = None,
    ) -> LedgerItem | None:
        """An open blocker that this mention restates ("still waiting on the VPN request")."""
        pool = self.candidates("blocker", states=("open",), before=at)
        best, best_score = None, 0.0
        corroborated: list[Candidate] = []
        for it in pool:
            score = (
                min(overlap(description, it.name), 1.0) * 0.5 + overlap(it.name, description) * 0.5
            )
            if parent_id and it.parent_id == parent_id:
                score += 0.15
            if _same_wait(description, needed_from, parent_id, it):
                score += SAME_PERSON_BONUS
                corroborated.append(it)
            if score > best_score:
                best, best_score = it, score
        if best is not None and best_score >= 0.6:
            return self.item(best)
        near = self._nearest(
            [it for it in pool if not parent_id or it.parent_id in (None, parent_id)],
            description,
            EMBED_BLOCKER,
        ) or self._nearest(corroborated, description, EMBED_BLOCKER_SAME_PERSON)
        return self.item(near) if near is not None else None

    def _nearest(self, pool: Sequence[Candidate], text: str, threshold: float) -> Candidate | None:
        vec = self.vector(text)
        if vec is None or not pool:
            return None
        vectors = self.item_vectors(pool)
        with_vector = [i for i, v in enumerate(vectors) if v.size]
        if not with_vector:
            return None
        scores = _cosines(_unit(vec), [vectors[i] for i in with_vector])
        best = int(np.argmax(scores))  # the first of equals, as max() would pick
        return pool[with_vector[best]] if scores[best] >= threshold else None


def _cosines(vec: Any, others: Sequence[Any]) -> list[float]:
    """Cosine similarity of a unit vector with unit vectors (0 where lengths differ or empty)."""
    out = [0.0] * len(others)
    same = [i for i, o in enumerate(others) if vec.size and o.size == vec.size]
    if same:
        dots = np.stack([others[i] for i in same]) @ vec
        for i, d in zip(same, dots.tolist(), strict=True):
            out[i] = float(d)
    return out


def _person(name: str | None) -> str:
    """Whom a blocker waits on, for comparing: "Nadia in Security" and "nadia" are "nadia"."""
    words = normalize(name or "").split()
    if words and words[0] == "the":
        words = words[1:]
    return words[0] if words else ""


def _same_wait(
    description: str, needed_from: str | None, parent_id: str | None, it: Candidate
) -> bool:
    """Both wait on the same person, are not about two different pieces of work, and share
    something besides that person: the same blocker, put another way."""
    person = _person(needed_from)
    if not person or person != _person(it.needed_from):
        return False
    if parent_id and it.parent_id and parent_id != it.parent_id:
        return False
    own = strong_terms(needed_from or "") | strong_terms(it.needed_from or "")
    mine, theirs = strong_terms(description) - own, strong_terms(it.name) - own
    return any(
        t in theirs or any(len(t) >= 4 and (u.startswith(t) or t.startswith(u)) for u in theirs)
        for t in mine
    )


def _distinct(key: str) -> bool:
    # A fuzzy match on a one-word generic name ("api") merges unrelated work; require substance.
    return len(strong_terms(key)) >= 2 or len(key) >= 10


def contained_name(pool: Sequence[Candidate], text: str) -> Candidate | None:
    """The known item whose whole (distinctive) name appears in the text, longest name first."""
    hay = f" {normalize(text)} "
    best: Candidate | None = None
    for it in pool:
        if len(it.key) < 5 or not strong_terms(it.key):
            continue
        if f" {it.key} " in hay and (best is None or len(it.key) > len(best.key)):
            best = it
    return best
