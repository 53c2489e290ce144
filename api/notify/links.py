"""Signed, expiring, single-use links for one-click actions in email and Slack.

A link lets the person a blocker was routed to act from the message ("Acknowledge", "Resolve
with a note") without signing in first: the link itself is the proof, so it must be
unforgeable (signed with the app's secret key, itsdangerous, HMAC-SHA256, a salt of its own so
a session cookie can never pass as a link), short-lived (an expiry inside the signed payload,
HANDOFF_ACTION_LINK_TTL_S by default), and good for one use (its id recorded in
`action_tokens` when used; migration 0010a_action_tokens).

The contract for the routes that use these links (not defined here):

    token = make_action_token(settings, user.id, "resolve", item.id, team=team)
    url = action_url(settings, token)          # PUBLIC_URL + ACTION_PATH + "/" + token

    GET  ACTION_PATH/{token}   claim = read_action_token(settings, token)
                               -> a small confirm page for claim.action on claim.item_id (with
                                  a note field for "resolve"); nothing is changed by a GET, so
                                  a mail scanner that follows links cannot act for anyone
    POST ACTION_PATH/{token}   claim = read_action_token(settings, token)
                               in ONE transaction: consume(session, claim), then the action
                               itself as claim.user_id in claim.team; if the action fails the
                               transaction rolls back and the link stays usable

Errors (all `HandoffError`, so the app's one handler answers them):
    ActionLinkInvalid   400  not a link we signed (tampered, another key, wrong shape)
    ActionLinkExpired   410  signed by us, but past its expiry
    ActionLinkUsed      409  already used (`consume` found its id)
The page for them should say what to do next ("open handoff and act from the inbox").

The routes are `api.routes.actions`; `signer(settings)` is what `api.wiring.store.links_for`
puts in the messages' `Links`, so every routed message carries these links as its actions.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ForeignKey, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.auth.production import resolve_secret_key
from handoff.errors import ConflictError, HandoffError
from handoff.models import Base
from handoff.settings import Settings

#: What a link may do. The routes decide what each means; anything else is refused when signed.
ACTIONS = frozenset({"acknowledge", "resolve", "not_mine", "reassign"})
#: Where the confirm page lives (the routes that use links mount it here).
ACTION_PATH = "/actions"
_SALT = "handoff.action-link.v1"


class ActionLinkInvalid(HandoffError):
    """The link is not one this server signed, or it was changed."""

    status_code = 400


class ActionLinkExpired(ActionLinkInvalid):
    """The link was ours but is past its expiry."""

    status_code = 410


class ActionLinkUsed(ConflictError):
    """The link was already used once."""


class ActionTokenRecord(Base):
    """A used link (migration 0010a_action_tokens)."""

    __tablename__ = "action_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team: Mapped[str] = mapped_column(String(64), ForeignKey("teams.slug", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime] = mapped_column()


@dataclass(frozen=True, slots=True)
class ActionClaim:
    """What a valid link says: who may do which action on which item of which team, until when."""

    token_id: str
    team: str
    user_id: str
    action: str
    item_id: str
    expires_at: datetime


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(
        resolve_secret_key(settings),
        salt=_SALT,
        signer_kwargs={"digest_method": hashlib.sha256},
    )


def make_action_token(
    settings: Settings,
    user_id: str,
    action: str,
    item_id: str,
    ttl: timedelta | float | None = None,
    *,
    team: str,
    now: datetime | None = None,
) -> str:
    """A URL-safe token letting `user_id` do `action` on `item_id` in `team` once, for `ttl`
    (a timedelta or seconds; default HANDOFF_ACTION_LINK_TTL_S)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; valid: {', '.join(sorted(ACTIONS))}.")
    if ttl is None:
        ttl = settings.action_link_ttl_s
    seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
    if seconds <= 0:
        raise ValueError("An action link's ttl must be positive.")
    expires = (now or datetime.now(UTC)) + timedelta(seconds=seconds)
    payload = {
        "j": secrets.token_urlsafe(16),
        "t": team,
        "u": user_id,
        "a": action,
        "i": item_id,
        "x": int(expires.timestamp()),
    }
    token = _serializer(settings).dumps(payload)
    return token if isinstance(token, str) else token.decode()


def read_action_token(
    settings: Settings, token: str, *, now: datetime | None = None
) -> ActionClaim:
    """The claim a token carries, once its signature and expiry are checked (it is not marked
    used: that is `consume`). Raises ActionLinkInvalid or ActionLinkExpired."""
    try:
        payload: Any = _serializer(settings).loads(token)
    except BadSignature as exc:
        raise ActionLinkInvalid(
            "This action link is not valid; it may have been cut short."
        ) from exc
    claim = _claim(payload)
    if (now or datetime.now(UTC)) >= claim.expires_at:
        raise ActionLinkExpired(
            "This action link has expired; open the item in handoff to act on it."
        )
    return claim


def _claim(payload: Any) -> ActionClaim:
    keys = ("j", "t", "u", "a", "i")
    if (
        not isinstance(payload, dict)
        or not all(isinstance(payload.get(k), str) and payload[k] for k in keys)
        or not isinstance(payload.get("x"), int)
        or payload["a"] not in ACTIONS
    ):
        raise ActionLinkInvalid("This action link is not valid.")
    return ActionClaim(
        token_id=payload["j"],
        team=payload["t"],
        user_id=payload["u"],
        action=payload["a"],
        item_id=payload["i"],
        expires_at=datetime.fromtimestamp(payload["x"], UTC),
    )


def consume(session: Session, claim: ActionClaim, *, now: datetime | None = None) -> None:
    """Mark the link used, atomically: of any number of concurrent or later uses exactly one
    returns, every other raises ActionLinkUsed. Runs in the caller's transaction (no commit),
    so the action it guards and the mark are written together or not at all.

    The mark is an INSERT ... ON CONFLICT DO NOTHING RETURNING on the link's id: a second use
    inserts nothing (on PostgreSQL a concurrent second use waits for the first to commit or roll
    back), and the caller's transaction stays usable either way."""
    when = now or datetime.now(UTC)
    if when >= claim.expires_at:
        raise ActionLinkExpired(
            "This action link has expired; open the item in handoff to act on it."
        )
    values = {
        "id": claim.token_id,
        "team": claim.team,
        "user_id": claim.user_id,
        "action": claim.action,
        "item_id": claim.item_id,
        "expires_at": claim.expires_at,
        "used_at": when,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(ActionTokenRecord).values(**values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(ActionTokenRecord).values(**values)
    else:  # pragma: no cover - handoff runs on SQLite or PostgreSQL
        raise HandoffError(f"Action links are not supported on {dialect}.")
    # RETURNING says whether a row went in (rowcount is not reliable for this on every driver).
    stmt = stmt.on_conflict_do_nothing().returning(ActionTokenRecord.id)
    if session.execute(stmt).first() is None:
        raise ActionLinkUsed("This action link was already used.")


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete the marks of links past their expiry (their signatures refuse them anyway)."""
    cutoff = now or datetime.now(UTC)
    result: Any = session.execute(
        delete(ActionTokenRecord).where(ActionTokenRecord.expires_at < cutoff)
    )
    return int(result.rowcount or 0)


def signer(settings: Settings) -> Callable[[str, str, str, str], str]:
    """`(team, item id, action, user id) -> URL` of a fresh signed link: what the protocol's
    messages use for their one-click actions (`handoff.protocol.messages.Links.action`)."""

    def sign(team: str, item_id: str, action: str, user_id: str) -> str:
        token = make_action_token(settings, user_id, action, item_id, team=team)
        return action_url(settings, token)

    return sign


def action_url(settings: Settings, token: str) -> str:
    """The link to put in a message: HANDOFF_PUBLIC_URL (or a relative path without it)."""
    base = (settings.public_url or "").rstrip("/")
    return f"{base}{ACTION_PATH}/{token}"
