"""One entry point from a file to a transcript, whatever the file is.

The type is decided from the content, never the file name: media (by its container signature)
goes to `ingest.media` and a speech recognizer, a Slack export (zip or folder) and chat logs to
`ingest.chat`, anything else that is UTF-8 text is a typed wrap (Markdown is flattened first).
The one exception is headerless PCM (`.raw`/`.pcm`), which has no signature to sniff.

`check_media` is the cheap half for upload routes: it sniffs, probes and decodes once to nothing
(no recognition, no audio kept), so bad media is refused with its error before anything is stored.

Nothing here reads settings: the caller passes the limits and the speech engine (`api.wiring.asr`
builds both from settings). Without an engine, a clip goes to `auto` with its default options.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from handoff.progress import Progress, quiet
from ingest.archive import ExportLimits, check_zip_entries
from ingest.asr.base import Hints, Transcriber
from ingest.asr.registry import EngineOptions, make_transcriber
from ingest.chat import (
    ChatOptions,
    is_slack_export,
    load_chat_log,
    load_slack_export,
    looks_like_chat_log,
)
from ingest.errors import SilentMedia, TextTooLong, UnsupportedInput
from ingest.media import MediaInfo, load_audio, probe, screen, sniff_media
from ingest.text import transcript_from_text
from ingest.transcript import Transcript


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """The longest clip (seconds) and largest file (bytes) accepted; None: no bound."""

    max_seconds: float | None = None
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class TextLimits:
    """The longest text wrap (characters) and what a chat export or log may hold."""

    max_chars: int | None = None
    export: ExportLimits = field(default_factory=ExportLimits)


def read_bounded_text(path: Path, limits: TextLimits, *, kind: str) -> str:
    """A text wrap or chat log's text, refused past its limit; a file far too large is refused
    by its size, unread (a character is at most 4 bytes of UTF-8)."""
    size = path.stat().st_size
    if kind == "chat":
        cap = limits.export.max_bytes
        if cap is not None and size > cap:
            raise TextTooLong(
                f"{path.name} is larger than {cap:,} bytes (HANDOFF_MAX_EXPORT_BYTES)."
            )
        return read_text_file(path) or ""
    chars = limits.max_chars
    text = read_text_file(path) if chars is None or size <= 4 * chars else None
    if chars is not None and (text is None or len(text) > chars):
        raise TextTooLong(
            f"{path.name} is longer than {chars:,} characters (HANDOFF_MAX_TEXT_CHARS)."
        )
    return text or ""


def read_text_file(path: Path) -> str | None:
    """The file's text when it is UTF-8 text, else None."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


SNIFF_BYTES = 256 * 1024
"""How much of a text file is read to tell a wrap from a chat log (the first 400 lines decide)."""


def _text_head(path: Path) -> str | None:
    """The start of the file as text when it is UTF-8, else None; never the whole of a large
    file (a multi-byte character cut at the end is left out, not an error)."""
    with path.open("rb") as fh:
        data = fh.read(SNIFF_BYTES + 1)
    if b"\x00" in data[:8192]:
        return None
    whole = len(data) <= SNIFF_BYTES
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(data[:SNIFF_BYTES], final=whole)
    except UnicodeDecodeError:
        return None


def detect_kind(path: Path) -> str:
    """'media', 'slack', 'chat' or 'text' — from the content; raises UnsupportedInput otherwise."""
    if not path.exists():
        raise UnsupportedInput(f"No such file: {path}.")
    if path.is_dir():
        if is_slack_export(path):
            return "slack"
        raise UnsupportedInput(f"{path} is a folder, not a wrap, clip or Slack export.")
    with path.open("rb") as fh:
        head = fh.read(64)
    if not head:
        raise UnsupportedInput(f"{path.name} is empty.")
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        if is_slack_export(path):
            return "slack"
        raise UnsupportedInput(f"{path.name} is a zip file but not a Slack export.")
    if sniff_media(head, name=path.name):
        return "media"
    text = _text_head(path)
    if text is None:
        raise UnsupportedInput(
            f"{path.name} is not a clip, chat export or text wrap that handoff can read."
        )
    if not text.strip():
        raise UnsupportedInput(f"{path.name} is empty.")
    return "chat" if looks_like_chat_log(text) else "text"


def check_media(path: Path, *, limits: MediaLimits = MediaLimits()) -> MediaInfo:
    """Refuse a clip that cannot be used (no audio, corrupt, truncated, silent, too long or too
    large) before it is stored: a probe, then one bounded decode to nothing (`media.screen`)."""
    kind = detect_kind(path)
    if kind != "media":
        raise UnsupportedInput(f"{path.name} is not an audio or video file.")
    info = probe(path, max_seconds=limits.max_seconds, max_bytes=limits.max_bytes)
    screen(path, info, max_seconds=limits.max_seconds)
    return info


def load_transcript(
    path: Path,
    *,
    limits: MediaLimits = MediaLimits(),
    text_limits: TextLimits = TextLimits(),
    progress: Progress = quiet,
    hints: Hints = Hints(),
    chat: ChatOptions | None = None,
    audio_cache: Path | None = None,
    transcriber: Transcriber | None = None,
) -> Transcript:
    """The transcript of a clip, chat export or wrap.

    `limits` bound the clip and `text_limits` a wrap, chat log or export; `transcriber` hears
    a clip (`auto` when None); `hints` is the team vocabulary for the recognizer; `chat`
    chooses a channel and time range; `audio_cache` keeps the decoded audio for reuse.
    """
    if path.is_file():
        check_zip_entries(path, text_limits.export)  # before anything parses a zip's directory
    kind = detect_kind(path)
    if kind == "slack":
        progress("import", 0.5)
        return load_slack_export(path, chat, text_limits.export)
    if kind == "media":
        return _transcribe_media(
            path,
            limits=limits,
            progress=progress,
            hints=hints,
            audio_cache=audio_cache,
            transcriber=transcriber,
        )
    text = read_bounded_text(path, text_limits, kind=kind)
    progress("transcribe", 1.0)
    if kind == "chat":
        return load_chat_log(text, chat, name=path.name, limits=text_limits.export)
    return transcript_from_text(markdown_to_text(text))


def _transcribe_media(
    path: Path,
    *,
    limits: MediaLimits,
    progress: Progress,
    hints: Hints,
    audio_cache: Path | None,
    transcriber: Transcriber | None,
) -> Transcript:
    progress("decode", 0.02)
    audio = load_audio(
        path,
        max_seconds=limits.max_seconds,
        max_bytes=limits.max_bytes,
        cache_dir=audio_cache,
    )
    engine = transcriber or make_transcriber("auto", EngineOptions())

    def scaled(stage: str, fraction: float) -> None:
        progress(stage, 0.05 + 0.8 * fraction)

    transcript = engine.transcribe(audio, hints=hints, progress=scaled)
    if not transcript.text.strip():
        raise SilentMedia(f"No speech was recognized in {path.name}.")
    return transcript


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")


def markdown_to_text(text: str) -> str:
    """Markdown notes as plain wrap text: headings become `Heading:` lines, markup goes."""
    if not re.search(r"^\s{0,3}#{1,6}\s|\*\*|\]\(|^\s*[-*]\s", text, re.MULTILINE):
        return text
    lines = []
    for line in text.splitlines():
        if m := _MD_HEADING.match(line):
            heading = m[1].rstrip(":")
            lines.append("")
            lines.append(f"{heading}:" if heading else "")
            continue
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines).strip()
