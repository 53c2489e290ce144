"""Cutting a recording at its quiet points, and putting per-channel results back together.

Engines that decode utterance by utterance (pocketsphinx) spread the stretches over cores; the
Whisper engines use the same stretches to drop text written over silence. Segment times stay
absolute: a stretch knows where it started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.media import SAMPLE_RATE, frame_energy_db
from ingest.transcript import Segment, Transcript


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
    per_channel: Sequence[list[Segment]],
    *,
    engine: str,
    model: str | None,
    duration_s: float,
    language: str | None = "en",
    language_requested: str | None = None,
) -> Transcript:
    """Merge per-channel segments by time; each keeps its channel (and a speaker label).
    `language` is what the clip was heard in, `language_requested` what was asked for (a code,
    `auto`, or None for the default)."""
    merged = sorted((seg for segs in per_channel for seg in segs), key=lambda s: s.start_s or 0.0)
    return Transcript.from_segments(
        merged,
        engine=engine,
        model=model,
        duration_s=duration_s,
        source_kind="media",
        language=language,
        language_requested=language_requested,
    )
