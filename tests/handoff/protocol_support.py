"""A team for the protocol's tests: Amir (Singapore) writes wraps, Sarah decides, Lars (London)
takes the next shift, Lena leads; a store with the ledger and routing hooks, and a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.audit import Actor
from handoff.db import session_scope
from handoff.declaration import Blocker, Declaration, InFlightItem, NextAction
from handoff.identity.directory import Directory
from handoff.identity.models import UserRecord
from handoff.identity.roles import Role
from handoff.ledger import Ledger
from handoff.protocol.messages import Links
from handoff.protocol.people import update_profile
from handoff.protocol.routing import RoutingHook
from handoff.store import HandoffStore

TEAM = "core"
#: Friday 20 November 2026, 18:00 in Singapore (10:00 UTC).
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
OP = Actor.operator()


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


@dataclass
class World:
    url: str
    store: HandoffStore
    clock: Clock
    users: dict[str, str] = field(default_factory=dict)

    def user(self, name: str) -> UserRecord:
        with session_scope(self.url) as s:
            row = s.get(UserRecord, self.users[name])
            assert row is not None
            s.expunge(row)
            return row

    def publish(
        self, author: str, decl: Declaration, *, at: datetime | None = None, text: str = "wrap"
    ) -> str:
        h = self.store.create(
            team=TEAM,
            author=author,
            recorded_at=at or self.clock.now,
            source_kind="text",
            source_text=text,
            declaration=decl,
        )
        self.store.publish(h.id, actor=author, force_reason="test")
        return h.id


PEOPLE: dict[str, tuple[str, Role, str, dict[str, Any]]] = {
    "amir": ("Amir", Role.MEMBER, "Asia/Singapore", {}),
    "sarah": (
        "Sarah",
        Role.MEMBER,
        "Asia/Singapore",
        {"email": "sarah@example.com", "slack_user_id": "U0SARAH"},
    ),
    "lars": ("Lars", Role.MEMBER, "Europe/London", {}),
    "lena": ("Lena", Role.LEAD, "Europe/London", {}),
}


def make_world(url: str) -> World:
    directory = Directory(url)
    directory.create_team(TEAM, actor=OP)
    clock = Clock()
    store = HandoffStore(
        url, hooks=[Ledger().hook, RoutingHook(Links("http://app.test"), clock=clock)]
    )
    world = World(url, store, clock)
    for username, (display, role, tz, channels) in PEOPLE.items():
        user = directory.create_user(username, display_name=display, actor=OP)
        directory.add_member(TEAM, username, role, actor=OP)
        world.users[username] = user.id
        with session_scope(url) as s:
            update_profile(s, user.id, {"timezone": tz, "channels": channels})
    return world


def wrap(**parts: Any) -> Declaration:
    base: dict[str, Any] = {"returns_at": "Monday 9am SGT"}
    base.update(parts)
    empty = [
        p
        for p in ("shipped", "in_flight", "decisions", "blockers", "next_actions")
        if not base.get(p)
    ]
    return Declaration(stated_empty=empty, **base)


def session_timeout_wrap() -> Declaration:
    return wrap(
        in_flight=[InFlightItem(item="auth-session-refresh", status="blocked")],
        blockers=[
            Blocker(
                description="need product decision on session timeout duration",
                item="auth-session-refresh",
                needed_from="Sarah",
                why_blocking="the refresh logic depends on it",
            ),
            Blocker(description="waiting on the VPN request", needed_from="Dana from IT"),
        ],
        next_actions=[NextAction(action="ping James about PR #1842", owner="Lars")],
    )
