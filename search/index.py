"""The vector index: Chroma, at field granularity.

Each shipped entry, in-flight item, decision, blocker and next action of a published handoff is
one document, with metadata (team, handoff, author, time, kind) for filtering and citing. The
index is derived data: `rebuild` recreates it from the system of record, which always holds the
truth.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handoff.declaration import Declaration, Evidence
from search.embeddings import Embedder, get_embedder
from search.errors import IndexUnavailable

if TYPE_CHECKING:
    from handoff.settings import Settings
    from handoff.store import Handoff, HandoffStore

COLLECTION = "handoff_fields"


@dataclass(frozen=True, slots=True)
class FieldDoc:
    id: str
    text: str
    metadata: dict[str, str | int | float | bool]


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    text: str
    metadata: dict[str, Any]
    score: float


def _first(evidence: list[Evidence]) -> Evidence | None:
    return evidence[0] if evidence else None


def field_documents(handoff: Handoff) -> list[FieldDoc]:
    """The documents one published handoff contributes to the index."""
    decl: Declaration | None = handoff.declaration
    if decl is None:
        return []
    base: dict[str, str | int | float | bool] = {
        "team": handoff.team,
        "handoff_id": handoff.id,
        "author": handoff.author or "",
        "recorded_ts": handoff.recorded_at.timestamp() if handoff.recorded_at else 0.0,
        "recorded_at": handoff.recorded_at.isoformat() if handoff.recorded_at else "",
    }
    docs: list[FieldDoc] = []

    def add(kind: str, i: int, text: str, evidence: list[Evidence], **extra: Any) -> None:
        ev = _first(evidence)
        meta = dict(base, kind=kind, quote=ev.quote if ev else text)
        if ev and ev.start_s is not None:
            meta["start_s"] = float(ev.start_s)
        for key, value in extra.items():
            if value is not None:
                meta[key] = value
        docs.append(FieldDoc(id=f"{handoff.id}:{kind}:{i}", text=text, metadata=meta))

    for i, s in enumerate(decl.shipped):
        add("shipped", i, s.summary, s.evidence, refs=" ".join(s.refs))
    for i, f in enumerate(decl.in_flight):
        add("in_flight", i, f"{f.item}: {f.summary or ''} ({f.status})", f.evidence,
            item=f.item, status=f.status, owner=f.owner, refs=" ".join(f.refs))
    for i, d in enumerate(decl.decisions):
        add("decision", i, f"{d.decision}. {d.rationale or ''}", d.evidence, item=d.item,
            rationale=d.rationale)
    for i, b in enumerate(decl.blockers):
        add("blocker", i, b.description, b.evidence, item=b.item, needed_from=b.needed_from)
    for i, n in enumerate(decl.next_actions):
        add("next_action", i, n.action, n.evidence, item=n.item, owner=n.owner)
    if decl.returns_at:
        add("returns", 0, f"{handoff.author or 'The author'} is back {decl.returns_at}", [],
            returns_at=decl.returns_at,
            returns_at_iso=decl.returns_at_iso.isoformat() if decl.returns_at_iso else None)
    return docs


class FieldIndex:
    """A Chroma collection of field documents with our own embeddings."""

    def __init__(self, client: Any, embedder: Embedder) -> None:
        self._client = client
        self.embedder = embedder
        self._collection = client.get_or_create_collection(
            COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def add_handoff(self, handoff: Handoff) -> int:
        self.remove_handoff(handoff.id)
        return self.add_documents(field_documents(handoff))

    def add_documents(self, docs: list[FieldDoc]) -> int:
        if not docs:
            return 0
        vectors = self.embedder.embed([d.text for d in docs])
        self._collection.upsert(
            ids=[d.id for d in docs],
            documents=[d.text for d in docs],
            metadatas=[d.metadata for d in docs],  # type: ignore[arg-type]
            embeddings=vectors,  # type: ignore[arg-type]
        )
        return len(docs)

    def remove_handoff(self, handoff_id: str) -> None:
        self._collection.delete(where={"handoff_id": handoff_id})

    def search(
        self, query: str, *, team: str, as_of_ts: float | None = None, k: int = 10
    ) -> list[Hit]:
        where: dict[str, Any] = {"team": team}
        if as_of_ts is not None:
            where = {"$and": [{"team": team}, {"recorded_ts": {"$lte": as_of_ts}}]}
        result = self._collection.query(
            query_embeddings=self.embedder.embed([query]),  # type: ignore[arg-type]
            n_results=k,
            where=where,
        )
        hits: list[Hit] = []
        for doc_id, text, meta, dist in zip(
            result["ids"][0],
            (result["documents"] or [[]])[0],
            (result["metadatas"] or [[]])[0],
            (result["distances"] or [[]])[0],
            strict=True,
        ):
            hits.append(Hit(id=doc_id, text=text or "", metadata=dict(meta or {}), score=1 - dist))
        return hits

    def count(self) -> int:
        return int(self._collection.count())

    def clear(self, *, team: str | None = None) -> None:
        if team is None:
            self._client.delete_collection(COLLECTION)
            self._collection = self._client.get_or_create_collection(
                COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        else:
            self._collection.delete(where={"team": team})

    def rebuild(self, store: HandoffStore, *, team: str | None = None) -> int:
        self.clear(team=team)
        count = 0
        batch: list[FieldDoc] = []
        for handoff in store.iter_published(team=team):
            batch.extend(field_documents(handoff))
            count += 1
            if len(batch) >= 256:
                self.add_documents(batch)
                batch = []
        self.add_documents(batch)
        return count


def chroma_client(settings: Settings) -> Any:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    except Exception as exc:
        where = settings.chroma_url or str(settings.index_dir)
        raise IndexUnavailable(f"Cannot open the search index at {where} (HANDOFF_CHROMA_URL).") from exc


def open_index(settings: Settings) -> FieldIndex:
    api_key = os.environ.get("OPENAI_API_KEY")
    embedder = get_embedder(settings.embeddings, base_url=settings.embeddings_base_url, api_key=api_key)
    return FieldIndex(chroma_client(settings), embedder)


def iter_texts(docs: Iterable[FieldDoc]) -> list[str]:
    return [d.text for d in docs]
