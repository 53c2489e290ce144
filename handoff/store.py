"""The system of record: stored handoffs, their lifecycle and their audit trail.

A handoff moves `draft -> published -> acknowledged`. Publishing is refused while the declaration
has missing flags unless a reason is given (recorded). Every change is an audit event (who, when,
what). Every method takes the team and never returns another team's record.

Hooks run inside the same transaction as the change (the item ledger uses this, so record and
ledger never disagree); work outside the database (the search index) is the caller's, after commit.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from handoff.audit import Actor, record
from handoff.db import migrate, session_scope
from handoff.declaration import LIST_PARTS, Declaration
from handoff.edits import patched, with_masked
from handoff.errors import (
    ConcurrentChange,
    ConflictError,
    InvalidInput,
    NotFound,
    PublishRefused,
    StaleVersion,
)
from handoff.metrics.moments import ACK as ACKNOWLEDGED
from handoff.metrics.moments import note as note_context_moment
from handoff.missing import with_flags
from handoff.models import AuditEvent, HandoffRecord, utcnow
from handoff.teams import validate_handoff_id, validate_team
from handoff.view import Handoff, _iso, _to_view

SourceKind = Literal["text", "media", "chat"]
Event = Literal[
    "created", "extracted", "edited", "published", "unpublished", "acknowledged", "deleted"
]

#: Declaration fields a person may edit (flags and bookkeeping are computed, not edited).
EDITABLE_FIELDS = frozenset(
    {*LIST_PARTS, "author", "team", "recorded_at", "returns_at", "returns_at_iso", "stated_empty"}
)


Hook = Callable[[Session, Event, Handoff], None]


#: The audit log's name for each of the handoff trail's actions.
AUDIT_ACTIONS = {
    "created": "handoff.post",
    "edited": "handoff.edit",
    "published": "handoff.publish",
    "unpublished": "handoff.unpublish",
    "acknowledged": "handoff.acknowledge",
    "deleted": "handoff.delete",
}


class HandoffStore:
    """Repository over the handoff tables. Construct with a database URL; migrates on first use."""

    def __init__(self, url: str, *, hooks: Iterable[Hook] = ()) -> None:
        self.url = url
        self.hooks: list[Hook] = list(hooks)
        migrate(url)

    # -- plumbing -------------------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; a lost race on a handoff's version (another writer changed the row
        after this one read it) rolls it back and is a `ConcurrentChange` (409)."""
        try:
            with session_scope(self.url) as session:
                yield session
        except StaleDataError as exc:
            raise ConcurrentChange(
                "Someone else changed this handoff at the same moment; reload it and try again."
            ) from exc

    @staticmethod
    def _check_version(rec: HandoffRecord, expected: int | None) -> None:
        """Refuse (412) a write that names a version other than the stored one."""
        if expected is not None and rec.version != expected:
            raise StaleVersion(rec.version)

    def _load(self, session: Session, team: str | None, handoff_id: str) -> HandoffRecord:
        rec = session.get(HandoffRecord, handoff_id)
        if rec is None or (team is not None and rec.team != team):
            where = f" in team '{team}'" if team else ""
            raise NotFound(f"No handoff with id '{handoff_id}'{where}.")
        return rec

    def _emit(self, session: Session, event: Event, rec: HandoffRecord) -> Handoff:
        session.flush()
        view = _to_view(rec)
        for hook in self.hooks:
            hook(session, event, view)
        return view

    @staticmethod
    def _audit(
        session: Session,
        rec: HandoffRecord,
        action: str,
        actor: str | None,
        detail: Any = None,
        *,
        audit: Actor | None = None,
        audit_action: str | None = None,
    ) -> None:
        """The handoff's own trail (shown on its page) and, for a change a signed-in user or an
        operator made, one row of the append-only audit log in the same transaction."""
        session.add(
            AuditEvent(handoff_id=rec.id, team=rec.team, actor=actor, action=action, detail=detail)
        )
        if audit is not None:
            row = record(
                session,
                audit,
                audit_action or AUDIT_ACTIONS[action],
                team=rec.team,
                resource=("handoff", rec.id),
                detail=detail or None,
            )
            if row.action == ACKNOWLEDGED:
                # Time to context is worked out when the acknowledgment is recorded: all it
                # depends on came before it, in the audit log this transaction just wrote to.
                note_context_moment(session, row)

    # -- creation -------------------------------------------------------------------------------
    def create(
        self,
        *,
        team: str,
        author: str | None,
        recorded_at: datetime | None,
        source_kind: SourceKind,
        source_name: str | None = None,
        source_path: str | None = None,
        source_sha256: str | None = None,
        source_text: str | None = None,
        source_options: dict[str, Any] | None = None,
        transcript: dict[str, Any] | None = None,
        declaration: Declaration | None = None,
        handoff_id: str | None = None,
        actor: str | None = None,
        author_user_id: str | None = None,
        audit: Actor | None = None,
        masked: Iterable[dict[str, Any]] = (),
    ) -> Handoff:
        """Store a new handoff (a draft). With a declaration, it is both the draft and current.
        `author_user_id` is the signed-in account that posted it; `audit` who did (logged);
        `masked` the secrets taken out of its text before it came here."""
        if not team or not team.strip():
            raise InvalidInput("Every handoff needs a team.")
        team = validate_team(team.strip())
        hid = validate_handoff_id(handoff_id) if handoff_id else uuid.uuid4().hex
        with self.session() as session:
            if session.get(HandoffRecord, hid) is not None:
                raise ConflictError(f"A handoff with id '{hid}' already exists.")
            rec = HandoffRecord(
                id=hid,
                team=team,
                author=author,
                author_user_id=author_user_id,
                recorded_at=recorded_at,
                status="draft",
                source_kind=source_kind,
                source_name=source_name,
                source_path=source_path,
                source_sha256=source_sha256,
                source_text=source_text,
                source_options=source_options or None,
                masked=with_masked(None, masked),
            )
            session.add(rec)
            self._audit(
                session,
                rec,
                "created",
                actor or author,
                {"source_kind": source_kind},
                audit=audit,
            )
            view = self._emit(session, "created", rec)
            if transcript is not None or declaration is not None:
                view = self._set_extraction(session, rec, transcript, declaration, actor)
            return view

    def set_extraction(
        self,
        team: str | None,
        handoff_id: str,
        *,
        transcript: dict[str, Any] | None,
        declaration: Declaration,
        actor: str | None = "system",
        masked: Iterable[dict[str, Any]] = (),
    ) -> Handoff:
        """Attach the transcript and the extracted draft (replacing any earlier draft), and
        note the secrets masked out of the transcript. A job must not fail because a reviewer
        saved at the same moment: a lost race is tried again on the new version."""
        masked = list(masked)
        for attempt in range(3):
            try:
                with self.session() as session:
                    rec = self._load(session, team, handoff_id)
                    if rec.status != "draft":
                        raise ConflictError("Only a draft can be re-extracted; unpublish it first.")
                    rec.masked = with_masked(rec.masked, masked)
                    return self._set_extraction(session, rec, transcript, declaration, actor)
            except ConcurrentChange:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def replace_draft(
        self, session: Session, rec: HandoffRecord, declaration: Declaration, *, actor: str
    ) -> Handoff:
        """Replace the draft inside the caller's transaction, which has checked that nobody
        changed it (the LLM's refinement of the offline draft: `handoff.refinement`)."""
        return self._set_extraction(session, rec, None, declaration, actor)

    def _set_extraction(
        self,
        session: Session,
        rec: HandoffRecord,
        transcript: dict[str, Any] | None,
        declaration: Declaration | None,
        actor: str | None,
    ) -> Handoff:
        if transcript is not None:
            rec.transcript = transcript
        if declaration is not None:
            decl = with_flags(
                declaration.model_copy(
                    update={
                        "team": rec.team,
                        "author": declaration.author or rec.author,
                        "recorded_at": declaration.recorded_at or rec.recorded_at,
                    }
                )
            )
            rec.draft = decl.to_json()
            rec.declaration = decl.to_json()
            if decl.author and not rec.author:
                rec.author = decl.author
        self._audit(
            session,
            rec,
            "extracted",
            actor,
            {"extractor": declaration.extractor if declaration else None},
        )
        return self._emit(session, "extracted", rec)

    # -- reading --------------------------------------------------------------------------------
    def get(self, handoff_id: str, *, team: str | None = None) -> Handoff:
        with self.session() as session:
            return _to_view(self._load(session, team, handoff_id))

    def list(
        self,
        *,
        team: str | None,
        status: str | None = None,
        author: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Handoff]:
        """Newest first. `team=None` lists every team (operators' tools only)."""
        with self.session() as session:
            q = select(HandoffRecord)
            if team is not None:
                q = q.where(HandoffRecord.team == team)
            if status:
                q = q.where(HandoffRecord.status == status)
            if author:
                q = q.where(func.lower(HandoffRecord.author) == author.lower())
            if since:
                q = q.where(HandoffRecord.recorded_at >= since)
            if until:
                q = q.where(HandoffRecord.recorded_at <= until)
            q = q.order_by(
                HandoffRecord.recorded_at.desc().nulls_last(), HandoffRecord.created_at.desc()
            )
            rows = session.scalars(q.limit(limit).offset(offset)).all()
            return [_to_view(r) for r in rows]

    def iter_published(self, *, team: str | None = None, batch: int = 500) -> Iterator[Handoff]:
        """Every published or acknowledged handoff, oldest first (for rebuilding ledger/index)."""
        offset = 0
        while True:
            with self.session() as session:
                q = select(HandoffRecord).where(
                    HandoffRecord.status.in_(("published", "acknowledged"))
                )
                if team is not None:
                    q = q.where(HandoffRecord.team == team)
                q = q.order_by(HandoffRecord.recorded_at.asc().nulls_first(), HandoffRecord.id)
                rows = session.scalars(q.limit(batch).offset(offset)).all()
                views = [_to_view(r) for r in rows]
            yield from views
            if len(views) < batch:
                return
            offset += batch

    def count(self, *, team: str | None = None, status: str | None = None) -> int:
        with self.session() as session:
            q = select(func.count()).select_from(HandoffRecord)
            if team is not None:
                q = q.where(HandoffRecord.team == team)
            if status:
                q = q.where(HandoffRecord.status == status)
            return int(session.scalar(q) or 0)

    def teams(self) -> builtins.list[str]:
        with self.session() as session:
            rows = session.scalars(
                select(HandoffRecord.team).distinct().order_by(HandoffRecord.team)
            )
            return list(rows)

    def authors(self, team: str) -> builtins.list[str]:
        """The names the team's handoffs were written by (questions about people use them)."""
        with self.session() as session:
            rows = session.scalars(
                select(HandoffRecord.author).distinct().where(HandoffRecord.team == team)
            )
            return sorted(r for r in rows if r)

    def audit_trail(
        self, handoff_id: str, *, team: str | None = None
    ) -> builtins.list[dict[str, Any]]:
        with self.session() as session:
            rec = self._load(session, team, handoff_id)
            return [
                {
                    "at": _iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "detail": e.detail,
                }
                for e in rec.audit
            ]

    # -- review and lifecycle ----------------------------------------------------------------
    def edit(
        self,
        handoff_id: str,
        patch: dict[str, Any],
        *,
        team: str | None = None,
        actor: str | None = None,
        audit: Actor | None = None,
        audit_action: str | None = None,
        masked: Iterable[dict[str, Any]] = (),
        expected_version: int | None = None,
    ) -> Handoff:
        """Replace the parts named in `patch`, validate, recompute flags, record the diff
        (`audit_action` names it in the audit log when it is more than an edit: an answer) and
        the secrets masked out of it (`masked`).

        Setting a list part to `[]` is a statement that it is empty (not flagged); the reviewer
        said so. Bad input raises `InvalidInput` and changes nothing; a handoff whose draft is
        not extracted yet cannot be edited (`ConflictError`). With `expected_version`
        the edit applies only to that version (else `StaleVersion`, 412, also when another
        writer wins the race); without, a lost race is retried on the new version, so two
        edits of different parts both land.
        """
        unknown = sorted(set(patch) - EDITABLE_FIELDS)
        if unknown:
            raise InvalidInput(
                f"Cannot edit {', '.join(unknown)}; editable fields are "
                f"{', '.join(sorted(EDITABLE_FIELDS))}."
            )
        masked = list(masked)
        for attempt in range(3):
            try:
                return self._edit_once(
                    handoff_id,
                    patch,
                    team=team,
                    actor=actor,
                    audit=audit,
                    audit_action=audit_action,
                    masked=masked,
                    expected_version=expected_version,
                )
            except ConcurrentChange:
                if expected_version is not None:
                    raise StaleVersion(self.get(handoff_id, team=team).version) from None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _edit_once(
        self,
        handoff_id: str,
        patch: dict[str, Any],
        *,
        team: str | None,
        actor: str | None,
        audit: Actor | None,
        audit_action: str | None,
        masked: Iterable[dict[str, Any]],
        expected_version: int | None,
    ) -> Handoff:
        with self.session() as session:
            rec = self._load(session, team, handoff_id)
            self._check_version(rec, expected_version)
            if rec.declaration is None:
                # An edit would become the draft, and its job would then skip extraction.
                raise ConflictError("This handoff has no draft yet; wait for extraction.")
            current = Declaration.model_validate(rec.declaration or {"team": rec.team})
            updated = patched(current, patch, team=rec.team)
            before = current.model_dump(mode="json")
            after = updated.model_dump(mode="json")
            changes = {
                k: {"before": before.get(k), "after": after.get(k)}
                for k in sorted(set(patch) | {"missing"})
                if before.get(k) != after.get(k)
            }
            rec.declaration = after
            rec.masked = with_masked(rec.masked, masked)
            if "author" in patch:
                rec.author = updated.author
            if "recorded_at" in patch:
                rec.recorded_at = updated.recorded_at
            self._audit(
                session,
                rec,
                "edited",
                actor,
                {"changes": changes},
                audit=audit,
                audit_action=audit_action,
            )
            return self._emit(session, "edited", rec)

    def publish(
        self,
        handoff_id: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        force_reason: str | None = None,
        audit: Actor | None = None,
        expected_version: int | None = None,
    ) -> Handoff:
        """Publish a draft, atomically: the UPDATE says `WHERE version = <the one read>`, so of
        concurrent publishes exactly one wins and the others are a `ConflictError` (409), with
        nothing of theirs (audit, ledger) kept. With `expected_version`, a draft changed since
        that version is refused (`StaleVersion`, 412)."""
        with self.session() as session:
            rec = self._load(session, team, handoff_id)
            if rec.status != "draft":
                raise ConflictError(f"This handoff is already {rec.status}.")
            self._check_version(rec, expected_version)
            if rec.declaration is None:
                raise ConflictError("This handoff has no declaration yet; wait for extraction.")
            decl = with_flags(Declaration.model_validate(rec.declaration))
            force_reason = (force_reason or "").strip() or None
            if decl.missing and not force_reason:
                raise PublishRefused(decl.missing)
            rec.declaration = decl.to_json()
            rec.status = "published"
            rec.published_at = utcnow()
            rec.published_by = actor
            rec.force_reason = force_reason if decl.missing else None
            detail: dict[str, Any] = {}
            if decl.missing:
                detail = {
                    "forced": True,
                    "reason": force_reason,
                    "missing": [f.field for f in decl.missing],
                }
            self._audit(session, rec, "published", actor, detail, audit=audit)
            return self._emit(session, "published", rec)

    def unpublish(
        self,
        handoff_id: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        audit: Actor | None = None,
    ) -> Handoff:
        with self.session() as session:
            rec = self._load(session, team, handoff_id)
            if rec.status == "draft":
                raise ConflictError("This handoff is not published.")
            rec.status = "draft"
            rec.published_at = None
            rec.acknowledged_at = None
            rec.acknowledged_by = None
            self._audit(session, rec, "unpublished", actor, audit=audit)
            return self._emit(session, "unpublished", rec)

    def acknowledge(
        self, handoff_id: str, *, by: str, team: str | None = None, audit: Actor | None = None
    ) -> Handoff:
        if not by or not by.strip():
            raise InvalidInput("Say who is acknowledging the handoff.")
        with self.session() as session:
            rec = self._load(session, team, handoff_id)
            if rec.status == "draft":
                raise ConflictError("A draft cannot be acknowledged; publish it first.")
            rec.status = "acknowledged"
            rec.acknowledged_by = by.strip()
            rec.acknowledged_at = utcnow()
            self._audit(session, rec, "acknowledged", by.strip(), audit=audit)
            return self._emit(session, "acknowledged", rec)

    def delete(
        self,
        handoff_id: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        audit: Actor | None = None,
        audit_detail: dict[str, Any] | None = None,
    ) -> Handoff:
        """Delete the record; hooks roll back its effects first. The upload is the caller's.
        The handoff's own trail goes with it; the audit log's row stays (with `audit_detail`,
        e.g. the retention rule that deleted it)."""
        with self.session() as session:
            rec = self._load(session, team, handoff_id)
            if audit is not None:
                record(
                    session,
                    audit,
                    "handoff.delete",
                    team=rec.team,
                    resource=("handoff", rec.id),
                    detail=audit_detail,
                )
            view = self._emit(session, "deleted", rec)
            session.delete(rec)
            return view
