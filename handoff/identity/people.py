"""People named in wraps (a team's vocabulary) linked to the accounts they are.

"Waiting on Sarah" names a person of the vocabulary; once Sarah is linked to her account, that
work can be routed to her. A link is per team (two teams may both have a "Sam"), and only a
member of the team can be linked, so routing never leaves the team.
"""

from __future__ import annotations

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
