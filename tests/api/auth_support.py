"""Shared pieces of the identity tests: a small world of teams, accounts, tokens and records
(the app itself is `api.app.create_app`, which mounts `install_security`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from api.auth.services import Identity, get_identity
from handoff.audit import Actor
from handoff.db import session_scope
from handoff.identity.roles import Role
from handoff.settings import Settings

PASSWORD = "correct horse battery staple"
OP = Actor.operator()
TEAM, OTHER = "payments", "platform"

#: account -> (team, role); "admin" is an instance administrator in no team.
PEOPLE: dict[str, tuple[str, Role] | None] = {
    "mia": (TEAM, Role.MEMBER),
    "ann": (TEAM, Role.MEMBER),  # the author of the handoff below
    "rex": (TEAM, Role.REVIEWER),
    "lee": (TEAM, Role.LEAD),
    "otto": (OTHER, Role.LEAD),  # a lead, but of another team
    "admin": None,
}


@dataclass
class World:
    identity: Identity
    users: dict[str, str] = field(default_factory=dict)  # name -> user id
    tokens: dict[str, str] = field(default_factory=dict)  # name -> bearer secret
    handoff_id: str = "h-payments-1"
    job_id: str = "j-payments-1"
    item_id: str = "i-payments-1"

    def bearer(self, name: str | None) -> dict[str, str]:
        return {} if name is None else {"Authorization": f"Bearer {self.tokens[name]}"}


def build_world(settings: Settings, *, passwords: bool = False) -> World:
    """Teams, accounts with tokens, and one handoff (by ann), job and ledger item of TEAM."""
    identity = get_identity(settings)
    world = World(identity=identity)
    directory = identity.directory
    for team in (TEAM, OTHER):
        directory.create_team(team, actor=OP)
    for name, membership in PEOPLE.items():
        user = directory.create_user(
            name, password=PASSWORD if passwords else None, is_admin=name == "admin", actor=OP
        )
        world.users[name] = user.id
        if membership is not None:
            directory.add_member(membership[0], name, membership[1], actor=OP)
        world.tokens[name] = identity.tokens.create(user.id, name="tests", actor=OP).secret
    add_records(settings, world, author=world.users["ann"])
    return world


def add_records(settings: Settings, world: World, *, author: str | None) -> None:
    from handoff.ledger.models import LedgerItem
    from handoff.models import HandoffRecord, JobRecord

    now = datetime.now(UTC)
    url = settings.resolved_database_url
    with session_scope(url) as session:
        session.add(
            HandoffRecord(
                id=world.handoff_id,
                team=TEAM,
                author="Ann",
                status="draft",
                source_kind="text",
                source_text="Shipped the thing.",
            )
        )
        session.add(JobRecord(id=world.job_id, team=TEAM, kind="extract", state="failed"))
        session.add(
            LedgerItem(
                id=world.item_id,
                team=TEAM,
                kind="work",
                name="refund flow",
                key="refund-flow",
                state="open",
                first_at=now,
                last_at=now,
            )
        )
    with session_scope(url) as session:
        session.execute(
            sa.text("UPDATE handoffs SET author_user_id = :a WHERE id = :h"),
            {"a": author, "h": world.handoff_id},
        )
