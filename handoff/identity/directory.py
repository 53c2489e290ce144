"""Accounts, teams and who is in which team with which role.

Every change writes its audit row in the same transaction. Usernames and emails are compared
lowercased; team names are slugs (`handoff.teams.validate_team`). Nothing here decides what a
request may do: that is `api.auth.policy`, which reads `memberships()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.audit import Actor, record
from handoff.db import migrate, session_scope
from handoff.errors import ConflictError, InvalidInput, NotFound
from handoff.identity.errors import Forbidden
from handoff.identity.models import (
    MembershipRecord,
    PersonLinkRecord,
    TeamRecord,
    UserRecord,
)
from handoff.identity.passwords import hash_password, verify_password
from handoff.identity.roles import Role
from handoff.identity.secrets import new_id
from handoff.identity.views import Membership, Team, User, team_view, user_view
from handoff.models import utcnow
from handoff.teams import validate_team

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")


def check_username(value: str) -> str:
    """The lowercased username, or InvalidInput with one sentence."""
    name = value.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidInput(
            f"The username {value!r} is not valid: use 1 to 64 lowercase letters, digits, '.', "
            "'-' or '_', starting with a letter or digit."
        )
    return name


def check_email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    email = value.strip().lower()
    if not _EMAIL.fullmatch(email) or "." not in email.rsplit("@", 1)[1]:
        raise InvalidInput(f"{value!r} is not an email address.")
    return email


@lru_cache(maxsize=64)
def _cached_verify(password: str, password_hash: str) -> bool:
    return verify_password(password, password_hash)


@dataclass(frozen=True, slots=True)
class OidcIdentity:
    """The claims single sign-on vouches for, after the id_token was verified."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    preferred_username: str | None


@dataclass(frozen=True, slots=True)
class Provisioning:
    """Who single sign-on may create an account for."""

    auto_provision: bool
    allowed_domains: frozenset[str]
    open_signup: bool

    def allows(self, email: str | None, verified: bool) -> bool:
        if not self.auto_provision or email is None or not verified:
            return False
        return self.open_signup or email.rsplit("@", 1)[-1] in self.allowed_domains


class Directory:
    """Users, teams, memberships. `url` is the database; migrated on first use."""

    def __init__(self, url: str, *, password_min_length: int = 12) -> None:
        self.url = url
        self.password_min_length = password_min_length
        migrate(url)

    # -- users ----------------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        *,
        actor: Actor,
        display_name: str | None = None,
        email: str | None = None,
        password: str | None = None,
        is_admin: bool = False,
        oidc: OidcIdentity | None = None,
    ) -> User:
        """A new account; `password=None` makes a single-sign-on-only account."""
        name = check_username(username)
        mail = check_email(email)
        hashed = None
        if password is not None:
            hashed = hash_password(password, min_length=self.password_min_length)
        row = UserRecord(
            id=new_id(),
            username=name,
            email=mail,
            display_name=(display_name or "").strip()[:200] or name,
            password_hash=hashed,
            oidc_issuer=oidc.issuer if oidc else None,
            oidc_subject=oidc.subject if oidc else None,
            is_admin=is_admin,
            disabled=False,
            created_at=utcnow(),
        )
        with session_scope(self.url) as session:
            self._refuse_taken(session, name, mail)
            session.add(row)
            session.flush()
            detail = {"username": name, "is_admin": is_admin, "sso": oidc is not None}
            record(session, actor, "user.create", resource=("user", row.id), detail=detail)
            return user_view(row)

    @staticmethod
    def _refuse_taken(session: Session, username: str, email: str | None) -> None:
        if session.scalar(select(UserRecord.id).where(UserRecord.username == username)):
            raise ConflictError(f"The username '{username}' is taken.")
        if email and session.scalar(select(UserRecord.id).where(UserRecord.email == email)):
            raise ConflictError(f"An account with the email '{email}' already exists.")

    def _user_row(self, session: Session, username: str) -> UserRecord:
        key = username.strip().lower()
        row = session.scalar(
            select(UserRecord).where((UserRecord.username == key) | (UserRecord.email == key))
        )
        if row is None:
            raise NotFound(f"There is no account '{username}'.")
        return row

    def user(self, username: str) -> User:
        """The account named `username` (or with that email)."""
        with session_scope(self.url) as session:
            return user_view(self._user_row(session, username))

    def user_by_id(self, user_id: str) -> User | None:
        with session_scope(self.url) as session:
            row = session.get(UserRecord, user_id)
            return user_view(row) if row else None

    def users(self) -> list[User]:
        with session_scope(self.url) as session:
            rows = session.scalars(select(UserRecord).order_by(UserRecord.username))
            return [user_view(r) for r in rows]

    def count_users(self) -> int:
        with session_scope(self.url) as session:
            return int(session.scalar(select(func.count()).select_from(UserRecord)) or 0)

    def set_disabled(self, username: str, disabled: bool, *, actor: Actor) -> User:
        """Disable (or enable) an account. A disabled account's sessions and tokens stop working
        at their next request (both check the flag)."""
        with session_scope(self.url) as session:
            row = self._user_row(session, username)
            row.disabled = disabled
            action = "user.disable" if disabled else "user.enable"
            record(session, actor, action, resource=("user", row.id))
            return user_view(row)

    def set_password(self, username: str, password: str, *, actor: Actor) -> User:
        hashed = hash_password(password, min_length=self.password_min_length)
        with session_scope(self.url) as session:
            row = self._user_row(session, username)
            row.password_hash = hashed
            record(session, actor, "user.password", resource=("user", row.id))
            return user_view(row)

    def set_admin(self, username: str, is_admin: bool, *, actor: Actor) -> User:
        with session_scope(self.url) as session:
            row = self._user_row(session, username)
            row.is_admin = is_admin
            detail = {"is_admin": is_admin}
            record(session, actor, "user.admin", resource=("user", row.id), detail=detail)
            return user_view(row)

    # -- signing in -----------------------------------------------------------------------------
    def authenticate(self, login: str, password: str) -> User | None:
        """The enabled account whose username or email is `login` and whose password matches;
        None otherwise (one argon2 verification either way, so timing reveals nothing)."""
        key = login.strip().lower()[:320]
        with session_scope(self.url) as session:
            row = session.scalar(
                select(UserRecord).where((UserRecord.username == key) | (UserRecord.email == key))
            )
            ok = verify_password(password, row.password_hash if row else None)
            if row is None or not ok or row.disabled:
                return None
            row.last_sign_in_at = utcnow()
            return user_view(row)

    def password_matches(self, login: str, password: str) -> bool:
        """Whether an enabled account's password is `password`, with no sign-in recorded (the
        development sign-in page asks this of every demo account at each view, so answers are
        cached per stored hash: a changed password is a new question)."""
        key = login.strip().lower()
        with session_scope(self.url) as session:
            row = session.scalar(select(UserRecord).where(UserRecord.username == key))
            if row is None or row.disabled or row.password_hash is None:
                return False
            return _cached_verify(password, row.password_hash)

    def oidc_sign_in(self, identity: OidcIdentity, *, rules: Provisioning, actor: Actor) -> User:
        """The account single sign-on signs in: the one linked to (issuer, subject); else the one
        with the same verified email, which gets linked; else a new one when `rules` allow it.
        Raises Forbidden (one sentence for the person) when there is none to sign in."""
        email = check_email(identity.email) if identity.email else None
        with session_scope(self.url) as session:
            row = session.scalar(
                select(UserRecord).where(
                    UserRecord.oidc_issuer == identity.issuer,
                    UserRecord.oidc_subject == identity.subject,
                )
            )
            if row is None and email and identity.email_verified:
                row = self._link_by_email(session, identity, email, actor)
            if row is None and rules.allows(email, identity.email_verified):
                row = self._provision(session, identity, email, actor)
            if row is None:
                who = email or "this sign-in"
                raise Forbidden(f"There is no account for {who}; ask an administrator for one.")
            if row.disabled:
                raise Forbidden(f"The account '{row.username}' is disabled.")
            row.last_sign_in_at = utcnow()
            return user_view(row)

    @staticmethod
    def _link_by_email(
        session: Session, identity: OidcIdentity, email: str, actor: Actor
    ) -> UserRecord | None:
        row = session.scalar(select(UserRecord).where(UserRecord.email == email))
        if row is None or row.oidc_subject is not None:
            return None  # an account linked to another identity is never re-linked silently
        row.oidc_issuer, row.oidc_subject = identity.issuer, identity.subject
        detail = {"issuer": identity.issuer}
        record(session, actor, "user.link_oidc", resource=("user", row.id), detail=detail)
        return row

    def _provision(
        self, session: Session, identity: OidcIdentity, email: str | None, actor: Actor
    ) -> UserRecord:
        base = identity.preferred_username or (email.split("@")[0] if email else "user")
        username = self._free_username(session, base)
        row = UserRecord(
            id=new_id(),
            username=username,
            email=email,
            display_name=(identity.name or username)[:200],
            password_hash=None,
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
            is_admin=False,
            disabled=False,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        detail = {"username": username, "sso": True, "provisioned": True}
        record(session, actor, "user.create", resource=("user", row.id), detail=detail)
        return row

    @staticmethod
    def _free_username(session: Session, wanted: str) -> str:
        base = re.sub(r"[^a-z0-9._-]", "", wanted.lower()).lstrip("._-")[:56] or "user"
        for n in range(1000):
            name = base if n == 0 else f"{base}{n + 1}"
            if not session.scalar(select(UserRecord.id).where(UserRecord.username == name)):
                return name
        return f"{base}-{new_id()[:6]}"

    # -- teams and memberships ----------------------------------------------------------------
    def create_team(self, slug: str, *, actor: Actor, display_name: str | None = None) -> Team:
        name = validate_team(slug)
        with session_scope(self.url) as session:
            if session.get(TeamRecord, name) is not None:
                raise ConflictError(f"The team '{name}' already exists.")
            row = TeamRecord(
                slug=name, display_name=(display_name or name).strip()[:200], created_at=utcnow()
            )
            session.add(row)
            session.flush()
            record(session, actor, "team.create", team=name, resource=("team", name))
            return team_view(row)

    def teams(self) -> list[Team]:
        with session_scope(self.url) as session:
            return [team_view(r) for r in session.scalars(select(TeamRecord).order_by("slug"))]

    @staticmethod
    def _team_row(session: Session, team: str) -> TeamRecord:
        row = session.get(TeamRecord, validate_team(team))
        if row is None:
            raise NotFound(f"There is no team '{team}'.")
        return row

    def add_member(
        self, team: str, username: str, role: Role | str = Role.MEMBER, *, actor: Actor
    ) -> Membership:
        wanted = Role.parse(role)
        with session_scope(self.url) as session:
            slug = self._team_row(session, team).slug
            user = self._user_row(session, username)
            if self._membership_row(session, slug, user.id) is not None:
                raise ConflictError(f"'{user.username}' is already in the team '{slug}'.")
            session.add(
                MembershipRecord(team=slug, user_id=user.id, role=wanted.label, created_at=utcnow())
            )
            try:
                session.flush()
            except IntegrityError as exc:  # a concurrent add of the same person
                raise ConflictError(f"'{user.username}' is already in the team '{slug}'.") from exc
            detail = {"username": user.username, "role": wanted.label}
            record(
                session, actor, "member.add", team=slug, resource=("user", user.id), detail=detail
            )
            return Membership(team=slug, user_id=user.id, username=user.username, role=wanted)

    @staticmethod
    def _membership_row(session: Session, team: str, user_id: str) -> MembershipRecord | None:
        return session.scalar(
            select(MembershipRecord).where(
                MembershipRecord.team == team, MembershipRecord.user_id == user_id
            )
        )

    def remove_member(self, team: str, username: str, *, actor: Actor) -> None:
        with session_scope(self.url) as session:
            slug = self._team_row(session, team).slug
            user = self._user_row(session, username)
            row = self._membership_row(session, slug, user.id)
            if row is None:
                raise NotFound(f"'{user.username}' is not in the team '{slug}'.")
            session.delete(row)
            # someone who left the team is no longer who its people are (routing stays inside)
            links = session.scalars(
                select(PersonLinkRecord).where(
                    PersonLinkRecord.team == slug, PersonLinkRecord.user_id == user.id
                )
            )
            for link in links:
                session.delete(link)
            detail = {"username": user.username, "role": row.role}
            record(
                session,
                actor,
                "member.remove",
                team=slug,
                resource=("user", user.id),
                detail=detail,
            )

    def set_role(self, team: str, username: str, role: Role | str, *, actor: Actor) -> Membership:
        wanted = Role.parse(role)
        with session_scope(self.url) as session:
            slug = self._team_row(session, team).slug
            user = self._user_row(session, username)
            row = self._membership_row(session, slug, user.id)
            if row is None:
                raise NotFound(f"'{user.username}' is not in the team '{slug}'.")
            detail = {"username": user.username, "from": row.role, "to": wanted.label}
            row.role = wanted.label
            record(
                session, actor, "member.role", team=slug, resource=("user", user.id), detail=detail
            )
            return Membership(team=slug, user_id=user.id, username=user.username, role=wanted)

    def memberships(self, user_id: str) -> dict[str, Role]:
        """{team: role} for one account: what `api.auth` checks every request against."""
        with session_scope(self.url) as session:
            rows = session.scalars(
                select(MembershipRecord).where(MembershipRecord.user_id == user_id)
            )
            return {r.team: Role.parse(r.role) for r in rows}

    def members(self, team: str) -> list[Membership]:
        with session_scope(self.url) as session:
            slug = self._team_row(session, team).slug
            rows = session.execute(
                select(MembershipRecord, UserRecord.username)
                .join(UserRecord, UserRecord.id == MembershipRecord.user_id)
                .where(MembershipRecord.team == slug)
                .order_by(UserRecord.username)
            )
            return [
                Membership(team=slug, user_id=m.user_id, username=name, role=Role.parse(m.role))
                for m, name in rows
            ]
