"""The ONNX backend: exported offline from the local MiniLM, the same vectors as torch, chosen by
HANDOFF_EMBEDDINGS_BACKEND, and torch when ONNX cannot run a model."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.wiring.embeddings import build_embedder
from search.embeddings import load_local, minilm_path
from search.errors import EmbeddingsUnavailable
from search.onnx_model import OnnxEncoder, ensure_exported, read_pipeline

TEXTS = [
    "Blocker: access to the billing bucket needs Omar",
    "Decision: keep sliding sessions. Cheaper than re-login.",
    "Next: ping James if no review by his shift end",
    "Maya is back tomorrow 9am SGT",
    "auth-session-refresh: token refresh logic (in_progress)",
    "x",
    "a long transcript chunk " * 40,  # past max_seq_length: truncated the same way
]


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(minilm_path(), device="cpu")
    return np.asarray(model.encode(TEXTS, normalize_embeddings=True))


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(np.asarray(a) * np.asarray(b), axis=1)


def test_fp32_export_matches_torch_and_is_kept(model_cache: Path, torch_vectors: Any) -> None:
    model_dir = Path(minilm_path())
    path = ensure_exported(model_dir, model_cache, quantize=False)
    assert path.is_file() and path.is_relative_to(model_cache / "onnx")
    stamp = path.stat().st_mtime_ns
    assert ensure_exported(model_dir, model_cache, quantize=False) == path  # not exported again
    assert path.stat().st_mtime_ns == stamp
    assert not [p for p in path.parent.iterdir() if p.name != "model.onnx"]  # no leftovers

    encoder = OnnxEncoder(model_dir, path, threads=1)
    vectors = encoder.encode(TEXTS, batch_size=3, normalize_embeddings=True)
    assert vectors.shape == (len(TEXTS), 384)
    assert _cosines(vectors, torch_vectors).min() > 0.9999
    # Batching and padding do not change a text's vector.
    alone = encoder.encode(TEXTS[:1], normalize_embeddings=True)
    assert _cosines(alone, vectors[:1]).min() > 0.99999


def test_int8_export_is_close_to_torch(model_cache: Path, torch_vectors: Any) -> None:
    model_dir = Path(minilm_path())
    path = ensure_exported(model_dir, model_cache, quantize=True)
    fp32 = ensure_exported(model_dir, model_cache, quantize=False)
    assert path != fp32
    # The layers' weights are int8 (the word embeddings stay fp32): ~59 MB against ~90 MB.
    assert path.stat().st_size < 0.7 * fp32.stat().st_size
    vectors = OnnxEncoder(model_dir, path, threads=1).encode(TEXTS, normalize_embeddings=True)
    assert _cosines(vectors, torch_vectors).min() > 0.97


def test_the_setting_chooses_the_backend(
    monkeypatch: pytest.MonkeyPatch, model_cache: Path, torch_vectors: Any
) -> None:
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_MODEL_CACHE", str(model_cache))
    monkeypatch.setenv("HANDOFF_EMBEDDINGS_BACKEND", "onnx")
    get_settings.cache_clear()
    onnx = build_embedder(get_settings())
    assert isinstance(onnx._model, OnnxEncoder)  # type: ignore[attr-defined]
    assert onnx.dimensions == 384
    assert _cosines(np.asarray(onnx.embed(TEXTS[:3])), torch_vectors[:3]).min() > 0.9999

    monkeypatch.setenv("HANDOFF_EMBEDDINGS_BACKEND", "torch")
    get_settings.cache_clear()
    torch = build_embedder(get_settings())
    assert type(torch._model).__name__ == "SentenceTransformer"  # type: ignore[attr-defined]


def test_default_backend_is_onnx(home: Path) -> None:
    from handoff.settings import get_settings

    assert get_settings().embeddings_backend == "onnx"


def test_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from handoff.settings import Settings

    monkeypatch.setenv("HANDOFF_EMBEDDINGS_BACKEND", "tensorrt")
    with pytest.raises(ValidationError):
        Settings()


def _model_with_max_pooling(tmp_path: Path) -> Path:
    """The MiniLM files (linked) with max pooling, which the ONNX path does not run."""
    source = Path(minilm_path())
    copy = tmp_path / "max-pooled"
    shutil.copytree(source, copy, copy_function=lambda s, d: Path(d).symlink_to(s))
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.unlink()
    config.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    pooling.write_text(json.dumps(config))
    return copy


def test_unsupported_model_runs_on_torch(
    tmp_path: Path, model_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model_dir = _model_with_max_pooling(tmp_path)
    with pytest.raises(EmbeddingsUnavailable, match="torch"):
        read_pipeline(model_dir)
    with caplog.at_level(logging.WARNING, logger="search.embeddings"):
        embedder = load_local(str(model_dir), backend="onnx", cache_dir=model_cache)
    assert type(embedder._model).__name__ == "SentenceTransformer"
    assert "torch" in caplog.text
    assert not list(model_cache.glob("onnx/*/export-*"))


def test_encoder_runs_two_threads_at_once(model_cache: Path) -> None:
    """The ledger and the indexer call the model together during a bulk import (no lock)."""
    from concurrent.futures import ThreadPoolExecutor

    model_dir = Path(minilm_path())
    encoder = OnnxEncoder(model_dir, ensure_exported(model_dir, model_cache, quantize=False))
    alone = encoder.encode(TEXTS, batch_size=2, normalize_embeddings=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(
            pool.map(
                lambda _: encoder.encode(TEXTS, batch_size=2, normalize_embeddings=True), range(8)
            )
        )
    for vectors in runs:
        assert np.allclose(vectors, alone, atol=1e-5)
