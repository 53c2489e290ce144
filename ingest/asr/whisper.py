"""The openai-whisper engine (`HANDOFF_ASR=whisper`).

The model is named by `HANDOFF_WHISPER_MODEL`: a name (`base.en`, ...) whose weights are already in
the download folder, or a checkpoint path. Nothing is downloaded here: a missing model is a
`RecognizerUnavailable` saying what to set. A model loads once per process.

With a team vocabulary, Whisper listens twice: a greedy pass with the team's glossary, then the
real one with a prompt of the terms the first came near (`ingest.asr.term_spotting`). The prompt
and the silence rule are shared with faster-whisper (`ingest.asr.whisper_common`), and so is the
choice of language (`ingest.asr.language`: English unless the hints say otherwise; `auto`
detects it once per clip).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from handoff.progress import Progress, quiet
from ingest.asr.base import Hints
from ingest.asr.chunking import speech_regions, transcript_from_channels
from ingest.asr.language import decode_language
from ingest.asr.term_spotting import FOCUS_TERMS, near_terms
from ingest.asr.vocab_text import apply_vocabulary
from ingest.asr.whisper_common import NO_SPEECH_MAX, prompt_for, segment_from
from ingest.errors import RecognizerUnavailable
from ingest.media import Audio
from ingest.transcript import Segment, Transcript

# Whisper's own fallback schedule, shortened: each step re-decodes a window that failed.
TEMPERATURES = (0.0, 0.4, 0.8)


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

    @property
    def multilingual(self) -> bool:
        """By the checkpoint's name (`base.en.pt` hears English only); the loaded model has the
        last word when a clip is transcribed."""
        return not Path(self.checkpoint).stem.endswith(".en")

    def transcribe(
        self, audio: Audio, *, hints: Hints = Hints(), progress: Progress = quiet
    ) -> Transcript:
        progress("load model", 0.05)
        model = _load_model(str(self.checkpoint))
        language = decode_language(
            hints.language, multilingual=model.is_multilingual, model=self.model, engine=self.name
        )
        count = _token_counter(model)
        prompt = prompt_for(hints, count=count)
        channels = audio.channels or [audio.samples]
        per_channel: list[list[Segment]] = []
        for ci, samples in enumerate(channels):
            samples = samples.astype(np.float32)
            progress("transcribe", 0.1 + 0.8 * ci / len(channels))
            focused = prompt
            if prompt is not None and self.focus_terms:
                focused, language = self._focus(model, samples, prompt, hints, count, language)
                progress("transcribe", 0.1 + 0.8 * (ci + 0.3) / len(channels))
            kept, language = self._listen(
                model, samples, focused, ci, len(channels) > 1, audio.duration_s, language
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

    def _focus(
        self,
        model: Any,
        samples: np.ndarray,
        prompt: str,
        hints: Hints,
        count: Callable[[str], int],
        language: str | None,
    ) -> tuple[str, str | None]:
        """A quick first listening (greedy, no word times) finds which terms to focus on: the
        prompt of the terms it came near (the whole glossary when it came near none), and the
        language (detected when `language` is None)."""
        first = model.transcribe(
            samples,
            language=language,
            initial_prompt=prompt,
            condition_on_previous_text=False,
            fp16=False,
            verbose=None,
            temperature=0.0,
        )
        near = near_terms(str(first["text"]), hints, self.focus_terms)
        return prompt_for(near, count=count) or prompt, language or first.get("language")

    def _listen(
        self,
        model: Any,
        samples: np.ndarray,
        prompt: str | None,
        channel: int,
        multi: bool,
        duration_s: float,
        language: str | None,
    ) -> tuple[list[Segment], str | None]:
        """The timed listening of one channel: temperature fallbacks, word times, and no text
        over silence; and the language it was heard in (detected when `language` is None)."""
        result = model.transcribe(
            samples,
            language=language,
            task="transcribe",
            word_timestamps=True,
            initial_prompt=prompt,
            condition_on_previous_text=False,
            fp16=False,
            verbose=None,
            no_speech_threshold=NO_SPEECH_MAX,
            temperature=self.temperatures,
        )
        regions = speech_regions(samples)
        kept = [
            seg
            for raw in result["segments"]
            if (seg := segment_from(raw, channel, multi, regions, duration_s))
        ]
        return kept, language or result.get("language")


def _token_counter(model: Any) -> Callable[[str], int]:
    """How many of the model's tokens a prompt text takes (the prompt has a token budget)."""
    from whisper.tokenizer import get_tokenizer

    tokenizer = get_tokenizer(
        model.is_multilingual,
        num_languages=model.num_languages,
        language="en",
        task="transcribe",
    )

    def count(text: str) -> int:
        return len(tokenizer.encode(" " + text))

    return count
