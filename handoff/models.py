"""Tables of the system of record. Every row carries its team; every query filters by it.

JSON columns hold documents whose shape is defined elsewhere (the declaration in
`handoff.declaration`, the transcript in `ingest.transcript`), so the schema does not churn as
those grow. The source of a handoff is kept unchanged: uploaded bytes on disk under HOME/uploads
(the row keeps the path and a SHA-256), pasted text in the row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: A clock that replaces the wall clock inside `clock()`; None reads the wall clock.
_CLOCK: ContextVar[Callable[[], datetime] | None] = ContextVar("handoff_clock", default=None)


def utcnow() -> datetime:
    """Now, as every recorded moment (published, acknowledged, audited) reads it."""
    override = _CLOCK.get()
    return override() if override is not None else datetime.now(UTC)


@contextmanager
def clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Record moments from `now` instead of the wall clock, in this context only.

    A generator of past history (a seeded month) goes through the product's own use cases, so
    its records are real; only the moments they are stamped with come from here. Nothing that
    serves requests sets it.
    """
    token = _CLOCK.set(now)
    try:
        yield
    finally:
        _CLOCK.reset(token)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database.

    SQLite keeps no offset, so values are converted to UTC before they are written; a naive value
    is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone first")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class HandoffRecord(Base):
    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), index=True)
    author: Mapped[str | None] = mapped_column(String(200))
    # The signed-in account that posted it (migration 0005): authors may edit and publish their
    # own drafts. None for handoffs posted by an operator at the console or before sign-in.
    author_user_id: Mapped[str | None] = mapped_column(String(32))
    recorded_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    source_kind: Mapped[str] = mapped_column(String(20))  # text | media | chat
    source_name: Mapped[str | None] = mapped_column(String(500))
    source_path: Mapped[str | None] = mapped_column(String(1000))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    source_text: Mapped[str | None] = mapped_column(Text)
    # Which part of a chat export is the handoff: {"channel", "since", "until"} (ISO times).
    source_options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    transcript: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Secrets masked out of the wrap before it was stored (migration 0009): [{"kind", "where",
    # "line" | "segment"}], never the value (ingest.masking).
    masked: Mapped[list[Any] | None] = mapped_column(JSON)
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    declaration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    force_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column()
    published_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Grows by one with every change (migration 0008): each UPDATE or DELETE of the row says
    # `WHERE version = <the one read>`, so of two writers that read the same version only one
    # wins (the other's flush raises StaleDataError; `handoff.store` makes that a conflict).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    audit: Mapped[list[AuditEvent]] = relationship(
        back_populates="handoff", order_by="AuditEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_handoffs_team_recorded", "team", "recorded_at"),)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)


class AuditEvent(Base):
    """One change to a handoff: who, when, what (the action and a JSON detail such as a diff)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    team: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    handoff: Mapped[HandoffRecord] = relationship(back_populates="audit")


class JobRecord(Base):
    """A background job (upload -> transcribe -> extract, or publish -> index) and its progress."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_lease", "state", "lease_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    team: Mapped[str] = mapped_column(String(100), index=True)
    handoff_id: Mapped[str | None] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    stage: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The worker running it and until when its claim holds (migration 0006): renewed while it
    # runs; a queued job's is when its message is sent again. Expired: a reaper re-queues it.
    leased_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
