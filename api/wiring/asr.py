"""Speech recognition from settings: which engine `HANDOFF_ASR` names, configured by the rest.

`ingest` takes explicit options and never reads settings; this module is where they meet:

- `HANDOFF_ASR` names the engine (`auto`, `whisper`, `pocketsphinx`, `faster-whisper`); a
  command's `--asr` overrides it for one call;
- `HANDOFF_WHISPER_MODEL` is the Whisper weights both Whisper engines look for;
- what engines derive or find on disk goes under `HANDOFF_HOME`'s cache, in `asr/`;
- `HANDOFF_MAX_MEDIA_SECONDS` and `HANDOFF_MAX_UPLOAD_BYTES` bound what is probed and decoded;
  `HANDOFF_MAX_TEXT_CHARS`, `HANDOFF_MAX_CHAT_MESSAGES` and `HANDOFF_MAX_EXPORT_*` what a text
  wrap, chat log or export may hold.
"""

from __future__ import annotations

from handoff.settings import Settings
from ingest.archive import ExportLimits
from ingest.asr.base import Transcriber
from ingest.asr.registry import EngineOptions, make_transcriber
from ingest.loader import MediaLimits, TextLimits


def engine_options(settings: Settings) -> EngineOptions:
    """The options every engine is built with, from settings."""
    return EngineOptions(whisper_model=settings.whisper_model, cache_dir=settings.cache_dir / "asr")


def build_transcriber(settings: Settings, *, engine: str | None = None) -> Transcriber:
    """The speech engine `engine` names (default: `HANDOFF_ASR`), configured from settings. An
    engine keeps its models and decoder processes once loaded, so callers keep it too
    (`Services.transcriber`)."""
    return make_transcriber(engine or settings.asr, engine_options(settings))


def media_limits(settings: Settings) -> MediaLimits:
    """The longest clip and largest file settings accept."""
    return MediaLimits(max_seconds=settings.max_media_seconds, max_bytes=settings.max_upload_bytes)


def text_limits(settings: Settings) -> TextLimits:
    """The longest text wrap and what a chat log or export may hold (see `ingest.archive`)."""
    return TextLimits(
        max_chars=settings.max_text_chars,
        export=ExportLimits(
            max_bytes=settings.max_export_bytes,
            max_ratio=settings.max_export_ratio,
            max_files=settings.max_export_files,
            max_messages=settings.max_chat_messages,
        ),
    )
