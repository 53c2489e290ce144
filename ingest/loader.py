"""One entry point from a file to a transcript, whatever the file is.

The type is decided from the content, never the file name: media goes to `ingest.media` and a
speech recognizer, chat exports to `ingest.chat`, anything else that is UTF-8 text is a typed wrap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import UnsupportedInput
from ingest.text import transcript_from_text
from ingest.transcript import Transcript

if TYPE_CHECKING:
    from handoff.settings import Settings

Progress = Callable[[str, float], None]


def _quiet(stage: str, fraction: float) -> None:
    return None


def read_text_file(path: Path) -> str | None:
    """The file's text when it is UTF-8 text, else None."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def load_transcript(
    path: Path, *, settings: Settings | None = None, progress: Progress = _quiet
) -> Transcript:
    if not path.exists():
        raise UnsupportedInput(f"No such file: {path}.")
    if path.is_dir():
        raise UnsupportedInput(f"{path} is a folder, not a wrap, clip or chat export.")
    text = read_text_file(path)
    if text is None:
        raise UnsupportedInput(f"{path.name} is not a text wrap handoff can read.")
    if not text.strip():
        raise UnsupportedInput(f"{path.name} is empty.")
    progress("transcribe", 1.0)
    return transcript_from_text(text)
