"""The search index: Chroma at field granularity, plus BM25 over the same documents.

Each shipped entry, in-flight item, decision, blocker, next action and return time of a published
handoff is one document, with metadata (team, handoff, author, time, kind, ledger item, state) for
filtering and citing; transcript chunks cover what the fields do not. The index is derived data:
`rebuild` recreates it from the system of record, which always holds the truth.

The Chroma client is given: embedded (`PersistentClient` under HOME/index) or a server's
(`HttpClient`, HANDOFF_CHROMA_URL), as `api.wiring.index` chooses. Vectors come from our embedder
(the seam in `search.embeddings`), in batches.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from handoff.declaration import PARTS, Declaration, Evidence, Part
from search.embeddings import Embedder
from search.errors import IndexUnavailable
from search.lexical import LexicalIndex

if TYPE_CHECKING:
    from handoff.store import Handoff, HandoffStore

COLLECTION = "handoff_fields"
LEXICAL_CHECK_S = 2.0
LOAD_PAGE = 5000
#: A filtered vector search over at most this many documents is done here, exactly (see
#: `vector_search`); larger ones are left to Chroma.
WINDOW_DOCS = 3000
CHUNK_CHARS = 320
ADD_BATCH = 512
Meta = dict[str, str | int | float | bool]
#: Which ledger item each field of a handoff became; wired in by `api.wiring.index`.
FieldsOf = Callable[[str], dict[str, str]]


@dataclass(frozen=True, slots=True)
class FieldDoc:
    id: str
    text: str
    metadata: Meta


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float
    #: Cosine similarity to the question when the vector half found it (else None).
    similarity: float | None = None


def _first(evidence: list[Evidence]) -> Evidence | None:
    return evidence[0] if evidence else None


def _chunks(handoff: Handoff) -> Iterator[tuple[str, float | None]]:
    """Transcript text in chunks of a few sentences, with the clip time of the first."""
    segments = (handoff.transcript or {}).get("segments") or []
    if not segments and handoff.source_text:
        segments = [{"text": handoff.source_text}]
    buf: list[str] = []
    start: float | None = None
    for seg in segments:
        text = str(seg.get("text") or "").strip()
        if not text:
            continue
        if not buf:
            start = seg.get("start_s")
        buf.append(text)
        if sum(len(b) for b in buf) >= CHUNK_CHARS:
            yield " ".join(buf), start
            buf = []
    if buf:
        yield " ".join(buf), start


@dataclass(frozen=True, slots=True)
class _DocShape:
    """How the items of one declaration part read as documents (the part table says the rest)."""

    #: The document kind retrieval filters on ("blocker"); singular, unlike the part's name.
    kind: str
    text: Callable[[Any], str]
    #: The state a fresh document of the part is in (None: the part has no state).
    state: Callable[[Any], str | None] = lambda _item: None
    #: Item fields kept as metadata besides its attached item, person and refs.
    extra: tuple[str, ...] = ()


_SHAPES: dict[str, _DocShape] = {
    "shipped": _DocShape("shipped", lambda s: f"Shipped: {s.summary}", state=lambda _s: "done"),
    "in_flight": _DocShape(
        "in_flight",
        lambda f: f"{f.item}: {f.summary or ''} ({f.status})",
        state=lambda f: str(f.status),
    ),
    "decisions": _DocShape(
        "decision",
        lambda d: f"Decision: {d.decision}. {d.rationale or ''}",
        extra=("rationale",),
    ),
    "blockers": _DocShape(
        "blocker",
        lambda b: f"Blocker: {b.description} {('needs ' + b.needed_from) if b.needed_from else ''}",
        state=lambda _b: "open",
    ),
    "next_actions": _DocShape("next_action", lambda n: f"Next: {n.action}"),
}


def _item_meta(part: Part, shape: _DocShape, item: Any) -> dict[str, Any]:
    """An item's own metadata: the item it is attached to, its person, refs, state, extras."""
    meta: dict[str, Any] = {
        "item": getattr(item, "item", None),
        "refs": " ".join(getattr(item, "refs", ())),
        "state": shape.state(item),
    }
    if part.people:
        meta[part.people] = getattr(item, part.people)
    for name in shape.extra:
        meta[name] = getattr(item, name)
    return meta


def field_documents(handoff: Handoff, fields: dict[str, str] | None = None) -> list[FieldDoc]:
    """The documents one published handoff contributes to the index: one per item of each part,
    its return time, and transcript chunks for what the fields do not cover."""
    decl: Declaration | None = handoff.declaration
    if decl is None:
        return []
    fields = fields or {}
    base: Meta = {
        "team": handoff.team,
        "handoff_id": handoff.id,
        "author": handoff.author or "",
        "recorded_ts": handoff.recorded_at.timestamp() if handoff.recorded_at else 0.0,
        "recorded_at": handoff.recorded_at.isoformat() if handoff.recorded_at else "",
    }
    docs: list[FieldDoc] = []

    def add(kind: str, where: str, text: str, evidence: list[Evidence], **extra: Any) -> None:
        ev = _first(evidence)
        meta: Meta = dict(base, kind=kind, field=where, quote=ev.quote if ev else text)
        if ev and ev.start_s is not None:
            meta["start_s"] = float(ev.start_s)
        if ev and ev.end_s is not None:
            meta["end_s"] = float(ev.end_s)
        if where in fields:
            meta["item_id"] = fields[where]
        for key, value in extra.items():
            if value:
                meta[key] = value
        docs.append(FieldDoc(id=f"{handoff.id}:{where}", text=text, metadata=meta))

    for part in PARTS:
        shape = _SHAPES[part.name]
        for i, item in enumerate(part.items(decl)):
            meta = _item_meta(part, shape, item)
            add(shape.kind, part.where(i), shape.text(item), item.evidence, **meta)
    if decl.returns_at:
        add(
            "returns",
            "returns_at",
            f"{handoff.author or 'The author'} is back {decl.returns_at}",
            [],
            returns_at=decl.returns_at,
            returns_at_iso=decl.returns_at_iso.isoformat() if decl.returns_at_iso else None,
        )
    for i, (text, start) in enumerate(_chunks(handoff)):
        add("chunk", f"chunk[{i}]", text, [], start_s=start)
        docs[-1].metadata["quote"] = text
    return docs


class FieldIndex:
    """A Chroma collection of field documents with our own embeddings, and BM25 beside it."""

    def __init__(
        self, client: Any, embedder: Embedder, *, fields_of: FieldsOf | None = None
    ) -> None:
        self._client = client
        self.embedder = embedder
        self.fields_of = fields_of
        self.lexical = LexicalIndex()
        self._lexical_count: int | None = None
        self._lexical_checked = -math.inf
        self._lock = threading.Lock()
        self._collection = self._open()

    def _open(self) -> Any:
        try:
            return self._client.get_or_create_collection(
                COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except Exception as exc:
            raise IndexUnavailable(
                f"Cannot open the search index ({exc.__class__.__name__})."
            ) from exc

    # -- writing --------------------------------------------------------------------------------
    def add_handoff(self, handoff: Handoff) -> int:
        self.remove_handoff(handoff.id, team=handoff.team)
        if handoff.status == "draft":
            return 0
        fields = self.fields_of(handoff.id) if self.fields_of else None
        return self.add_documents(field_documents(handoff, fields))

    def add_handoffs(self, handoffs: Iterable[Handoff]) -> int:
        """Index many handoffs at once (bulk import): one delete, then batched upserts; the same
        documents as `add_handoff` on each. Returns how many documents were written."""
        handoffs = list(handoffs)
        if not handoffs:
            return 0
        for team in sorted({h.team for h in handoffs}):
            ids = [h.id for h in handoffs if h.team == team]
            for start in range(0, len(ids), ADD_BATCH):
                chunk = ids[start : start + ADD_BATCH]
                self._collection.delete(where={"handoff_id": {"$in": chunk}})
            self.lexical.remove_handoffs(team, ids)
        self._lexical_count = None
        docs: list[FieldDoc] = []
        for handoff in handoffs:
            if handoff.status != "draft":
                fields = self.fields_of(handoff.id) if self.fields_of else None
                docs.extend(field_documents(handoff, fields))
        return self.add_documents(docs)

    def add_documents(self, docs: list[FieldDoc]) -> int:
        """Embed and write in batches; a batch is written (Chroma, BM25: ~10% of the time) while
        the next one is embedded, so a bulk write keeps the model busy."""
        batches = [docs[start : start + ADD_BATCH] for start in range(0, len(docs), ADD_BATCH)]
        if len(batches) <= 1:
            for batch in batches:
                self._write(batch, self.embedder.embed([d.text for d in batch]))
        else:
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-write") as writer:
                written: Future[None] | None = None
                for batch in batches:
                    vectors = self.embedder.embed([d.text for d in batch])
                    if written is not None:
                        written.result()
                    written = writer.submit(self._write, batch, vectors)
                if written is not None:
                    written.result()
        self._lexical_count = None
        return len(docs)

    def _write(self, batch: list[FieldDoc], vectors: list[list[float]]) -> None:
        self._collection.upsert(
            ids=[d.id for d in batch],
            documents=[d.text for d in batch],
            metadatas=[d.metadata for d in batch],  # type: ignore[arg-type]
            embeddings=vectors,  # type: ignore[arg-type]
        )
        for d in batch:
            self.lexical.add(str(d.metadata["team"]), d.id, d.text, {**d.metadata, "_text": d.text})

    def remove_handoff(self, handoff_id: str, *, team: str | None = None) -> None:
        self._collection.delete(where={"handoff_id": handoff_id})
        for t in [team] if team else []:
            self.lexical.remove_handoffs(t, [handoff_id])
        if team is None:
            self.lexical.reset()
        self._lexical_count = None

    def clear(self, *, team: str | None = None) -> None:
        if team is None:
            self._client.delete_collection(COLLECTION)
            self._collection = self._open()
        else:
            self._collection.delete(where={"team": team})
        self.lexical.reset(team)

    def rebuild(
        self,
        store: HandoffStore,
        *,
        team: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Recreate the index from the system of record; returns how many handoffs were indexed."""
        self.clear(team=team)
        count = 0
        batch: list[FieldDoc] = []
        for handoff in store.iter_published(team=team):
            fields = self.fields_of(handoff.id) if self.fields_of else None
            batch.extend(field_documents(handoff, fields))
            count += 1
            if progress:
                progress(count)
            if len(batch) >= ADD_BATCH:
                self.add_documents(batch)
                batch = []
        self.add_documents(batch)
        return count

    # -- reading --------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._collection.count())

    def _ensure_lexical(self, team: str) -> None:
        """Load BM25 for the team from the collection (once; again if another process wrote).

        Writes through this index update BM25 as they happen; another process's writes are
        noticed by the collection's count, asked at most every `LEXICAL_CHECK_S` seconds (it
        costs ~15 ms at 25k documents)."""
        now = time.monotonic()
        if self.lexical.has(team) and now - self._lexical_checked < LEXICAL_CHECK_S:
            return
        total = self.count()
        self._lexical_checked = now
        with self._lock:
            if self.lexical.has(team) and self._lexical_count == total:
                return
            if self._lexical_count != total:
                self.lexical.reset()
            self.lexical.load(team, self._team_documents(team))
            self._lexical_count = total
        _release_freed_memory()

    def _team_documents(self, team: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """The team's documents, a page at a time: one `get` of 100k documents holds ~2 GB in
        Chroma while it runs (the server process must stay under 1.5 GB)."""
        offset = 0
        while True:
            got = self._collection.get(
                where={"team": team},
                include=["documents", "metadatas"],
                limit=LOAD_PAGE,
                offset=offset,
            )
            ids = got["ids"]
            docs = zip(ids, got["documents"] or [], got["metadatas"] or [], strict=False)
            yield from ((i, t or "", {**(m or {}), "_text": t or ""}) for i, t, m in docs)
            if len(ids) < LOAD_PAGE:
                return
            offset += LOAD_PAGE

    def vector_search(
        self,
        query: str,
        *,
        team: str,
        where: dict[str, Any] | None = None,
        k: int = 40,
        accept: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[Hit]:
        """The `k` nearest documents of the team that pass `where`.

        Chroma answers a filtered query by scanning every document the filter lets through (55 ms
        at 10k documents, growing with them), an unfiltered one from its HNSW graph (4 ms). So
        the nearest 2k are asked unfiltered and filtered here (`accept` is `where` as a
        predicate); only when fewer than `k` of them pass is the filtered query asked.
        """
        vector = self.embedder.embed([query])
        self._ensure_lexical(team)  # its metadata carries the texts: no documents to fetch
        wide = self._query(vector, n=2 * k, where=None, team=team)
        if len(wide) < 2 * k:  # the whole collection came back: filtering it is exact
            return [h for h in wide if _passes(h, team, accept)][:k]
        hits = [h for h in wide if _passes(h, team, accept)]
        if len(hits) >= k:
            return hits[:k]
        window = self._window(team, where, accept)
        if window is not None:
            return self._nearest_among(vector[0], window, team=team, k=k)
        clauses: list[dict[str, Any]] = [{"team": team}, *([where] if where else [])]
        flt = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        return self._query(vector, n=k, where=flt, team=team)

    def _window(
        self,
        team: str,
        where: dict[str, Any] | None,
        accept: Callable[[dict[str, Any]], bool] | None,
    ) -> list[str] | None:
        """The team's documents passing a time-window filter, when there are few enough to
        compare with the question one by one (the filter names a time range)."""
        lo, hi = _time_range(where)
        if lo is None and hi is None:
            return None
        ids = self.lexical.ids_between(team, lo or -math.inf, hi or math.inf)
        if ids is None or len(ids) > WINDOW_DOCS:
            return None
        keep = []
        for doc_id in ids:
            meta = self.lexical.meta(team, doc_id)
            if meta is not None and (accept is None or accept(meta)):
                keep.append(doc_id)
        return keep

    def _nearest_among(
        self, vector: list[float], ids: list[str], *, team: str, k: int
    ) -> list[Hit]:
        """Exact cosine ranking of `ids` (what Chroma's filtered query computes)."""
        if not ids:
            return []
        got = self._collection.get(ids=ids, include=["embeddings"])
        found = list(got["ids"])
        matrix = np.asarray(got["embeddings"], dtype=np.float64)
        if not found or matrix.ndim != 2:
            return []
        query = np.asarray(vector, dtype=np.float64)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        sims = (matrix @ query) / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-sims, kind="stable")[:k]
        hits = []
        for i in order.tolist():
            meta = dict(self.lexical.meta(team, found[i]) or {})
            text = str(meta.pop("_text", ""))
            sim = float(sims[i])
            hits.append(Hit(found[i], text, meta, sim, similarity=sim))
        return hits

    def _chroma_query(self, vector: list[list[float]], *, n: int, where: Any) -> Any:
        """Chroma's nearest ids and distances. A Chroma server under concurrent writes can fail
        a query once with an internal error while a segment is being flushed ("Error creating
        hnsw segment reader: Nothing found on disk", seen under load at scale): one retry after
        a moment; a second failure is the index being unavailable (503), never a bare 500."""
        from chromadb.errors import ChromaError

        for attempt in range(2):
            try:
                return self._collection.query(
                    query_embeddings=vector,  # type: ignore[arg-type]
                    n_results=n,
                    where=where,
                    include=["distances"],
                )
            except ChromaError as exc:
                if attempt == 1:
                    raise IndexUnavailable(
                        f"The vector index could not answer a query ({exc}); try again."
                    ) from exc
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def _query(self, vector: list[list[float]], *, n: int, where: Any, team: str) -> list[Hit]:
        # Only ids and distances from Chroma: the team's texts and metadata are in memory (BM25
        # keeps them), and reading them from Chroma took most of a query (10 of 14 ms).
        result = self._chroma_query(vector, n=n, where=where)
        ids = result["ids"][0]
        metas: dict[str, dict[str, Any]] = {}
        for doc_id in ids:
            known = self.lexical.meta(team, doc_id)
            if known is not None:
                metas[doc_id] = known
        missing = [i for i in ids if i not in metas]  # another team's, or written just now
        if missing:
            got = self._collection.get(ids=missing, include=["documents", "metadatas"])
            for doc_id, text, meta in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False
            ):
                metas[doc_id] = {**(meta or {}), "_text": text or ""}
        hits: list[Hit] = []
        for doc_id, dist in zip(ids, (result["distances"] or [[]])[0], strict=True):
            meta = dict(metas.get(doc_id, {}))
            text = str(meta.pop("_text", ""))
            sim = 1.0 - float(dist)
            hits.append(Hit(doc_id, text, meta, sim, similarity=sim))
        return hits

    def lexical_search(
        self,
        query: str,
        *,
        team: str,
        accept: Callable[[dict[str, Any]], bool] | None = None,
        k: int = 40,
    ) -> list[Hit]:
        self._ensure_lexical(team)
        return [
            Hit(doc_id, str(meta.get("_text", "")), meta, score)
            for doc_id, score, meta in self.lexical.search(team, query, k=k, accept=accept)
        ]

    def texts(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(ids)
        if not ids:
            return {}
        got = self._collection.get(ids=ids, include=["documents"])
        return dict(zip(got["ids"], [t or "" for t in got["documents"] or []], strict=False))


def _release_freed_memory() -> None:
    """Hand freed heap back to the OS (glibc keeps it otherwise) after a large load."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _time_range(where: dict[str, Any] | None) -> tuple[float | None, float | None]:
    """The recorded_ts bounds a `where` of `search.retrieve` sets (None: unbounded)."""
    lo = hi = None
    clauses = (where or {}).get("$and", [where] if where else [])
    for clause in clauses:
        bound = clause.get("recorded_ts") if isinstance(clause, dict) else None
        if isinstance(bound, dict):
            lo = float(bound["$gte"]) if "$gte" in bound else lo
            hi = float(bound["$lte"]) if "$lte" in bound else hi
    return lo, hi


def _passes(hit: Hit, team: str, accept: Callable[[dict[str, Any]], bool] | None) -> bool:
    return hit.metadata.get("team") == team and (accept is None or accept(hit.metadata))
