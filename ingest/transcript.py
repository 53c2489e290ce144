"""Timed transcripts: what every ingest path produces and what extraction and evidence point into.

Speech gives segments with `start_s`/`end_s`; chat gives one segment per message with `speaker` and
`at`; plain text gives one segment per sentence with no times. The JSON form is a contract
(`handoff transcribe --json`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SourceKind = Literal["text", "media", "chat"]


class Word(BaseModel):
    word: str
    start_s: float
    end_s: float
    probability: float | None = None


class Segment(BaseModel):
    text: str
    start_s: float | None = None
    end_s: float | None = None
    speaker: str | None = None
    at: datetime | None = Field(default=None, description="Chat message time.")
    words: list[Word] = Field(default_factory=list)
    channel: int | None = Field(default=None, description="Audio channel for multi-channel clips.")
    room: str | None = Field(default=None, description="Chat channel the message was posted in.")
    thread_id: str | None = Field(default=None, description="Chat thread the message belongs to.")
    clock: str | None = Field(
        default=None, description="Chat time of day when the log has no date."
    )


class Transcript(BaseModel):
    text: str
    segments: list[Segment] = Field(default_factory=list)
    engine: str = "text"
    model: str | None = None
    duration_s: float = 0.0
    source_kind: SourceKind = "text"
    language: str | None = Field(
        default=None, description="The language the speech was heard in (ISO 639-1), if known."
    )
    language_requested: str | None = Field(
        default=None,
        description="The language asked for: a code, 'auto' (detect), or null (the default, "
        "English). 'auto' with language 'en' from an English-only model means it was not "
        "detected but assumed.",
    )

    def to_json(self) -> dict[str, Any]:
        """The CLI/API form; `words` are kept for evidence but may be dropped by callers."""
        return self.model_dump(mode="json")

    def contract_json(self) -> dict[str, Any]:
        """Exactly the `handoff transcribe --json` contract fields (plus `at` for chat)."""
        return {
            "text": self.text,
            "engine": self.engine,
            "model": self.model,
            "duration_s": self.duration_s,
            "source_kind": self.source_kind,
            "language": self.language,
            "segments": [
                {
                    "start_s": s.start_s,
                    "end_s": s.end_s,
                    "text": s.text,
                    "speaker": s.speaker,
                    **({"at": s.at.isoformat()} if s.at else {}),
                }
                for s in self.segments
            ],
        }

    @classmethod
    def from_segments(cls, segments: list[Segment], **kwargs: Any) -> Transcript:
        text = " ".join(s.text.strip() for s in segments if s.text.strip())
        return cls(text=text, segments=segments, **kwargs)
