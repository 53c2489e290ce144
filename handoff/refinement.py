"""A handoff's LLM refinement: the second pass of hybrid drafting, and what it changed.

In hybrid drafting the offline draft is stored first, so the reviewer can start at once, and the
LLM's draft arrives later (`api.usecases.refining`). This module keeps where that stands, one row
per handoff, apart from the handoff's own row: recording the refinement's progress never bumps the
handoff's version, so a reviewer's open page does not go stale because the LLM failed or answered
late. The one write that does touch the handoff is the replacement itself.

    refining       the offline draft is stored; the LLM has been asked
    refined        the LLM's draft replaced the offline one (nobody had changed it)
    suggested      a reviewer changed the draft first: theirs stands, the LLM's is a suggestion
    refine_failed  the LLM failed or timed out; the offline draft stands (`error` says why)
    cancelled      the handoff was published first (or the job gave up); nothing was changed

`changes` holds what the LLM's draft says differently from the offline one (`summarizer.diff`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from handoff.declaration import Declaration
from handoff.errors import ConcurrentChange
from handoff.models import Base, HandoffRecord, utcnow
from handoff.store import HandoffStore
from handoff.view import _iso

RefinementState = Literal["refining", "refined", "suggested", "refine_failed", "cancelled"]
#: States a refinement leaves only when the handoff is extracted again.
SETTLED = ("refined", "suggested", "refine_failed", "cancelled")


class RefinementRecord(Base):
    """One handoff's refinement (migration 0014_refinements); deleted with its handoff."""

    __tablename__ = "handoff_refinements"

    handoff_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("handoffs.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(200))
    # The handoff's version when the offline draft was stored: still that version when the LLM
    # answers means nobody changed the draft meanwhile.
    base_version: Mapped[int] = mapped_column(Integer)
    # The handoff's version right after the LLM's draft replaced the offline one.
    result_version: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any] | None] = mapped_column()
    suggestion: Mapped[dict[str, Any] | None] = mapped_column()
    applied: Mapped[list[Any] | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


@dataclass(frozen=True, slots=True)
class Refinement:
    handoff_id: str
    team: str
    state: RefinementState
    model: str | None
    base_version: int
    result_version: int | None
    error: str | None
    changes: dict[str, Any] | None
    suggestion: Declaration | None
    applied: tuple[str, ...]
    started_at: datetime
    finished_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "model": self.model,
            "error": self.error,
            "base_version": self.base_version,
            "result_version": self.result_version,
            "changes": self.changes,
            "suggestion": self.suggestion.to_json() if self.suggestion else None,
            "applied": list(self.applied),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }


def _view(rec: RefinementRecord) -> Refinement:
    return Refinement(
        handoff_id=rec.handoff_id,
        team=rec.team,
        state=rec.state,  # type: ignore[arg-type]
        model=rec.model,
        base_version=rec.base_version,
        result_version=rec.result_version,
        error=rec.error,
        changes=rec.changes,
        suggestion=Declaration.model_validate(rec.suggestion) if rec.suggestion else None,
        applied=tuple(rec.applied or ()),
        started_at=rec.started_at,
        finished_at=rec.finished_at,
    )


class Refinements:
    """Refinement rows, written through the handoff store's transactions (one database)."""

    def __init__(self, store: HandoffStore) -> None:
        self.store = store

    def get(self, handoff_id: str) -> Refinement | None:
        with self.store.session() as session:
            rec = session.get(RefinementRecord, handoff_id)
            return _view(rec) if rec is not None else None

    def begin(self, handoff_id: str, *, team: str, base_version: int, model: str) -> Refinement:
        """The offline draft at `base_version` is stored and the LLM is about to be asked; any
        earlier refinement of the handoff (a re-extraction) is replaced."""
        with self.store.session() as session:
            rec = session.get(RefinementRecord, handoff_id)
            if rec is None:
                rec = RefinementRecord(handoff_id=handoff_id, team=team)
                session.add(rec)
            rec.state, rec.model, rec.base_version = "refining", model, base_version
            rec.result_version = rec.error = rec.changes = rec.suggestion = rec.applied = None
            rec.started_at, rec.finished_at = utcnow(), None
            session.flush()
            return _view(rec)

    def forget(self, handoff_id: str) -> None:
        """Drop the handoff's refinement (extracted again with no LLM to refine it)."""
        with self.store.session() as session:
            rec = session.get(RefinementRecord, handoff_id)
            if rec is not None:
                session.delete(rec)

    def settle(
        self, handoff_id: str, state: RefinementState, *, error: str | None = None
    ) -> Refinement | None:
        """End a pending refinement without the LLM's draft (`refine_failed`, `cancelled`), saying
        why; None when none is pending (the handoff was deleted, or it already ended)."""
        with self.store.session() as session:
            rec = session.get(RefinementRecord, handoff_id)
            if rec is None or rec.state != "refining":
                return None
            rec.state, rec.error, rec.finished_at = state, error, utcnow()
            session.flush()
            return _view(rec)

    def finish(
        self, handoff_id: str, draft: Declaration, changes: dict[str, Any], *, actor: str
    ) -> Refinement | None:
        """The LLM's draft arrived: it replaces the stored draft if that is still the offline
        one (same version, a draft), else it is kept as a suggestion; a published handoff
        cancels it. One transaction; a reviewer saving at the same moment wins (the retry then
        sees their version). None when no refinement is pending."""
        for attempt in range(3):
            try:
                with self.store.session() as session:
                    return self._finish_once(session, handoff_id, draft, changes, actor)
            except ConcurrentChange:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _finish_once(
        self,
        session: Session,
        handoff_id: str,
        draft: Declaration,
        changes: dict[str, Any],
        actor: str,
    ) -> Refinement | None:
        rec = session.get(RefinementRecord, handoff_id)
        handoff = session.get(HandoffRecord, handoff_id)
        if rec is None or handoff is None or rec.state != "refining":
            return None
        rec.changes, rec.finished_at = changes, utcnow()
        if handoff.status != "draft":
            rec.state = "cancelled"
            rec.error = "The handoff was published before the LLM's draft arrived."
        elif handoff.version == rec.base_version and handoff.declaration is not None:
            replaced = self.store.replace_draft(session, handoff, draft, actor=actor)
            rec.state, rec.result_version = "refined", replaced.version
        else:
            rec.state, rec.suggestion = "suggested", draft.to_json()
        session.flush()
        return _view(rec)

    def applied_parts(self, handoff_id: str, parts: Iterable[str]) -> Refinement | None:
        """Note which parts of the suggestion a reviewer took (the page marks them)."""
        with self.store.session() as session:
            rec = session.get(RefinementRecord, handoff_id)
            if rec is None:
                return None
            rec.applied = sorted({*(rec.applied or ()), *parts})
            session.flush()
            return _view(rec)
