"""The plain vector-RAG baseline: raw wrap texts in a Chroma collection, top-k by similarity
(team and time filtered), and the answer is the top passages as they are."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any


class VectorBaseline:
    def __init__(self, embedder: Any, *, k: int = 3) -> None:
        import chromadb
        from chromadb.config import Settings

        self.embedder = embedder
        self.k = k
        client = chromadb.EphemeralClient(settings=Settings(anonymized_telemetry=False))
        self.collection = client.create_collection(
            f"baseline_{uuid.uuid4().hex[:8]}",
            metadata={"hnsw:space": "cosine"},
            embedding_function=None,
        )

    def add(self, rows: list[dict[str, Any]]) -> None:
        texts = [r["text"] for r in rows]
        self.collection.add(
            ids=[str(r.get("id") or i) for i, r in enumerate(rows)],
            documents=texts,
            embeddings=self.embedder.embed(texts),
            metadatas=[
                {
                    "team": r.get("team") or "default",
                    "ts": datetime.fromisoformat(r["recorded_at"]).timestamp()
                    if r.get("recorded_at")
                    else 0.0,
                }
                for r in rows
            ],
        )

    def answer(self, question: str, *, team: str, as_of: datetime | None) -> tuple[str, list[str]]:
        """(answer = top-k passages joined, the top five passages for recall@5)."""
        where: dict[str, Any] = {"team": team}
        if as_of is not None:
            where = {"$and": [{"team": team}, {"ts": {"$lte": as_of.timestamp()}}]}
        got = self.collection.query(
            query_embeddings=self.embedder.embed([question]), n_results=5, where=where
        )
        docs = [d or "" for d in (got["documents"] or [[]])[0]]
        return " ".join(docs[: self.k]), docs
