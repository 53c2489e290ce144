"""Escalation, shift-end reminders and shift-start digests with a frozen clock, across Singapore
(Amir, Sarah) and London (Lars, Lena): each in the person's own hours, skipping weekends and days
off, and never twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handoff.db import session_scope
from handoff.protocol import schedule
from handoff.protocol.messages import Links
from handoff.protocol.models import Assignment, OutboxRow, PersonProfile
from handoff.protocol.people import update_rules
from tests.handoff.protocol_support import TEAM, World, make_world, session_timeout_wrap, wrap

LINKS = Links("http://app.test")


@pytest.fixture
def world(database_url: str) -> World:
    w = make_world(database_url)
    w.publish("Amir", session_timeout_wrap())  # Friday 18:00 in Singapore
    return w


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _to(world: World, name: str, kind: str) -> list[OutboxRow]:
    with session_scope(world.url) as s:
        return list(
            s.scalars(
                select(OutboxRow).where(
                    OutboxRow.user_id == world.users[name],
                    OutboxRow.kind == kind,
                    OutboxRow.channel == "inapp",
                )
            )
        )


def _run(world: World, fn: object, now: datetime) -> int:
    with session_scope(world.url) as s:
        return int(fn(s, now, LINKS))  # type: ignore[operator]


def test_escalation_counts_the_resolvers_working_hours_not_the_clock(world: World) -> None:
    # Sarah (Singapore, 09-17 = 01:00-09:00 UTC) got the blocker Friday after her shift; four
    # working hours of hers end Monday 05:00 UTC, not Friday night.
    assert _run(world, schedule.escalate, utc(21, 10)) == 0  # Saturday
    assert _run(world, schedule.escalate, utc(23, 4, 59)) == 0
    assert _run(world, schedule.escalate, utc(23, 5, 0)) == 1
    [note] = _to(world, "lena", "escalated")
    assert "Sarah" in note.message["text"] and "4 working hours" in note.message["text"]
    assert _run(world, schedule.escalate, utc(23, 6)) == 0  # once


def test_a_team_channel_hears_after_twice_the_hours_and_rules_are_the_teams(world: World) -> None:
    with session_scope(world.url) as s:
        update_rules(s, TEAM, {"escalate_after_hours": 2, "slack_channel": "C0TEAM"})
    _run(world, schedule.escalate, utc(23, 3))  # Monday, two of Sarah's hours
    assert len(_to(world, "lena", "escalated")) == 1
    with session_scope(world.url) as s:
        team_rows = s.scalars(select(OutboxRow).where(OutboxRow.user_id.is_(None))).all()
        assert team_rows == []
    _run(world, schedule.escalate, utc(23, 5))
    with session_scope(world.url) as s:
        [row] = s.scalars(select(OutboxRow).where(OutboxRow.user_id.is_(None))).all()
        assert (row.channel, row.address, row.kind) == ("slack", "C0TEAM", "escalated")


def test_an_acknowledged_blocker_does_not_escalate(world: World) -> None:
    with session_scope(world.url) as s:
        for row in s.scalars(select(Assignment).where(Assignment.reason == "blocker")):
            row.acknowledged_at = utc(23, 2)
    assert _run(world, schedule.escalate, utc(24, 5)) == 0


def test_a_reminder_reaches_whoever_has_not_posted_near_their_shift_end(world: World) -> None:
    # Monday: Lars's London shift ends 17:00 UTC, Amir's Singapore one 09:00 UTC.
    _run(world, schedule.remind, utc(23, 16, 29))
    assert _to(world, "lars", "reminder") == []
    _run(world, schedule.remind, utc(23, 16, 31))
    [lars] = _to(world, "lars", "reminder")
    assert "- ping James about PR #1842 (open)" in lars.message["text"]  # his open items
    assert "http://app.test/post" in lars.message["text"]
    world.publish("Amir", wrap(), at=utc(23, 8, 0))  # Amir posted on Monday
    _run(world, schedule.remind, utc(23, 8, 45))
    assert _to(world, "amir", "reminder") == []
    _run(world, schedule.remind, utc(23, 16, 45))
    assert len(_to(world, "lars", "reminder")) == 1  # once a day


def test_back_monday_marks_the_days_between_and_no_reminder_comes_then(world: World) -> None:
    decl = wrap()
    decl.returns_at_iso = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Wednesday wrap: back Monday
    world.publish("Amir", decl, at=utc(25, 8))
    with session_scope(world.url) as s:
        days = s.get(PersonProfile, world.users["amir"]).days_off  # type: ignore[union-attr]
    assert days == ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]
    _run(world, schedule.remind, utc(26, 8, 45))  # Thursday, near his shift end
    assert _to(world, "amir", "reminder") == []


def test_the_shift_start_digest_says_what_needs_them(world: World) -> None:
    assert _run(world, schedule.digest, utc(23, 1, 30)) >= 1  # Sarah's Monday began 01:00 UTC
    [sarah] = _to(world, "sarah", "digest")
    assert "Blockers routed to you" in sarah.message["text"]
    assert _to(world, "lars", "digest") == []  # Lars's shift has not started
    _run(world, schedule.digest, utc(23, 9, 30))
    [lars] = _to(world, "lars", "digest")
    assert "ping James about PR #1842" in lars.message["text"]
    _run(world, schedule.digest, utc(23, 10, 0))
    assert len(_to(world, "lars", "digest")) == 1
    [lena] = _to(world, "lena", "digest")
    assert "Who can clear these?" in lena.message["text"]


def test_a_handoff_nobody_acknowledged_by_the_next_shift_is_flagged(world: World) -> None:
    with session_scope(world.url) as s:
        # published Friday 10:00 UTC; the next shift to start is Sarah's, Monday 01:00 UTC
        assert schedule.overdue_handoffs(s, TEAM, utc(23, 0, 59)) == []
        [flag] = schedule.overdue_handoffs(s, TEAM, utc(23, 1, 0))
        assert flag["author"] == "Amir"
        update_rules(s, TEAM, {"flag_unacknowledged": False})
        assert schedule.overdue_handoffs(s, TEAM, utc(23, 2)) == []
