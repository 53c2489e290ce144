"""A stored handoff as the rest of the product sees it: `Handoff`, detached from the session, and
how a row becomes one. (`handoff.store` re-exports both; import them from there.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from handoff.declaration import Declaration
from handoff.models import HandoffRecord

HandoffStatus = Literal["draft", "published", "acknowledged"]


@dataclass(frozen=True, slots=True)
class Handoff:
    """A stored handoff as the rest of the product sees it (detached from the session)."""

    id: str
    team: str
    author: str | None
    recorded_at: datetime | None
    status: HandoffStatus
    source_kind: str
    source_name: str | None
    source_path: str | None
    source_text: str | None
    transcript: dict[str, Any] | None
    draft: Declaration | None
    declaration: Declaration | None
    force_reason: str | None
    published_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    created_at: datetime
    updated_at: datetime
    source_options: dict[str, Any] | None = None
    masked: list[dict[str, Any]] | None = None
    #: grows with every change to the record: the API's ETag, checked by `If-Match`
    version: int = 1

    @property
    def missing(self) -> list[dict[str, Any]]:
        return [f.model_dump() for f in self.declaration.missing] if self.declaration else []

    def summary_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team": self.team,
            "author": self.author,
            "recorded_at": _iso(self.recorded_at),
            "status": self.status,
            "source_kind": self.source_kind,
            "missing": self.missing,
            "published_at": _iso(self.published_at),
            "acknowledged_by": self.acknowledged_by,
            "acknowledged_at": _iso(self.acknowledged_at),
            "created_at": _iso(self.created_at),
        }


def _iso(value: datetime | None) -> str | None:
    return _aware(value).isoformat() if value else None


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _maybe_aware(value: datetime | None) -> datetime | None:
    return _aware(value) if value else None


def _to_view(rec: HandoffRecord) -> Handoff:
    return Handoff(
        id=rec.id,
        team=rec.team,
        author=rec.author,
        recorded_at=_maybe_aware(rec.recorded_at),
        status=rec.status,  # type: ignore[arg-type]
        source_kind=rec.source_kind,
        source_name=rec.source_name,
        source_path=rec.source_path,
        source_text=rec.source_text,
        transcript=rec.transcript,
        draft=Declaration.model_validate(rec.draft) if rec.draft else None,
        declaration=Declaration.model_validate(rec.declaration) if rec.declaration else None,
        force_reason=rec.force_reason,
        published_at=_maybe_aware(rec.published_at),
        acknowledged_by=rec.acknowledged_by,
        acknowledged_at=_maybe_aware(rec.acknowledged_at),
        created_at=_aware(rec.created_at),
        updated_at=_aware(rec.updated_at),
        source_options=rec.source_options,
        masked=rec.masked,
        version=rec.version,
    )
