"""Names of stored files: the server chooses every part of them.

A client's file name is kept as data (`source_name`) and never becomes part of a path; a stored file
is `<uuid hex><suffix>` where the suffix is one the readers know (some of them use it, e.g. the
headerless `.raw` PCM), or nothing.
"""

from __future__ import annotations

from pathlib import PurePath

KNOWN_SUFFIXES = frozenset(
    "mp4 mov mkv webm m4a aac mp3 wav ogg oga opus flac raw zip json jsonl txt md log".split()  # noqa: SIM905
)


def safe_suffix(name: str | PurePath) -> str:
    """The file's ending, lowercased, when it is one the server knows; else the empty string."""
    text = str(name)
    dot = text.rfind(".")
    suffix = text[dot + 1 :].lower() if dot >= 0 else ""
    return f".{suffix}" if suffix in KNOWN_SUFFIXES else ""
