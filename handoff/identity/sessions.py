"""Browser sessions, kept server-side so that signing out really ends them.

The signed cookie carries a random session id; the database keeps its SHA-256 with the account,
how it signed in, and when it expires. Each sign-in makes a new id (the old one is deleted), so a
session id planted before sign-in is worthless after it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from handoff.db import migrate, session_scope
from handoff.identity.models import UserRecord, WebSessionRecord
from handoff.identity.secrets import digest, new_secret
from handoff.models import utcnow

#: last_seen_at is written at most this often per session.
TOUCH_EVERY = timedelta(minutes=5)


class SessionStore:
    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def start(
        self, user_id: str, *, method: str, max_age_s: int, address: str | None = None
    ) -> str:
        """A new session for `user_id`; returns the id to put in the cookie (never stored)."""
        sid = new_secret()
        now = utcnow()
        with session_scope(self.url) as session:
            # Expired sessions of this account go now, so the table does not grow for ever.
            session.execute(
                delete(WebSessionRecord).where(
                    WebSessionRecord.user_id == user_id, WebSessionRecord.expires_at < now
                )
            )
            session.add(
                WebSessionRecord(
                    id_sha256=digest(sid),
                    user_id=user_id,
                    method=method,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + timedelta(seconds=max_age_s),
                    address=address[:100] if address else None,
                )
            )
        return sid

    def user_for(self, sid: str) -> str | None:
        """The account of a live session, or None (unknown, expired, or account disabled)."""
        if not sid or len(sid) > 100:
            return None
        now = utcnow()
        with session_scope(self.url) as session:
            row = session.get(WebSessionRecord, digest(sid))
            if row is None:
                return None
            if row.expires_at <= now:
                session.delete(row)
                return None
            disabled = session.scalar(
                select(UserRecord.disabled).where(UserRecord.id == row.user_id)
            )
            if disabled is None or disabled:
                return None
            if now - row.last_seen_at >= TOUCH_EVERY:
                row.last_seen_at = now
            return row.user_id

    def end(self, sid: str) -> None:
        with session_scope(self.url) as session:
            session.execute(
                delete(WebSessionRecord).where(WebSessionRecord.id_sha256 == digest(sid))
            )

    def end_all(self, user_id: str) -> int:
        """Sign an account out everywhere (after a password change or disabling)."""
        with session_scope(self.url) as session:
            result = session.execute(
                delete(WebSessionRecord).where(WebSessionRecord.user_id == user_id)
            )
            return int(getattr(result, "rowcount", 0) or 0)
