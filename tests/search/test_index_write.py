"""Bulk writes: a batch is written while the next is embedded, and every document lands with its
own vector, in Chroma and in BM25."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import chromadb
import numpy as np
import pytest

import search.index
from search.index import FieldDoc, FieldIndex


class HashEmbedder:
    """A distinct, repeatable unit vector per text; records the batches it was asked."""

    name = "hash"
    dimensions = 8

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        out = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
            vec = np.random.default_rng(seed).normal(size=self.dimensions)
            out.append((vec / np.linalg.norm(vec)).tolist())
        return out


def _docs(n: int) -> list[FieldDoc]:
    return [
        FieldDoc(
            id=f"h{i // 3}:next_actions[{i % 3}]",
            text=f"Next: step {i} of the rollout",
            metadata={"team": "core", "handoff_id": f"h{i // 3}", "kind": "next_action"},
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [0, 2, 10])
def test_batched_write_keeps_every_document_with_its_vector(
    monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    monkeypatch.setattr(search.index, "ADD_BATCH", 3)
    embedder = HashEmbedder()
    index = FieldIndex(chromadb.EphemeralClient(), embedder)
    index.clear()  # the in-memory client is shared within the process
    index.lexical.load("core", [])  # loaded: writes keep BM25 in step
    docs = _docs(n)

    assert index.add_documents(docs) == n

    assert embedder.calls == [3] * (n // 3) + ([n % 3] if n % 3 else [])
    assert index.count() == n
    if n:
        got = index._collection.get(ids=[d.id for d in docs], include=["embeddings"])
        stored = dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
        expected = embedder.embed([d.text for d in docs])
        for doc, vec in zip(docs, expected, strict=True):
            assert np.allclose(stored[doc.id], vec, atol=1e-6)
    hits = index.lexical.search("core", "step 7 rollout", k=n or 1)
    assert {h[0] for h in hits} == {d.id for d in docs}


class FlakyCollection:
    """The real collection, whose next `fail` queries raise the Chroma server's internal error
    seen under load (a segment being flushed), to check how the index meets it."""

    def __init__(self, real: object, fail: int) -> None:
        self.real, self.fail = real, fail

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def query(self, **kwargs: object) -> object:
        if self.fail > 0:
            from chromadb.errors import InternalError

            self.fail -= 1
            raise InternalError("Error creating hnsw segment reader: Nothing found on disk")
        return self.real.query(**kwargs)  # type: ignore[attr-defined]


@pytest.mark.parametrize("failures", [1, 2])
def test_a_chroma_internal_error_is_retried_once_then_reported_as_unavailable(
    failures: int,
) -> None:
    from search.errors import IndexUnavailable

    index = FieldIndex(chromadb.EphemeralClient(), HashEmbedder())
    index.clear()
    index.lexical.load("core", [])
    index.add_documents(_docs(6))
    index._collection = FlakyCollection(index._collection, failures)  # type: ignore[assignment]
    if failures == 1:
        hits = index.vector_search("Next: step 4 of the rollout", team="core", k=3)
        assert hits and hits[0].id == "h1:next_actions[1]"
    else:
        with pytest.raises(IndexUnavailable, match="try again"):
            index.vector_search("Next: step 4 of the rollout", team="core", k=3)
