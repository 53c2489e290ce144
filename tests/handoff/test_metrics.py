"""Each metric on a small hand-built team whose answers are worked out by hand.

Two weeks (Monday 2 November to Monday 16 November 2026, UTC) of team `pay`: four handoffs
published (one over an override), a draft, acknowledgments at known moments, sign-ins and
questions, blockers of known ages and decisions superseded sooner or later. Team `ops` has one
of everything too, and never shows up in `pay`'s figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handoff.audit import Actor, AuditLog
from handoff.db import session_scope
from handoff.declaration import Declaration
from handoff.identity.directory import Directory
from handoff.ledger.models import LedgerItem
from handoff.metrics import Report, Scope, team_report
from handoff.metrics.questions import citation_followed, record_question
from handoff.models import clock
from handoff.store import HandoffStore

SINCE = datetime(2026, 11, 2, tzinfo=UTC)
UNTIL = datetime(2026, 11, 16, tzinfo=UTC)
W1, W2 = "2026-11-02", "2026-11-09"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def decl(**parts: Any) -> Declaration:
    """A declaration that states every part it does not fill (so only what is left out is
    flagged), with a return time unless `returns_at=None`."""
    lists = ("shipped", "in_flight", "decisions", "blockers", "next_actions")
    data: dict[str, Any] = {"returns_at": "tomorrow 9am", **parts}
    data["stated_empty"] = [p for p in lists if p not in parts and p not in data["_forget"]]
    data.pop("_forget")
    return Declaration.model_validate(data)


class World:
    def __init__(self, url: str) -> None:
        self.url = url
        self.store = HandoffStore(url)
        self.audit = AuditLog(url)
        directory = Directory(url, password_min_length=12)
        op = Actor.operator()
        self.users = {
            n: directory.create_user(n.lower(), actor=op, display_name=n).id
            for n in ("Maya", "Tomas", "Ines", "Lena", "Olu")
        }

    def actor(self, name: str) -> Actor:
        return Actor(user_id=self.users[name], name=name.lower())

    def handoff(
        self,
        team: str,
        author: str,
        created: datetime,
        declaration: Declaration,
        *,
        published: datetime | None = None,
        force: str | None = None,
        patch: dict[str, Any] | None = None,
    ) -> str:
        with clock(lambda: created):
            h = self.store.create(
                team=team,
                author=author,
                recorded_at=created,
                source_kind="text",
                source_text="wrap",
                declaration=declaration,
            )
        if patch is not None:
            with clock(lambda: created + timedelta(minutes=1)):
                self.store.edit(h.id, patch)
        if published is not None:
            with clock(lambda: published):
                self.store.publish(h.id, force_reason=force)
        return h.id

    def ack(self, handoff_id: str, who: str, when: datetime) -> None:
        with clock(lambda: when):
            self.store.acknowledge(handoff_id, by=who, audit=self.actor(who))

    def sign_in(self, who: str, when: datetime) -> None:
        with clock(lambda: when):
            self.audit.record(self.actor(who), "auth.sign_in")

    def question(self, team: str, who: str, when: datetime, answer: dict[str, Any]) -> int:
        with clock(lambda: when), session_scope(self.url) as s:
            actor = self.actor(who)
            return record_question(
                s, team=team, answer=answer, asker_id=actor.user_id, asker=who, via="api"
            )

    def item(self, kind: str, first: datetime, **columns: Any) -> str:
        item_id = f"{kind[:3]}{first:%d%H%M}{columns.get('team', 'pay')}"
        with session_scope(self.url) as s:
            s.add(
                LedgerItem(
                    id=item_id,
                    team=columns.pop("team", "pay"),
                    kind=kind,
                    name=item_id,
                    key=item_id,
                    refs=[],
                    state=columns.pop("state", "open"),
                    first_at=first,
                    last_at=first,
                    **columns,
                )
            )
        return item_id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('metrics')) / 'handoff.db'}"
    yield build(World(url))


def build(w: World) -> World:
    """The two weeks the tests know the answers for."""
    action = [{"action": "review the PR", "owner": "Maya"}]
    h1 = w.handoff("pay", "Maya", at(2, 10), decl(_forget=()), published=at(2, 11))
    w.handoff(
        "pay",
        "Maya",
        at(3, 10),
        decl(_forget=(), returns_at=None),
        published=at(3, 14),
        force="on a plane",
    )
    h3 = w.handoff("pay", "Tomas", at(10, 9), decl(_forget=()), published=at(10, 9, 30))
    h4 = w.handoff(
        "pay",
        "Tomas",
        at(11, 9),
        decl(_forget=(), next_actions=[{"action": "review the PR"}]),
        patch={"next_actions": action},
        published=at(11, 12),
    )
    w.handoff("pay", "Ines", at(12, 9), decl(_forget=("shipped",)))  # a draft
    ops = w.handoff("ops", "Olu", at(10, 9), decl(_forget=()), published=at(10, 10), force="x")
    w.ack(ops, "Olu", at(10, 11))
    # Time to acknowledge: h1 2 h; h3 1 h (its second acknowledgment does not count); h4 3 h.
    w.sign_in("Tomas", at(2, 12, 30))
    w.ack(h1, "Tomas", at(2, 13))  # context: 30 min after signing in
    w.question("pay", "Maya", at(10, 10, 10), {"answer": "Olu can.", "citations": [{}, {}]})
    w.ack(h3, "Maya", at(10, 10, 30))  # 20 min after her question
    w.ack(h3, "Ines", at(10, 12))  # her first act: 0 min
    w.sign_in("Tomas", at(11, 14))
    w.ack(h4, "Tomas", at(11, 15))  # 60 min
    w.sign_in("Lena", at(12, 9))  # active in pay (a question), no acknowledgment
    no_record = "No handoff mentions the moon: there is no record of it."
    w.question("pay", "Lena", at(12, 9, 5), {"answer": no_record, "citations": []})
    nearby = "Nothing in team pay's published handoffs answers that. Nearby [1]."
    w.question("pay", "Lena", at(12, 9, 30), {"answer": nearby, "citations": [{}]})
    w.question("ops", "Olu", at(12, 9), {"answer": "yes", "citations": [{}]})
    w.sign_in("Olu", at(12, 8))  # only ever active in ops
    # Blockers: ages at the end of the period, and times to resolve.
    w.item("blocker", at(1, 0))  # open 15 days
    w.item("blocker", at(14, 12))  # open 1.5 days
    w.item("blocker", at(3, 0), resolved_at=at(5, 0), state="resolved")  # 48 h, week 1
    w.item("blocker", at(9, 0), resolved_at=at(9, 6), state="resolved")  # 6 h, week 2
    w.item("blocker", at(10, 0), resolved_at=at(20, 0), state="resolved")  # open 6 days then
    w.item("blocker", at(15, 23), needed_from="Olu")  # open 1 hour
    w.item("blocker", at(17, 0))  # after the period
    w.item("blocker", at(2, 0), team="ops")
    # Decisions: one superseded 3 days later (re-litigated), one 22 days later (not).
    d2 = w.item("decision", at(5, 0), state="current")
    w.item("decision", at(2, 0), state="superseded", superseded_by=d2)
    d4 = w.item("decision", at(25, 0), state="current")
    w.item("decision", at(3, 0), state="superseded", superseded_by=d4)
    w.item("decision", at(10, 0), state="current")
    return w


def report(world: World, **scope: Any) -> Report:
    with session_scope(world.url) as s:
        return team_report(s, Scope("pay", SINCE, UNTIL, **scope))


def values(r: Report, name: str) -> dict[str, dict[str, Any]]:
    return {row.key: row.values for row in r.table(name).rows}


def test_completeness_per_week_and_person(world: World) -> None:
    r = report(world)
    assert values(r, "completeness_weekly") == {
        W1: {"rate_pct": 50.0, "published": 2, "overridden": 1},
        W2: {"rate_pct": 100.0, "published": 2, "overridden": 0},
    }
    assert values(r, "completeness_by_person") == {
        "Maya": {"rate_pct": 50.0, "published": 2, "overridden": 1},
        "Tomas": {"rate_pct": 100.0, "published": 2, "overridden": 0},
    }


def test_missing_fields_on_drafts_and_overrides(world: World) -> None:
    got = values(report(world), "missing_fields")
    assert got == {
        "What shipped": {"wraps_flagged": 1, "published_missing": 0},
        "Owner of a next action": {"wraps_flagged": 1, "published_missing": 0},
        "When the author is back": {"wraps_flagged": 1, "published_missing": 1},
    }


def test_time_to_publish(world: World) -> None:
    got = values(report(world), "time_to_publish")
    assert got[W1] == {"median_hours": 2.5, "p90_hours": 4.0, "handoffs": 2}
    assert got[W2] == {"median_hours": 1.75, "p90_hours": 3.0, "handoffs": 2}


def test_time_to_acknowledge_counts_the_first_and_the_waiting(world: World) -> None:
    got = values(report(world), "time_to_acknowledge")
    assert got[W1] == {"median_hours": 2.0, "p90_hours": 2.0, "handoffs": 1, "unacknowledged": 1}
    assert got[W2] == {"median_hours": 2.0, "p90_hours": 3.0, "handoffs": 2, "unacknowledged": 0}


def test_time_to_context(world: World) -> None:
    r = report(world)
    assert values(r, "time_to_context") == {
        W1: {"median_minutes": 30.0, "p90_minutes": 30.0, "acknowledgments": 1},
        W2: {"median_minutes": 20.0, "p90_minutes": 60.0, "acknowledgments": 3},
    }
    people = values(r, "time_to_context_by_person")
    assert people["Tomas"] == {"median_minutes": 45.0, "p90_minutes": 60.0, "acknowledgments": 2}
    assert people["Maya"]["median_minutes"] == 20.0  # her question started the shift
    assert people["Ines"]["median_minutes"] == 0.0  # acknowledging was the first thing she did
    assert set(people) == {"Tomas", "Maya", "Ines"}  # Lena acknowledged nothing; Olu is ops


def test_blocker_age_and_time_to_resolve(world: World) -> None:
    r = report(world)
    assert values(r, "blocker_age") == {
        "under 1 day": {"blockers": 1},
        "1-3 days": {"blockers": 1},
        "3-7 days": {"blockers": 1},
        "1-2 weeks": {"blockers": 0},
        "over 2 weeks": {"blockers": 1},
    }
    assert values(r, "open_blockers_weekly") == {W1: {"open": 1}, W2: {"open": 4}}
    resolved = values(r, "time_to_resolve")
    assert resolved[W1] == {"median_hours": 48.0, "p90_hours": 48.0, "resolved": 1}
    assert resolved[W2] == {"median_hours": 6.0, "p90_hours": 6.0, "resolved": 1}


def test_query_usage_per_day_and_citations_followed(world: World) -> None:
    with session_scope(world.url) as s:
        first = record_question(
            s,
            team="pay",
            answer={"answer": "a", "citations": [{}]},
            asker_id=None,
            asker="x",
            via="cli",
        )
        assert citation_followed(s, team="ops", question_id=first) is False  # another team's
        s.rollback()
    with session_scope(world.url) as s:
        qid = int(s.execute(_first_question()).scalar_one())
        assert citation_followed(s, team="pay", question_id=qid)
        assert citation_followed(s, team="pay", question_id=qid)
    got = values(report(world), "query_usage")
    assert len(got) == 14  # every day of the period, quiet ones as zero
    assert got["2026-11-10"] == {
        "asked": 1,
        "answered": 1,
        "no_record": 0,
        "citations": 2,
        "citations_followed": 2,
    }
    assert got["2026-11-12"] == {
        "asked": 2,
        "answered": 0,
        "no_record": 2,
        "citations": 1,
        "citations_followed": 0,
    }
    assert got["2026-11-11"]["asked"] == 0


def _first_question() -> Any:
    from sqlalchemy import func, select

    from handoff.metrics.questions import QuestionRecord

    return select(func.min(QuestionRecord.id)).where(QuestionRecord.team == "pay")


def test_decisions_relitigated_within_n_days(world: World) -> None:
    got = values(report(world), "decisions_relitigated")
    assert got[W1] == {"relitigated_pct": 33.3, "decisions": 3, "relitigated": 1}
    assert got[W2] == {"relitigated_pct": 0.0, "decisions": 1, "relitigated": 0}
    longer = values(report(world, relitigated_days=30), "decisions_relitigated")
    assert longer[W1]["relitigated"] == 2


def test_a_person_filter(world: World) -> None:
    r = report(world, person="tomas")
    assert values(r, "completeness_by_person") == {
        "Tomas": {"rate_pct": 100.0, "published": 2, "overridden": 0}
    }
    assert set(values(r, "time_to_context_by_person")) == {"Tomas"}
    olu = report(world, person="Olu")
    assert sum(v["blockers"] for v in values(olu, "blocker_age").values()) == 1


def test_json_and_csv_carry_every_table(world: World) -> None:
    r = report(world)
    data = r.to_json()
    assert data["team"] == "pay" and data["within_days"] == 14
    assert set(data["metrics"]) == {t.name for t in r.tables}
    assert data["metrics"]["completeness_weekly"]["rows"][0] == {
        "key": W1,
        "rate_pct": 50.0,
        "published": 2,
        "overridden": 1,
    }
    rows = list(csv.DictReader(io.StringIO(r.to_csv())))
    assert rows[0].keys() == {"metric", "dimension", "key", "measure", "value", "unit"}
    rate = next(x for x in rows if x["metric"] == "completeness_weekly" and x["key"] == W2)
    assert (rate["measure"], rate["value"], rate["unit"]) == ("rate_pct", "100.0", "%")


def test_a_bad_scope_is_refused() -> None:
    from handoff.errors import InvalidInput

    with pytest.raises(InvalidInput):
        Scope("pay", UNTIL, SINCE)
    with pytest.raises(InvalidInput):
        Scope("pay", SINCE.replace(tzinfo=None), UNTIL)


def test_a_shift_past_midnight_is_one_shift(tmp_path: Path) -> None:
    w = World(f"sqlite:///{tmp_path / 'h.db'}")
    h = w.handoff("pay", "Maya", at(13, 18), decl(_forget=()), published=at(13, 20))
    w.sign_in("Ines", at(13, 22))
    w.ack(h, "Ines", at(14, 1))  # three hours into the shift that began before midnight
    w.ack(h, "Ines", at(14, 2))  # the same shift: not a second context moment
    with session_scope(w.url) as s:
        r = team_report(s, Scope("pay", SINCE, UNTIL))
    assert values(r, "time_to_context_by_person") == {
        "Ines": {"median_minutes": 180.0, "p90_minutes": 180.0, "acknowledgments": 1}
    }


def test_postgresql_gives_the_same_report(postgres_url: str, tmp_path: Path) -> None:
    """Every metric's SQL on the real PostgreSQL, against the same team on SQLite."""
    on_pg = build(World(postgres_url))
    on_sqlite = build(World(f"sqlite:///{tmp_path / 'h.db'}"))
    assert report(on_pg).to_json() == report(on_sqlite).to_json()
    assert report(on_pg, person="Olu").to_json() == report(on_sqlite, person="Olu").to_json()
