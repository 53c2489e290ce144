"""The extraction dev set: rows in JSONL, each turned into the transcript an ingest path would give.

A row is `{"id", "source": "speech"|"chat", "author", "recorded_at", "text", "gold": {...},
"split": "tune"|"heldout", "vocabulary"?, "format"?}`; `format` names how the wrap was written
("standup", "table", "chat", ...) for per-format figures. Speech rows become timed segments (one
per sentence, timed at a speaking rate, as a recognizer would give); chat rows become one segment
per message with its speaker and time. Rows without a `split` count as held out (an outside set).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.text import split_sentences
from ingest.transcript import Segment, Transcript, Word
from summarizer.base import ExtractionContext, Person, Vocabulary

DATA_DIR = Path(__file__).resolve().parent / "data" / "extraction"
WORDS_PER_SECOND = 2.6

# "[17:02] maya: text", "17:02 maya: text", "[2026-11-20 17:02] <maya> text", "maya [17:02]: text"
_CHAT_LINE = re.compile(
    r"^\s*(?:\[(?P<ts1>[^\]]+)\]\s*)?(?:(?P<ts2>\d{1,2}:\d{2}(?::\d{2})?)\s+)?"
    r"(?:<(?P<nick1>[^>]+)>|(?P<nick2>[@\w.\-]+)(?:\s*\[(?P<ts3>[^\]]+)\])?\s*:)\s*(?P<msg>.*)$"
)


@dataclass
class Example:
    id: str
    source: str
    author: str | None
    recorded_at: datetime | None
    text: str
    gold: dict[str, Any]
    split: str
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    dataset: str = ""  # the file it came from ("dev", "fresh")
    format: str = ""  # how the wrap was written ("standup", "emoji", "table", ...), if the row says

    def context(self) -> ExtractionContext:
        return ExtractionContext(
            author=self.author,
            recorded_at=self.recorded_at,
            timezone="UTC",
            vocabulary=self.vocabulary,
        )

    def transcript(self) -> Transcript:
        if self.source == "chat":
            return chat_transcript(self.text, recorded_at=self.recorded_at)
        return speech_transcript(self.text)


_ASR_PUNCT = re.compile(r"(?<!\d)[.,;:!?…]|[.,;:!?…](?!\d)|[—–()\[\]\"“”*#|]|\s-\s")


def as_raw_asr(text: str) -> str:
    """A spoken wrap as a recognizer without punctuation or case writes it (pocketsphinx): one
    lowercase run. Clocks and decimals keep their marks ("9:30", "2.5"); words stay as said."""
    return " ".join(_ASR_PUNCT.sub(" ", text.lower()).split())


def speech_transcript(text: str) -> Transcript:
    """Sentences timed at a speaking rate, with word times, as a recognizer would return them."""
    segments: list[Segment] = []
    t = 0.0
    for sentence in split_sentences(text):
        words: list[Word] = []
        start = t
        for token in sentence.split():
            words.append(Word(word=token, start_s=round(t, 2), end_s=round(t + 0.32, 2)))
            t += 1 / WORDS_PER_SECOND
        segments.append(
            Segment(text=sentence, start_s=round(start, 2), end_s=round(t, 2), words=words)
        )
        t += 0.4
    return Transcript.from_segments(
        segments, engine="eval", duration_s=round(t, 2), source_kind="media"
    )


def _chat_time(value: str | None, recorded_at: datetime | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None and recorded_at is not None:
            parsed = parsed.replace(tzinfo=recorded_at.tzinfo)
        return parsed
    except ValueError:
        pass
    m = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value)
    if not m or recorded_at is None:
        return None
    at = recorded_at.replace(
        hour=int(m.group(1)), minute=int(m.group(2)), second=int(m.group(3) or 0), microsecond=0
    )
    # A message timed after the wrap was recorded was sent the day before.
    return at - timedelta(days=1) if at > recorded_at + timedelta(minutes=1) else at


def chat_transcript(text: str, *, recorded_at: datetime | None) -> Transcript:
    """One segment per message, read by the chat-log importer (`ingest.chat`); a message stamped
    with a clock time only is dated by the wrap's recording time."""
    from ingest.chat import load_chat_log

    transcript = load_chat_log(text, name="chat row")
    segments = [
        s if s.at is not None else s.model_copy(update={"at": _chat_time(s.clock, recorded_at)})
        for s in transcript.segments
    ]
    return transcript.model_copy(update={"segments": segments})


def minimal_chat_transcript(text: str, *, recorded_at: datetime | None) -> Transcript:
    """The eval's own reading of `[hh:mm] name: text` lines (kept to cross-check the importer)."""
    segments: list[Segment] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _CHAT_LINE.match(line)
        if m and m.group("msg") is not None and (m.group("nick1") or m.group("nick2")):
            nick = (m.group("nick1") or m.group("nick2")).lstrip("@")
            at = _chat_time(m.group("ts1") or m.group("ts2") or m.group("ts3"), recorded_at)
            segments.append(Segment(text=m.group("msg").strip(), speaker=nick, at=at))
        elif segments:
            last = segments[-1]
            segments[-1] = last.model_copy(update={"text": f"{last.text} {line.strip()}"})
        else:
            segments.append(Segment(text=line.strip()))
    return Transcript.from_segments(segments, engine="chat", source_kind="chat")


def _vocabulary(data: dict[str, Any] | None) -> Vocabulary:
    if not data:
        return Vocabulary()
    people = tuple(
        Person(name=p["name"], handle=p.get("handle"), aliases=tuple(p.get("aliases", ())))
        for p in data.get("people", ())
    )
    return Vocabulary(
        people=people,
        items=tuple(data.get("items", ())),
        ticket_prefixes=tuple(data.get("ticket_prefixes", ())),
    )


def load_examples(path: Path) -> list[Example]:
    """Rows of one JSONL file, or of every JSONL file in a folder."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    out: list[Example] = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{file.name} line {number} is not JSON ({exc.msg}).") from exc
            recorded = row.get("recorded_at")
            out.append(
                Example(
                    id=str(row.get("id", f"{file.stem}:{number}")),
                    source=row.get("source", "speech"),
                    author=row.get("author"),
                    recorded_at=datetime.fromisoformat(recorded) if recorded else None,
                    text=row["text"],
                    gold=row.get("gold", {}),
                    split=row.get("split", "heldout"),
                    vocabulary=_vocabulary(row.get("vocabulary")),
                    dataset=file.stem,
                    format=str(row.get("format") or ""),
                )
            )
    return out
