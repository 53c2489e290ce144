"""Secrets said or pasted in a wrap are masked before anything is stored or sent anywhere.

A wrap is written for people, and people paste what they have at hand: an AWS key, a GitHub or
Slack token, a private key block, a connection string with its password, "the password is
hunter2". None of that belongs in the handoff, the search index or a prompt to a remote model, so
every transcript and every pasted text passes through here first and comes out with each secret
replaced by `[secret masked: <kind>]`. What was masked is reported as `Masked` entries (the kind
and where, never the value) for the author's review page and the handoff's JSON.

Detection is detect-secrets' line plugins (vendor token formats, keyword assignments, URLs with
credentials, private key headers), minus its entropy and public-IP plugins: on prose those flag
ordinary words, git commit hashes and UUIDs. One small pattern of our own catches the spoken or
typed "password is hunter2" form that the keyword plugin (written for code) misses; it needs a
value with a digit or a symbol, so "the password is in the vault" is left alone.

detect-secrets keeps its plugin settings in process-wide state, so scans are serialized by a lock.
Nothing here logs a line it scanned.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ingest.transcript import Segment, Transcript, Word

#: detect-secrets plugins that flag ordinary prose (commit hashes, UUIDs, every word of a
#: sentence under eager search, addresses in runbooks) and so are not used.
_NOISY_PLUGINS = frozenset({"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"})

#: Friendlier names for detect-secrets' secret types where theirs read oddly in a sentence.
_KIND_NAMES = {
    "AWS Access Key": "AWS key",
    "Basic Auth Credentials": "password in a URL",
    "Secret Keyword": "password",
    "Private Key": "private key",
}

# "the password is hunter2", "pwd: s3cret!", "passcode was 4471": a keyword, a verb or a colon, a
# value with a digit or a symbol (plain words are left alone: "the password is in the vault").
_SPOKEN = re.compile(
    r"\b(?:password|passphrase|passcode|passwd|pwd|pin)\b(?:\s+(?:is|was|=)|\s*[:=])\s*"
    r"[\"'`]?(?P<value>(?=[^\s\"'`]*[\d!@#$%^&*+=?~_/\\-])[^\s\"'`]{3,}?)(?=[.,;:!?)]*(?:\s|$|[\"'`]))",
    re.IGNORECASE,
)
_PRIVATE_KEY_END = re.compile(r"-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----")
_TRAILING = ".,;:!?)]}\"'`"
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Masked:
    """One secret that was masked: its kind and where it was (never the secret itself).

    `where` names the text ("wrap", "transcript", "answer"); `line` is the 1-based line of a
    wrap or answer, `segment` the 0-based transcript segment."""

    kind: str
    where: str
    line: int | None = None
    segment: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "where": self.where}
        if self.line is not None:
            out["line"] = self.line
        if self.segment is not None:
            out["segment"] = self.segment
        return out


def placeholder(kind: str) -> str:
    return f"[secret masked: {kind}]"


def _plugins() -> list[dict[str, str]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    plugins: list[type] = list(get_mapping_from_secret_type_to_class().values())
    names = {plugin.__name__ for plugin in plugins}
    return [{"name": n} for n in sorted(names - _NOISY_PLUGINS)]


def _scan(line: str) -> list[tuple[str, str]]:
    """(kind, value) of each secret detect-secrets finds on one line."""
    from detect_secrets.core.scan import scan_line

    return [(s.type, s.secret_value or "") for s in scan_line(line)]


def _token_spans(line: str) -> Iterator[tuple[int, int]]:
    """Whitespace-separated tokens, without trailing punctuation (a sentence's full stop)."""
    for m in re.finditer(r"\S+", line):
        start, end = m.start(), m.end()
        while end > start + 1 and line[end - 1] in _TRAILING:
            end -= 1
        yield start, end


def _spans(line: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every secret on a line, found by detect-secrets and `_SPOKEN`.

    A plugin reports a value, not where it is, and sometimes only part of it (a GitHub token's
    prefix, a URL's password): a token that contains the value and is flagged on its own is
    masked whole; otherwise (a keyword assignment) exactly the value is."""
    found: list[tuple[int, int, str]] = []
    for kind, value in _scan(line):
        if not value:
            continue
        name = _KIND_NAMES.get(kind, kind)
        if kind == "Private Key":
            found.append(_key_span(line, value, name))
            continue
        for start, end in _token_spans(line):
            token = line[start:end]
            if value in token and any(k == kind for k, _ in _scan(token)):
                found.append((start, end, name))
        if not any(n == name for _, _, n in found):
            found.extend((m.start(), m.end(), name) for m in re.finditer(re.escape(value), line))
    found.extend((m.start("value"), m.end("value"), "password") for m in _SPOKEN.finditer(line))
    return _merged(found)


def _key_span(line: str, header: str, name: str) -> tuple[int, int, str]:
    """A private key from its BEGIN marker to its END marker on the same line (a transcript
    joins a pasted block into one line) or, when the block goes on, to the end of the line."""
    begin = re.search(r"-*\s*" + re.escape(header), line)
    start = begin.start() if begin else 0
    end = _PRIVATE_KEY_END.search(line, start)
    return start, end.end() if end else len(line), name


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping spans as one (the first kind found wins), in order."""
    out: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans):
        if out and start < out[-1][1]:
            last = out[-1]
            out[-1] = (last[0], max(last[1], end), last[2])
        else:
            out.append((start, end, kind))
    return out


def _apply(line: str, spans: list[tuple[int, int, str]]) -> str:
    for start, end, kind in reversed(spans):
        line = line[:start] + placeholder(kind) + line[end:]
    return line


def mask_text(text: str, *, where: str) -> tuple[str, list[Masked]]:
    """`text` with every secret replaced, and what was masked (line numbers 1-based). A private
    key is masked from its BEGIN line through its END line."""
    if not text:
        return text, []
    with _scanning():
        return _mask_lines(text, where=where)


def _mask_lines(text: str, *, where: str) -> tuple[str, list[Masked]]:
    """`mask_text` inside `_scanning`."""
    masked_text, masked, _ = _mask_block(text, where=where)
    return masked_text, masked


def _mask_block(text: str, *, where: str, in_key: bool = False) -> tuple[str, list[Masked], bool]:
    """Mask `text` line by line, starting inside a private key block when `in_key` (the block
    began in an earlier transcript segment); returns whether a key block is still open."""
    lines = text.split("\n")
    masked: list[Masked] = []
    for i, line in enumerate(lines):
        if in_key:
            end = _PRIVATE_KEY_END.search(line)
            in_key = end is None
            if in_key:
                lines[i] = ""
                continue
            line = line[end.end() :].lstrip() if end else line
        spans = _spans(line)
        lines[i] = _apply(line, spans)
        masked.extend(Masked(kind=kind, where=where, line=i + 1) for _, _, kind in spans)
        if any(kind == "private key" for *_, kind in spans):
            in_key = not _PRIVATE_KEY_END.search(line)  # the block goes on below
    return "\n".join(lines), masked, in_key


@contextmanager
def _scanning() -> Iterator[None]:
    """detect-secrets configured with our plugins for the block (its settings are global, so
    one scan at a time; restored after)."""
    from detect_secrets.settings import transient_settings

    with _lock, transient_settings({"plugins_used": _plugins()}):
        yield


def mask_transcript(transcript: Transcript) -> tuple[Transcript, list[Masked]]:
    """The transcript with secrets masked in every segment and in its text; recognized words
    inside a masked span are replaced too (they carry the same characters)."""
    with _scanning():
        return _mask_transcript(transcript)


def _mask_transcript(transcript: Transcript) -> tuple[Transcript, list[Masked]]:
    segments: list[Segment] = []
    masked: list[Masked] = []
    in_key = False
    for index, segment in enumerate(transcript.segments):
        was_in_key = in_key
        text, found, in_key = _mask_block(segment.text, where="transcript", in_key=in_key)
        if was_in_key:  # the rest of a key block that began in an earlier segment
            text = f"{placeholder('private key')} {text}".strip()
        elif not found:
            segments.append(segment)
            continue
        masked.extend(Masked(kind=m.kind, where="transcript", segment=index) for m in found)
        segments.append(
            segment.model_copy(update={"text": text, "words": _masked_words(segment, text)})
        )
    text, in_text = _mask_lines(transcript.text, where="transcript")
    if not masked:
        masked = in_text
    return transcript.model_copy(update={"text": text, "segments": segments}), masked


def _masked_words(segment: Segment, masked_text: str) -> list[Word]:
    """Words of a masked segment: a word that no longer appears in its text is masked."""
    out = []
    for word in segment.words:
        bare = word.word.strip().strip(_TRAILING)
        if bare and bare not in masked_text:
            word = word.model_copy(update={"word": placeholder("secret")})
        out.append(word)
    return out


def masked_json(entries: list[Masked]) -> list[dict[str, Any]]:
    return [m.to_json() for m in entries]


def mask_value(value: Any, *, where: str) -> tuple[Any, list[Masked]]:
    """A JSON value (an edit's patch, an imported declaration) with secrets masked in every
    string; `where` of each entry names the field ("edit: blockers[0].text")."""
    with _scanning():
        return _mask_value(value, where=where, path="")


def _mask_value(value: Any, *, where: str, path: str) -> tuple[Any, list[Masked]]:
    if isinstance(value, str):
        return _mask_lines(value, where=f"{where}: {path}" if path else where)
    masked: list[Masked] = []
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            out[key], found = _mask_value(item, where=where, path=child)
            masked.extend(found)
        return out, masked
    if isinstance(value, list):
        items = []
        for i, item in enumerate(value):
            masked_item, found = _mask_value(item, where=where, path=f"{path}[{i}]")
            items.append(masked_item)
            masked.extend(found)
        return items, masked
    return value, masked
