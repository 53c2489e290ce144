"""The openai-whisper engine, and what it shares with faster-whisper (`ingest.faster_whisper_asr`).

The model is named by `HANDOFF_WHISPER_MODEL`: a name (`base.en`, ...) whose weights are already in
the download folder, or a checkpoint path. Nothing is downloaded here: a missing model is a
`RecognizerUnavailable` saying what to set. A model loads once per process.

With a team vocabulary, Whisper listens twice: a greedy pass with the team's glossary, then the
real one with a prompt of the terms the first came near (`ingest.term_spotting`).

Whisper invents text over silence, so a segment is kept only when Whisper itself thinks it holds
speech (no-speech probability) and our energy detector finds speech under it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from handoff.progress import Progress
from ingest.errors import RecognizerUnavailable
from ingest.media import Audio
from ingest.speech import (
    Hints,
    Region,
    _quiet,
    channel_label,
    speech_regions,
    transcript_from_channels,
)
from ingest.term_spotting import FOCUS_TERMS, near_terms
from ingest.transcript import Segment, Transcript, Word
from ingest.vocab_text import apply_vocabulary

NO_SPEECH_MAX = 0.6
# Whisper's own fallback schedule, shortened: each step re-decodes a window that failed.
TEMPERATURES = (0.0, 0.4, 0.8)
MIN_SPEECH_OVERLAP = 0.2
LOGPROB_MIN = -1.0
# Whisper reads at most 223 prompt tokens (half its text context, less one). On the tune split's
# synthetic wraps (tiny.en), a 100-token glossary heard more of the team's terms than none or 40
# (recall 0.60 vs 0.54, 0.58) at the same WER; a 200-token one garbled speech (WER 0.20 vs 0.17).
PROMPT_TOKENS = 100


def _download_roots(cache_dir: Path | None) -> list[Path]:
    default = Path(os.getenv("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper"
    return [p for p in (cache_dir / "whisper" if cache_dir else None, default) if p is not None]


def _local_checkpoint(name: str, cache_dir: Path | None) -> Path | None:
    """The checkpoint for `name` on this machine (a path, or a downloaded named model)."""
    path = Path(name).expanduser()
    if path.is_file():
        return path
    import whisper

    url = whisper._MODELS.get(name)
    if url is None:
        return None
    for root in _download_roots(cache_dir):
        candidate = root / os.path.basename(url)
        if candidate.is_file():
            return candidate
    return None


def whisper_model_available(name: str, cache_dir: Path | None = None) -> bool:
    try:
        return _local_checkpoint(name, cache_dir) is not None
    except ImportError:
        return False


@lru_cache(maxsize=2)
def _load_model(checkpoint: str) -> Any:
    import gc
    import warnings

    import whisper
    from whisper.tokenizer import get_tokenizer

    try:
        model = whisper.load_model(checkpoint, device="cpu")
    except (RuntimeError, KeyError, ValueError, OSError) as exc:
        raise RecognizerUnavailable(
            f"HANDOFF_WHISPER_MODEL={checkpoint} is not a usable Whisper checkpoint."
        ) from exc
    # Whisper's tokenizer loader leaves its vocabulary file for the garbage collector; load the
    # (cached) tokenizer once here, where that ResourceWarning is expected and silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        get_tokenizer(
            model.is_multilingual,
            num_languages=model.num_languages,
            language="en",
            task="transcribe",
        )
        gc.collect()
    return model


def _resolve(name: str, cache_dir: Path | None) -> Path:
    try:
        import whisper
    except ImportError as exc:
        raise RecognizerUnavailable(
            "HANDOFF_ASR=whisper needs the openai-whisper package; pip install openai-whisper."
        ) from exc
    checkpoint = _local_checkpoint(name, cache_dir)
    if checkpoint is not None:
        return checkpoint
    if name in whisper._MODELS:
        raise RecognizerUnavailable(
            f"The Whisper model {name!r} is not on this machine; download it once, set "
            "HANDOFF_WHISPER_MODEL to a checkpoint path, or use HANDOFF_ASR=pocketsphinx."
        )
    raise RecognizerUnavailable(
        f"HANDOFF_WHISPER_MODEL={name!r} is neither a checkpoint file nor a Whisper model name "
        f"({', '.join(whisper.available_models())})."
    )


def _overlaps_speech(start: float, end: float, regions: Iterable[Region]) -> bool:
    length = max(end - start, 1e-3)
    covered = sum(max(0.0, min(end, r.end_s) - max(start, r.start_s)) for r in regions)
    return covered / length >= MIN_SPEECH_OVERLAP


def prompt_for(
    hints: Hints, *, count: Callable[[str], int] | None = None, budget: int = PROMPT_TOKENS
) -> str | None:
    """Whisper's initial prompt: a glossary of the team's words, people first (names are what
    Whisper cannot guess), then ticket prefixes and items. Whisper reads at most 223 tokens of
    prompt and drops the front of a longer one, and a long glossary makes a small model garble
    speech, so terms are added only while the prompt fits in `budget` tokens (`count` counts
    tokens; without it, about four characters make a token)."""
    terms = list(dict.fromkeys([*hints.people, *hints.prefixes, *hints.items, *hints.terms]))
    if not terms:
        return None
    size = count or (lambda text: len(text) // 4 + 1)
    chosen: list[str] = []
    for term in terms:
        if size(_glossary([*chosen, term])) > budget:
            break
        chosen.append(term)
    return _glossary(chosen) if chosen else None


def _glossary(terms: list[str]) -> str:
    return "Handoff notes. Glossary: " + ", ".join(terms) + "."


class WhisperTranscriber:
    name = "whisper"

    def __init__(
        self,
        model_name: str,
        *,
        cache_dir: Path | None = None,
        temperatures: tuple[float, ...] = TEMPERATURES,
        focus_terms: int = FOCUS_TERMS,
    ) -> None:
        self.checkpoint = _resolve(model_name, cache_dir)
        self.model: str | None = model_name
        self.temperatures = temperatures
        self.focus_terms = focus_terms

    def transcribe(
        self, audio: Audio, *, hints: Hints = Hints(), progress: Progress = _quiet
    ) -> Transcript:
        progress("load model", 0.05)
        model = _load_model(str(self.checkpoint))
        from whisper.tokenizer import get_tokenizer

        tokenizer = get_tokenizer(
            model.is_multilingual,
            num_languages=model.num_languages,
            language="en",
            task="transcribe",
        )

        def count(text: str) -> int:
            return len(tokenizer.encode(" " + text))

        prompt = prompt_for(hints, count=count)
        channels = audio.channels or [audio.samples]
        per_channel: list[list[Segment]] = []
        for ci, samples in enumerate(channels):
            samples = samples.astype(np.float32)
            progress("transcribe", 0.1 + 0.8 * ci / len(channels))
            focused = prompt
            if prompt is not None and self.focus_terms:
                # A quick first listening (greedy, no word times) finds which terms to focus on.
                first = model.transcribe(
                    samples,
                    language="en",
                    initial_prompt=prompt,
                    condition_on_previous_text=False,
                    fp16=False,
                    verbose=None,
                    temperature=0.0,
                )
                near = near_terms(str(first["text"]), hints, self.focus_terms)
                focused = prompt_for(near, count=count) or prompt
                progress("transcribe", 0.1 + 0.8 * (ci + 0.3) / len(channels))
            result = model.transcribe(
                samples,
                language="en",
                task="transcribe",
                word_timestamps=True,
                initial_prompt=focused,
                condition_on_previous_text=False,
                fp16=False,
                verbose=None,
                no_speech_threshold=NO_SPEECH_MAX,
                temperature=self.temperatures,
            )
            regions = speech_regions(samples)
            per_channel.append(
                [
                    seg
                    for raw in result["segments"]
                    if (seg := segment_from(raw, ci, len(channels) > 1, regions, audio.duration_s))
                ]
            )
        transcript = transcript_from_channels(
            per_channel, engine=self.name, model=self.model, duration_s=audio.duration_s
        )
        progress("transcribe", 1.0)
        return apply_vocabulary(transcript, hints)


def segment_from(
    raw: dict[str, Any], channel: int, multi: bool, regions: list[Region], duration: float
) -> Segment | None:
    """A Whisper segment as ours, or None when it is silence Whisper wrote words over: Whisper's
    own rule (likely no speech and a low average log-probability), or no speech under it by our
    energy detector."""
    text = str(raw.get("text", "")).strip()
    start = min(float(raw["start"]), duration)
    end = min(float(raw["end"]), duration)
    silent = float(raw.get("no_speech_prob", 0.0)) > NO_SPEECH_MAX
    if not text or (silent and float(raw.get("avg_logprob", LOGPROB_MIN - 1)) < LOGPROB_MIN):
        return None
    if not _overlaps_speech(start, end, regions):
        return None  # text over silence: Whisper's invention
    words = [
        Word(
            word=str(w["word"]).strip(),
            start_s=round(min(float(w["start"]), duration), 2),
            end_s=round(min(float(w["end"]), duration), 2),
            probability=round(float(w.get("probability", 0.0)), 3),
        )
        for w in raw.get("words") or []
        if str(w.get("word", "")).strip()
    ]
    return Segment(
        text=text,
        start_s=round(start, 2),
        end_s=round(end, 2),
        words=words,
        channel=channel if multi else None,
        speaker=channel_label(channel) if multi else None,
    )
