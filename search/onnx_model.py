"""A local sentence-transformers model (all-MiniLM-L6-v2 by default) run by ONNX Runtime.

The embedding model is most of the cost of indexing; ONNX Runtime runs the same weights ~2-3x
faster than torch on a small CPU, and int8 weights (per channel) ~2x faster again. The model is
exported once from the local files (no hub) with `torch.onnx.export`, checked against torch on a
few probe texts, and kept under the cache directory, keyed by the model files and the exporter
versions; later processes load it without importing torch at all.

Only what the offline models need is supported: a Transformer, mean or CLS pooling, optionally
normalized. Tokenization is the model's own `tokenizer.json` (the fast tokenizer
sentence-transformers uses), truncated at the model's `max_seq_length`, padded per batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

import numpy as np

from search.errors import EmbeddingsUnavailable

#: Bumped when the export itself changes, so old files are not reused.
EXPORT_VERSION = 1
OPSET = 17
#: Lowest cosine between torch and ONNX vectors of the probes an export must reach.
MIN_COSINE = {False: 0.9999, True: 0.97}
PROBES = [
    "Blocker: the VPN request needs IT",
    "Decision: move the billing migration to a queue. Retries are cheaper than locks.",
    "Shipped: auth token refresh",
    "Maya is back tomorrow 9am",
    "payments-retry: waiting on review of PR #412 (blocked)",
    "what's blocking auth?",
]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True, slots=True)
class Pipeline:
    """What sentence-transformers does around the transformer, read from the model's files."""

    max_seq_length: int
    pooling: Literal["mean", "cls"]
    normalize: bool


def read_pipeline(model_dir: Path) -> Pipeline:
    """The model's pooling and length; `EmbeddingsUnavailable` for what is not supported here."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        types = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
        pool_dir = next(m["path"] for m in modules if str(m["type"]).endswith("Pooling"))
        pooling = json.loads((model_dir / pool_dir / "config.json").read_text())
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text())
    except (OSError, KeyError, StopIteration, ValueError) as exc:
        raise EmbeddingsUnavailable(
            f"'{model_dir}' is not a local sentence-transformers model the ONNX backend can run "
            "(HANDOFF_EMBEDDINGS_BACKEND=torch runs any)."
        ) from exc
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    mode: Literal["mean", "cls"] | None = (
        "mean"
        if modes == {"pooling_mode_mean_tokens"}
        else "cls"
        if modes == {"pooling_mode_cls_token"}
        else None
    )
    shape_ok = types[:2] == ["Transformer", "Pooling"] and types[2:] in ([], ["Normalize"])
    if mode is None or not shape_ok:
        raise EmbeddingsUnavailable(
            f"The ONNX backend runs Transformer + mean/CLS pooling (+ Normalize) models, not "
            f"{types} {sorted(modes)}; use HANDOFF_EMBEDDINGS_BACKEND=torch."
        )
    return Pipeline(
        max_seq_length=int(st_config.get("max_seq_length") or 256),
        pooling=mode,
        normalize=types[2:] == ["Normalize"],
    )


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "-"


def export_key(model_dir: Path, *, quantize: bool) -> str:
    """Names one export: the model's files (name, size, mtime), the exporters, the options."""
    parts: list[str] = [f"v{EXPORT_VERSION}", f"opset{OPSET}", f"int8={quantize}"]
    parts += [f"{p}={_version(p)}" for p in ("torch", "transformers", "onnx", "onnxruntime")]
    for path in sorted(model_dir.rglob("*")):
        if path.is_file():
            st = path.stat()
            parts.append(f"{path.relative_to(model_dir)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def ensure_exported(model_dir: Path, cache_dir: Path, *, quantize: bool) -> Path:
    """The ONNX file for the model (int8 weights when `quantize`), exported on first use.

    Written under a temporary name and renamed, so processes exporting at once never see half a
    file; an export whose vectors drift from torch's is refused, not kept."""
    target = cache_dir / "onnx" / export_key(model_dir, quantize=quantize) / "model.onnx"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=target.parent))
    try:
        if quantize:  # from the (checked, kept) fp32 export
            out = work / "model.int8.onnx"
            _quantize(ensure_exported(model_dir, cache_dir, quantize=False), out)
        else:
            out = work / "model.fp32.onnx"
            _export_torch(model_dir, out)
        _check_fidelity(model_dir, out, MIN_COSINE[quantize])
        os.replace(out, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _export_torch(model_dir: Path, out: Path) -> None:
    """`torch.onnx.export` of the model's transformer (token embeddings out), from local files."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EmbeddingsUnavailable("Exporting to ONNX needs torch and transformers.") from exc

    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    names = [n for n in INPUTS if n in _forward_args(model)]
    dummy = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in names)

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(names, args, strict=True))).last_hidden_state

    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "token_embeddings"]}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes; fidelity is checked
            torch.onnx.export(
                TokenEmbeddings(model),
                dummy,
                str(out),
                dynamo=False,  # the TorchScript exporter: no onnxscript, same graph every time
                input_names=names,
                output_names=["token_embeddings"],
                dynamic_axes=axes,
                opset_version=OPSET,
                do_constant_folding=True,
            )
    except Exception as exc:
        raise EmbeddingsUnavailable(
            f"Exporting '{model_dir}' to ONNX failed ({exc.__class__.__name__}: {exc}); "
            "is the 'onnx' package installed? HANDOFF_EMBEDDINGS_BACKEND=torch needs no export."
        ) from exc


def _forward_args(model: Any) -> set[str]:
    import inspect

    return set(inspect.signature(model.forward).parameters)


def _quantize(fp32: Path, out: Path) -> None:
    """Dynamic int8 quantization of the weights, one scale per output channel (one scale per
    tensor costs MiniLM ~4% cosine; per channel, under 1%)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(fp32),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul"],
    )


def _check_fidelity(model_dir: Path, onnx_path: Path, minimum: float) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir), device="cpu").encode(
        PROBES, normalize_embeddings=True
    )
    ours = OnnxEncoder(model_dir, onnx_path, threads=1).encode(PROBES, normalize_embeddings=True)
    cosine = float(np.min(np.sum(reference * ours, axis=1)))
    if cosine < minimum:
        raise EmbeddingsUnavailable(
            f"The ONNX export of '{model_dir}' drifts from torch (cosine {cosine:.4f} < "
            f"{minimum}); use HANDOFF_EMBEDDINGS_BACKEND=torch."
        )


class OnnxEncoder:
    """`encode` as sentence-transformers has it (the part `SentenceTransformerEmbedder` uses),
    by ONNX Runtime. Thread-safe: an ONNX Runtime session runs concurrent calls, and the tokenizer
    is configured once here and only read after (a call that changed its padding or truncation
    would need it exclusively)."""

    thread_safe = True

    def __init__(self, model_dir: Path, onnx_path: Path, *, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.pipeline = read_pipeline(model_dir)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        padding = self._tokenizer.padding or {}
        # tokenizer.json may pad to a fixed 128 and cut at 128: pad per batch, cut where
        # sentence-transformers does.
        self._tokenizer.enable_padding(
            pad_id=int(padding.get("pad_id", 0)), pad_token=str(padding.get("pad_token", "[PAD]"))
        )
        self._tokenizer.enable_truncation(self.pipeline.max_seq_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Waiting threads sleep instead of spinning: on a shared, busy box spinning burns the
        # cores the other thread needs (measured: ~1.5x the texts per CPU-second without it).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._dimensions = int(self._session.get_outputs()[0].shape[-1])

    def get_sentence_embedding_dimension(self) -> int:
        return self._dimensions

    def encode(
        self,
        sentences: Sequence[str],
        *,
        batch_size: int = 32,
        normalize_embeddings: bool = False,
        show_progress_bar: bool = False,
    ) -> np.ndarray:
        del show_progress_bar
        out = np.zeros((len(sentences), self._dimensions), dtype=np.float32)
        for start in range(0, len(sentences), batch_size):
            encodings = self._tokenizer.encode_batch(list(sentences[start : start + batch_size]))
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
            tokens = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            out[start : start + len(encodings)] = self._pool(np.asarray(tokens[0]), mask)
        if normalize_embeddings or self.pipeline.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.maximum(norms, 1e-12)
        return out

    def _pool(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pipeline.pooling == "cls":
            return tokens[:, 0]
        weights = mask[..., None].astype(np.float32)
        return (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
