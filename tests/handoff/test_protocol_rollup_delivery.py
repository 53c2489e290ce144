"""The team rollup to the team's channels at the local time its lead set, with a frozen clock:
in the rule's time zone (not the server's, not UTC), once per team, day and time, with the
rollup's Markdown as the text and a link to the rollup page; nothing without a time or a
channel; bad times and zones refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handoff.db import session_scope
from handoff.errors import InvalidInput
from handoff.protocol import schedule
from handoff.protocol.messages import Links
from handoff.protocol.models import OutboxRow
from handoff.protocol.people import rules, update_rules
from tests.handoff.protocol_support import TEAM, World, make_world, session_timeout_wrap

LINKS = Links("http://app.test")


@pytest.fixture
def world(database_url: str) -> World:
    w = make_world(database_url)
    w.publish("Amir", session_timeout_wrap())  # Friday 20 Nov, 18:00 in Singapore
    return w


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _set(world: World, **patch: object) -> None:
    with session_scope(world.url) as s:
        update_rules(s, TEAM, dict(patch))


def _send(world: World, now: datetime) -> int:
    with session_scope(world.url) as s:
        return schedule.send_rollups(s, now, LINKS)


def _rollups(world: World) -> list[OutboxRow]:
    with session_scope(world.url) as s:
        rows = list(s.scalars(select(OutboxRow).where(OutboxRow.kind == "rollup")))
        for r in rows:
            s.expunge(r)
        return rows


def test_the_rollup_goes_out_at_the_local_time_once_a_day(world: World) -> None:
    _set(
        world,
        rollup_times=["09:00"],
        rollup_timezone="Asia/Singapore",
        slack_channel="C0TEAM",
        team_email="payments@example.com",
    )
    # Monday 09:00 in Singapore is 01:00 UTC
    assert _send(world, utc(23, 0, 59)) == 0
    assert _send(world, utc(23, 1, 0)) == 1
    rows = _rollups(world)
    assert sorted((r.channel, r.address) for r in rows) == [
        ("email", "payments@example.com"),
        ("slack", "C0TEAM"),
    ]
    text = rows[0].message["text"]
    assert text.startswith(f"# {TEAM}: state at")
    assert "session timeout" in text  # the open blocker, with who can clear it
    assert f"Read it in handoff: http://app.test/teams/{TEAM}/rollup" in text
    assert rows[0].message["link"] == f"http://app.test/teams/{TEAM}/rollup"
    assert rows[0].message["subject"] == f"Team {TEAM} rollup, Mon 23 Nov 09:00"
    assert all(r.user_id is None and r.team == TEAM for r in rows)

    # the tick five minutes later, and again later that hour: nothing new
    assert _send(world, utc(23, 1, 5)) == 0
    assert _send(world, utc(23, 1, 55)) == 0
    assert _send(world, utc(23, 3, 0)) == 0  # past the window: no stale rollup
    assert len(_rollups(world)) == 2
    # Tuesday 09:00 in Singapore: the next one
    assert _send(world, utc(24, 1, 2)) == 1
    assert len(_rollups(world)) == 4


def test_two_times_a_day_each_cover_the_time_since_the_one_before(world: World) -> None:
    _set(world, rollup_times="17:00, 09:00", rollup_timezone="Europe/London", webhook_url=None)
    _set(world, team_email="payments@example.com")
    assert rules_of(world)["rollup_times"] == ["09:00", "17:00"]
    assert _send(world, utc(23, 9, 0)) == 1
    assert _send(world, utc(23, 17, 0)) == 1
    morning, evening = sorted(_rollups(world), key=lambda r: r.id)
    assert "Changes since" in evening.message["text"]
    assert morning.key != evening.key


def test_nothing_goes_without_a_time_or_a_team_channel(world: World) -> None:
    _set(world, slack_channel="C0TEAM")
    assert _send(world, utc(23, 9, 0)) == 0  # no time set
    _set(world, slack_channel="", rollup_times=["09:00"])
    assert _send(world, utc(23, 9, 0)) == 0  # no channel to send to
    assert _rollups(world) == []


def test_bad_times_and_zones_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="HH:MM"):
        _set(world, rollup_times=["9am"])
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        _set(world, rollup_timezone="Mars/Olympus")
    with pytest.raises(InvalidInput, match="at most 6"):
        _set(world, rollup_times=[f"{h:02d}:00" for h in range(7)])
    assert rules_of(world)["rollup_times"] == []


def rules_of(world: World) -> dict[str, object]:
    with session_scope(world.url) as s:
        return rules(s, TEAM).to_json()
