"""One entry point from a file to a transcript, whatever the file is.

The type is decided from the content, never the file name: media (by its container signature)
goes to `ingest.media` and a speech recognizer, a Slack export (zip or folder) and chat logs to
`ingest.chat`, anything else that is UTF-8 text is a typed wrap (Markdown is flattened first).
The one exception is headerless PCM (`.raw`/`.pcm`), which has no signature to sniff.

`check_media` is the cheap half for upload routes: it sniffs and probes (no decoding), so bad
media is refused with its error before a job is queued.

Nothing here reads settings: the caller passes the limits and the speech engine (`api.wiring.asr`
builds both from settings). Without an engine, a clip goes to `auto` with its default options.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from handoff.progress import Progress, quiet
from ingest.asr.base import Hints, Transcriber
from ingest.asr.registry import EngineOptions, make_transcriber
from ingest.chat import (
    ChatOptions,
    is_slack_export,
    load_chat_log,
    load_slack_export,
    looks_like_chat_log,
)
from ingest.errors import SilentMedia, UnsupportedInput
from ingest.media import MediaInfo, load_audio, probe, sniff_media
from ingest.text import transcript_from_text
from ingest.transcript import Transcript


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """The longest clip (seconds) and largest file (bytes) accepted; None: no bound."""

    max_seconds: float | None = None
    max_bytes: int | None = None


def read_text_file(path: Path) -> str | None:
    """The file's text when it is UTF-8 text, else None."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
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
    text = read_text_file(path)
    if text is None:
        raise UnsupportedInput(
            f"{path.name} is not a clip, chat export or text wrap that handoff can read."
        )
    if not text.strip():
        raise UnsupportedInput(f"{path.name} is empty.")
    return "chat" if looks_like_chat_log(text) else "text"


def check_media(path: Path, *, limits: MediaLimits = MediaLimits()) -> MediaInfo:
    """Refuse a clip that cannot be used (no audio, corrupt, too long or too large), cheaply."""
    kind = detect_kind(path)
    if kind != "media":
        raise UnsupportedInput(f"{path.name} is not an audio or video file.")
    return probe(path, max_seconds=limits.max_seconds, max_bytes=limits.max_bytes)


def load_transcript(
    path: Path,
    *,
    limits: MediaLimits = MediaLimits(),
    progress: Progress = quiet,
    hints: Hints = Hints(),
    chat: ChatOptions | None = None,
    audio_cache: Path | None = None,
    transcriber: Transcriber | None = None,
) -> Transcript:
    """The transcript of a clip, chat export or wrap.

    `limits` bound the clip; `transcriber` hears it (`auto` when None); `hints` is the team
    vocabulary for the recognizer; `chat` chooses a channel and time range; `audio_cache` keeps
    the decoded audio for reuse.
    """
    kind = detect_kind(path)
    if kind == "slack":
        progress("import", 0.5)
        return load_slack_export(path, chat)
    if kind == "media":
        return _transcribe_media(
            path,
            limits=limits,
            progress=progress,
            hints=hints,
            audio_cache=audio_cache,
            transcriber=transcriber,
        )
    text = read_text_file(path) or ""
    progress("transcribe", 1.0)
    if kind == "chat":
        return load_chat_log(text, chat, name=path.name)
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
