"""API tokens for scripts, the CLI against a remote server and integrations.

A token is `hnd_` + 43 random URL-safe characters, shown once to its owner. Only its SHA-256 is
stored; verification looks the digest up and compares it again in constant time. A token acts as
its owner, narrowed (never widened) by its team list and read-only flag; revoking it, or disabling
its owner, stops it at the next request.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.audit import Actor, record
from handoff.db import migrate, session_scope
from handoff.errors import ConflictError, InvalidInput, NotFound
from handoff.identity.models import ApiTokenRecord, MembershipRecord, UserRecord
from handoff.identity.secrets import TOKEN_PREFIX, digest, new_id, new_secret, same
from handoff.identity.views import NewToken, TokenGrant, TokenInfo, token_view
from handoff.models import utcnow
from handoff.teams import validate_team

#: last_used_at is written at most this often per token (a busy script is not a write per call).
TOUCH_EVERY = timedelta(minutes=1)
_SECRET_LENGTH = len(TOKEN_PREFIX) + 43


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and len(value) == _SECRET_LENGTH


class TokenStore:
    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    def create(
        self,
        user_id: str,
        *,
        name: str,
        actor: Actor,
        teams: list[str] | None = None,
        read_only: bool = False,
    ) -> NewToken:
        """A new token for `user_id`; `teams` must be teams the owner is in."""
        label = name.strip()
        if not 1 <= len(label) <= 100:
            raise InvalidInput("Give the token a name of 1 to 100 characters.")
        limited = sorted({validate_team(t) for t in teams}) if teams is not None else None
        if limited is not None and not limited:
            raise InvalidInput("A token limited to teams needs at least one team.")
        secret = new_secret(TOKEN_PREFIX)
        with session_scope(self.url) as session:
            self._check_owner(session, user_id, limited)
            row = ApiTokenRecord(
                id=new_id(),
                user_id=user_id,
                name=label,
                prefix=secret[: len(TOKEN_PREFIX) + 6],
                secret_sha256=digest(secret),
                teams=limited,
                read_only=read_only,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            detail = {"name": label, "teams": limited, "read_only": read_only, "owner": user_id}
            record(session, actor, "token.create", resource=("token", row.id), detail=detail)
            return NewToken(info=token_view(row), secret=secret)

    @staticmethod
    def _check_owner(session: Session, user_id: str, teams: list[str] | None) -> None:
        owner = session.get(UserRecord, user_id)
        if owner is None or owner.disabled:
            raise NotFound("There is no such account, or it is disabled.")
        if teams is None:
            return
        mine = set(
            session.scalars(
                select(MembershipRecord.team).where(MembershipRecord.user_id == user_id)
            )
        )
        outside = [t for t in teams if t not in mine]
        if outside:
            raise InvalidInput(
                f"'{owner.username}' is not in the team '{outside[0]}'; a token cannot reach "
                "further than its owner."
            )

    def verify(self, secret: str) -> TokenGrant | None:
        """What the token may do, or None for an unknown, revoked or disabled owner's token."""
        if not looks_like_token(secret):
            return None
        wanted = digest(secret)
        with session_scope(self.url) as session:
            row = session.scalar(
                select(ApiTokenRecord).where(ApiTokenRecord.secret_sha256 == wanted)
            )
            if row is None or not same(row.secret_sha256, wanted) or row.revoked_at is not None:
                return None
            owner = session.get(UserRecord, row.user_id)
            if owner is None or owner.disabled:
                return None
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
                row.last_used_at = now
            teams = frozenset(row.teams) if row.teams is not None else None
            return TokenGrant(
                token_id=row.id, user_id=row.user_id, teams=teams, read_only=row.read_only
            )

    def list(self, user_id: str) -> list[TokenInfo]:
        with session_scope(self.url) as session:
            rows = session.scalars(
                select(ApiTokenRecord)
                .where(ApiTokenRecord.user_id == user_id)
                .order_by(ApiTokenRecord.created_at.desc())
            )
            return [token_view(r) for r in rows]

    def revoke(self, token_id: str, *, actor: Actor, owner_id: str | None) -> TokenInfo:
        """Revoke a token. `owner_id` is the caller's account: another account's token answers
        NotFound, like a missing one. `None` is the operator, who may revoke any token."""
        with session_scope(self.url) as session:
            row = session.get(ApiTokenRecord, token_id)
            if row is None or (owner_id is not None and row.user_id != owner_id):
                raise NotFound(f"There is no token '{token_id}'.")
            if row.revoked_at is not None:
                raise ConflictError(f"The token '{row.name}' is already revoked.")
            row.revoked_at = utcnow()
            detail = {"name": row.name, "owner": row.user_id}
            record(session, actor, "token.revoke", resource=("token", row.id), detail=detail)
            return token_view(row)
