"""Speech recognition from settings: which engine `HANDOFF_ASR` names, configured by the rest.

`ingest` takes explicit options and never reads settings; this module is where they meet:

- `HANDOFF_ASR` names the engine (`auto`, `whisper`, `pocketsphinx`, `faster-whisper`); a
  command's `--asr` overrides it for one call;
- `HANDOFF_WHISPER_MODEL` is the Whisper weights both Whisper engines look for; `base` (or
  `whisper-base`) also means the multilingual base that `handoff models pull whisper-base` puts
  in `HANDOFF_MODEL_CACHE`, which faster-whisper runs (and `auto` prefers) once it is there;
- what engines derive or find on disk goes under `HANDOFF_HOME`'s cache, in `asr/`;
- `HANDOFF_MAX_MEDIA_SECONDS` and `HANDOFF_MAX_UPLOAD_BYTES` bound what is probed and decoded;
  `HANDOFF_MAX_TEXT_CHARS`, `HANDOFF_MAX_CHAT_MESSAGES` and `HANDOFF_MAX_EXPORT_*` what a text
  wrap, chat log or export may hold.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from api.wiring.models import model_path
from handoff.settings import Settings
from ingest.archive import ExportLimits
from ingest.asr.base import Transcriber
from ingest.asr.registry import EngineOptions, make_transcriber
from ingest.loader import MediaLimits, TextLimits

log = logging.getLogger(__name__)

#: `HANDOFF_WHISPER_MODEL` values that mean a model `handoff models pull` installs: (the name
#: openai-whisper and the Hugging Face cache know it by, its name in the model manifest).
PULLED_WHISPER: dict[str, tuple[str, str]] = {
    "base": ("base", "whisper-base"),
    "whisper-base": ("base", "whisper-base"),
}


def engine_options(settings: Settings) -> EngineOptions:
    """The options every engine is built with, from settings."""
    name, folder = whisper_model(settings)
    return EngineOptions(
        whisper_model=name, whisper_folder=folder, cache_dir=settings.cache_dir / "asr"
    )


def whisper_model(settings: Settings) -> tuple[str, Path | None]:
    """`HANDOFF_WHISPER_MODEL` as (the model name or path both engines look for, the pulled
    folder faster-whisper runs or None). A model meant to be pulled but not pulled yet is
    warned about once, with the command that fetches it."""
    pulled = PULLED_WHISPER.get(settings.whisper_model.strip())
    if pulled is None:
        return settings.whisper_model, None
    name, manifest_name = pulled
    folder = model_path(manifest_name, settings.model_cache)
    if folder is None:
        _warn_not_pulled(settings.whisper_model, manifest_name, settings.model_cache)
    return name, folder


@cache
def _warn_not_pulled(setting: str, manifest_name: str, cache_dir: Path) -> None:
    log.warning(
        "HANDOFF_WHISPER_MODEL=%s is not in the model cache (%s); run `handoff models pull %s` "
        "(until then the recognizer uses another model it finds on this machine).",
        setting,
        cache_dir,
        manifest_name,
    )


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
