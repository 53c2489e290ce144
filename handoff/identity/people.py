"""People named in wraps (a team's vocabulary) linked to the accounts they are.

"Waiting on Sarah" names a person of the vocabulary; once Sarah is linked to her account, that
work can be routed to her. A link is per team (two teams may both have a "Sam"), and only a
member of the team can be linked, so routing never leaves the team.

Links are made by a lead (`link`/`unlink`) or by `auto_link` when a vocabulary person and a team
member's account match without doubt: the same name as the account's username or display name,
or the person's chat handle as the username, ignoring case; exactly one account matching the
person, and that account matching no other unlinked person of the team. Anything less certain
waits for a lead, because a wrong link would route someone else's work to a person.
"""

from __future__ import annotations

import contextlib
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.audit import Actor, record
from handoff.db import migrate, session_scope
from handoff.errors import ConflictError, InvalidInput, NotFound
from handoff.identity.models import MembershipRecord, PersonLinkRecord, TeamRecord, UserRecord
from handoff.identity.views import User, user_view
from handoff.models import utcnow
from handoff.teams import validate_team
from handoff.vocabulary import VocabPerson


class PeopleLinks:
    def __init__(self, url: str) -> None:
        self.url = url
        migrate(url)

    @staticmethod
    def _person_name(session: Session, team: str, name: str) -> str:
        """The person's name as the vocabulary spells it (matched without regard to case)."""
        wanted = name.strip().casefold()
        for known in session.scalars(select(VocabPerson.name).where(VocabPerson.team == team)):
            if known.casefold() == wanted:
                return known
        raise NotFound(f"{name!r} is not a person in the {team} team's vocabulary; add them first.")

    def link(self, team: str, person: str, username: str, *, actor: Actor) -> str:
        """Link the vocabulary's `person` to the account `username`; returns the person's name."""
        slug = validate_team(team)
        with session_scope(self.url) as session:
            if session.get(TeamRecord, slug) is None:
                raise NotFound(f"There is no team '{slug}'.")
            name = self._person_name(session, slug, person)
            user = session.scalar(select(UserRecord).where(UserRecord.username == username.lower()))
            if user is None:
                raise NotFound(f"There is no account '{username}'.")
            member = session.scalar(
                select(MembershipRecord.id).where(
                    MembershipRecord.team == slug, MembershipRecord.user_id == user.id
                )
            )
            if member is None:
                raise InvalidInput(
                    f"'{user.username}' is not in the team '{slug}'; add them first."
                )
            existing = session.scalar(
                select(PersonLinkRecord).where(
                    PersonLinkRecord.team == slug, PersonLinkRecord.person_name == name
                )
            )
            if existing is not None:
                raise ConflictError(f"{name} is already linked to an account; unlink them first.")
            session.add(
                PersonLinkRecord(team=slug, person_name=name, user_id=user.id, created_at=utcnow())
            )
            detail = {"person": name, "username": user.username}
            record(
                session, actor, "person.link", team=slug, resource=("user", user.id), detail=detail
            )
            return name

    def unlink(self, team: str, person: str, *, actor: Actor) -> None:
        slug = validate_team(team)
        with session_scope(self.url) as session:
            row = self._link_row(session, slug, person)
            if row is None:
                raise NotFound(f"{person!r} is not linked to an account in the team '{slug}'.")
            session.delete(row)
            detail = {"person": row.person_name}
            record(
                session,
                actor,
                "person.unlink",
                team=slug,
                resource=("user", row.user_id),
                detail=detail,
            )

    @staticmethod
    def _link_row(session: Session, team: str, person: str) -> PersonLinkRecord | None:
        wanted = person.strip().casefold()
        rows = session.scalars(select(PersonLinkRecord).where(PersonLinkRecord.team == team))
        return next((r for r in rows if r.person_name.casefold() == wanted), None)

    def account_for(self, team: str, person: str) -> User | None:
        """The account a person of the team's vocabulary is, if linked (and still enabled)."""
        slug = validate_team(team)
        with session_scope(self.url) as session:
            row = self._link_row(session, slug, person)
            if row is None:
                return None
            user = session.get(UserRecord, row.user_id)
            return user_view(user) if user is not None and not user.disabled else None

    def links(self, team: str) -> dict[str, str]:
        """{person name: username} of the team's links to enabled accounts (for display)."""
        slug = validate_team(team)
        with session_scope(self.url) as session:
            rows = session.execute(
                select(PersonLinkRecord.person_name, UserRecord.username)
                .join(UserRecord, UserRecord.id == PersonLinkRecord.user_id)
                .where(PersonLinkRecord.team == slug, UserRecord.disabled.is_(False))
            )
            return {name: username for name, username in rows}

    def auto_link(self, team: str, *, actor: Actor) -> list[tuple[str, str]]:
        """Link every unlinked person of the team who matches exactly one member's account (and
        that account no other person); returns the (person, username) pairs linked, each audited
        as `person.link` with `auto` in its detail. A team the directory does not know links
        nothing."""
        slug = validate_team(team)
        made: list[tuple[str, str]] = []
        with session_scope(self.url) as session:
            if session.get(TeamRecord, slug) is None:
                return made
            for name, user in _certain_matches(session, slug):
                session.add(
                    PersonLinkRecord(
                        team=slug, person_name=name, user_id=user.id, created_at=utcnow()
                    )
                )
                detail = {"person": name, "username": user.username, "auto": True}
                resource = ("user", user.id)
                record(session, actor, "person.link", team=slug, resource=resource, detail=detail)
                made.append((name, user.username))
        return made

    def forget(self, team: str, person: str, *, actor: Actor) -> None:
        """Drop the person's link, if any (the person left the vocabulary)."""
        with contextlib.suppress(NotFound):
            self.unlink(team, person, actor=actor)

    def people_of(self, user_id: str) -> dict[str, list[str]]:
        """{team: [person names]} linked to one account."""
        with session_scope(self.url) as session:
            rows = session.scalars(
                select(PersonLinkRecord).where(PersonLinkRecord.user_id == user_id)
            )
            out: dict[str, list[str]] = {}
            for r in rows:
                out.setdefault(r.team, []).append(r.person_name)
            return out


def _certain_matches(session: Session, team: str) -> list[tuple[str, UserRecord]]:
    """(person name, account) pairs of the team's unlinked people and unlinked enabled members
    that match each other and nobody else, in name order."""
    taken = session.execute(
        select(PersonLinkRecord.person_name, PersonLinkRecord.user_id).where(
            PersonLinkRecord.team == team
        )
    ).all()
    linked_names = {name.casefold() for name, _ in taken}
    linked_users = {user_id for _, user_id in taken}
    members = session.scalars(
        select(UserRecord)
        .join(MembershipRecord, MembershipRecord.user_id == UserRecord.id)
        .where(MembershipRecord.team == team, UserRecord.disabled.is_(False))
    )
    accounts = [u for u in members if u.id not in linked_users]
    people = session.execute(
        select(VocabPerson.name, VocabPerson.handle).where(VocabPerson.team == team)
    ).all()
    matches = {
        name: [u for u in accounts if _person_keys(name, handle) & _account_keys(u)]
        for name, handle in people
        if name.casefold() not in linked_names
    }
    claims = Counter(u.id for found in matches.values() for u in found)
    return [
        (name, found[0])
        for name, found in sorted(matches.items())
        if len(found) == 1 and claims[found[0].id] == 1  # otherwise a lead decides
    ]


def _person_keys(name: str, handle: str | None) -> set[str]:
    keys = {" ".join(name.split()).casefold()}
    if handle and handle.strip().lstrip("@"):
        keys.add(handle.strip().lstrip("@").casefold())
    return keys


def _account_keys(user: UserRecord) -> set[str]:
    keys = {user.username.casefold()}
    if user.display_name and user.display_name.strip():
        keys.add(" ".join(user.display_name.split()).casefold())
    return keys
