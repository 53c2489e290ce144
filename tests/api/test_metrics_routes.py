"""Metrics over HTTP: who may read them, JSON and CSV, the page, followed citations, and the
operators' Prometheus endpoint on and off."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from handoff.audit import Actor
from handoff.declaration import Declaration
from tests.api.auth_support import TEAM, World, build_world

PERIOD = {"since": "2026-11-02T00:00:00+00:00", "until": "2026-11-16T00:00:00+00:00"}


@pytest.fixture
def world(settings: Any) -> World:
    return build_world(settings)


@pytest.fixture
def http(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _published(settings: Any, world: World, *, forced: bool) -> str:
    """A handoff of TEAM published on 3 November 2026 (over an override when `forced`)."""
    from datetime import UTC, datetime

    from api.deps import get_services
    from handoff.models import clock

    svc = get_services(settings)
    when = datetime(2026, 11, 3, 9, tzinfo=UTC)
    parts: dict[str, Any] = {"returns_at": None if forced else "tomorrow 9am"}
    parts["stated_empty"] = ["shipped", "in_flight", "decisions", "blockers", "next_actions"]
    with clock(lambda: when):
        h = svc.store.create(
            team=TEAM,
            author="Lee",
            recorded_at=when,
            source_kind="text",
            source_text="wrap",
            declaration=Declaration.model_validate(parts),
        )
        svc.store.publish(h.id, force_reason="on a plane" if forced else None)
    return h.id


def test_leads_read_the_team_metrics_as_json(http: TestClient, world: World, settings: Any) -> None:
    _published(settings, world, forced=True)
    _published(settings, world, forced=False)
    r = http.get(f"/api/teams/{TEAM}/metrics", params=PERIOD, headers=world.bearer("lee"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["team"] == TEAM and data["since"].startswith("2026-11-02")
    weekly = data["metrics"]["completeness_weekly"]
    assert weekly["unit"] == "%" and weekly["definition"]
    assert weekly["rows"][0] == {
        "key": "2026-11-02",
        "rate_pct": 50.0,
        "published": 2,
        "overridden": 1,
    }
    missing = {row["key"]: row for row in data["metrics"]["missing_fields"]["rows"]}
    assert missing["When the author is back"]["published_missing"] == 1


def test_csv_export(http: TestClient, world: World, settings: Any) -> None:
    _published(settings, world, forced=False)
    r = http.get(
        f"/api/teams/{TEAM}/metrics",
        params={**PERIOD, "format": "csv"},
        headers=world.bearer("lee"),
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    got = {(x["metric"], x["key"], x["measure"]): x["value"] for x in rows}
    assert got[("completeness_weekly", "2026-11-02", "published")] == "1"
    assert got[("completeness_weekly", "2026-11-02", "rate_pct")] == "100.0"


@pytest.mark.parametrize(
    ("who", "status"),
    [("lee", 200), ("rex", 403), ("mia", 403), ("otto", 404), ("admin", 404), (None, 401)],
)
def test_only_the_team_leads_read_metrics(
    http: TestClient, world: World, who: str | None, status: int
) -> None:
    r = http.get(f"/api/teams/{TEAM}/metrics", params=PERIOD, headers=world.bearer(who))
    assert r.status_code == status, r.text
    if status != 200:
        assert isinstance(r.json()["detail"], str)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-11-16T00:00:00+00:00", "until": "2026-11-02T00:00:00+00:00"},
        {"since": "2024-01-01T00:00:00+00:00", "until": "2026-11-02T00:00:00+00:00"},
        {"within_days": "0"},
        {"format": "xml"},
        {"since": "2026-11-02T00:00:00"},
    ],
)
def test_bad_periods_are_refused_in_one_sentence(
    http: TestClient, world: World, params: dict[str, str]
) -> None:
    r = http.get(f"/api/teams/{TEAM}/metrics", params=params, headers=world.bearer("lee"))
    assert r.status_code == 422, r.text
    assert r.json()["detail"].endswith(".")


class _Charts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, str | None]] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svgs.append(dict(attrs))
        self._in_title = tag == "title" and bool(self.svgs)

    def handle_data(self, data: str) -> None:
        if self._in_title and data.strip():
            self.titles.append(data.strip())
            self._in_title = False


def test_the_page_draws_every_metric(http: TestClient, world: World, settings: Any) -> None:
    _published(settings, world, forced=True)
    r = http.get(
        f"/teams/{TEAM}/metrics",
        params={"until": "2026-11-15", "days": 14, "person": "Lee"},
        headers=world.bearer("lee"),
    )
    assert r.status_code == 200, r.text
    page = _Charts()
    page.feed(r.text)
    assert len(page.svgs) == 15 and all(s["role"] == "img" for s in page.svgs)
    assert "Handoff completeness by week" in page.titles
    assert "Time to context" in page.titles
    assert "Time to acknowledge an item" in page.titles
    assert "Notification delivery failures by channel" in page.titles
    assert "only <strong>Lee</strong>" in r.text
    assert "format=csv" in r.text
    assert http.get(f"/teams/{TEAM}/metrics", headers=world.bearer("mia")).status_code == 403


def test_a_followed_citation_counts_against_its_question(
    http: TestClient, world: World, settings: Any
) -> None:
    from api.deps import get_services
    from api.usecases import questions

    hid = _published(settings, world, forced=False)
    svc = get_services(settings)
    qid = questions.log_question(
        svc,
        TEAM,
        {"answer": "Lee did.", "citations": [{"handoff_id": hid}]},
        asker=Actor(world.users["mia"], "mia"),
        via="api",
    )
    r = http.get(
        f"/handoffs/{hid}/cited",
        params={"q": qid, "t": 12.5},
        headers=world.bearer("mia"),
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/handoffs/{hid}?t=12.5"
    r = http.get(f"/api/teams/{TEAM}/metrics", headers=world.bearer("lee"))
    usage = r.json()["metrics"]["query_usage"]["rows"]
    assert sum(row["citations_followed"] for row in usage) == 1
    assert sum(row["answered"] for row in usage) == 1
    # Another team's member cannot follow (or count) it.
    assert (
        http.get(
            f"/handoffs/{hid}/cited", params={"q": qid}, headers=world.bearer("otto")
        ).status_code
        == 404
    )


def test_asking_logs_the_question_and_names_it(http: TestClient, world: World) -> None:
    r = http.post(
        "/api/ask",
        json={"question": "what is blocking the moon landing?", "team": TEAM},
        headers=world.bearer("mia"),
    )
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["question_id"], int)
    usage = http.get(f"/api/teams/{TEAM}/metrics", headers=world.bearer("lee")).json()
    rows = usage["metrics"]["query_usage"]["rows"]
    assert sum(row["asked"] for row in rows) == 1
    assert sum(row["no_record"] for row in rows) == 1
    mine = http.get(
        f"/api/teams/{TEAM}/metrics", params={"person": "mia"}, headers=world.bearer("lee")
    ).json()["metrics"]["query_usage"]["rows"]
    theirs = http.get(
        f"/api/teams/{TEAM}/metrics", params={"person": "rex"}, headers=world.bearer("lee")
    ).json()["metrics"]["query_usage"]["rows"]
    assert sum(r["asked"] for r in mine) == 1 and sum(r["asked"] for r in theirs) == 0


def test_prometheus_for_administrators(http: TestClient, world: World, settings: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from api.observability import NOTIFICATION_FAILURES
    from handoff.db import session_scope
    from handoff.models import JobRecord

    start = datetime(2026, 11, 3, 9, tzinfo=UTC)
    with session_scope(settings.resolved_database_url) as s:
        s.add(JobRecord(id="q1", team=TEAM, kind="process_wrap", state="queued"))
        s.add(JobRecord(id="q2", team=TEAM, kind="process_wrap", state="queued"))
        done = JobRecord(id="d1", team=TEAM, kind="process_wrap", state="done")
        done.created_at, done.updated_at = start, start + timedelta(seconds=20)
        s.add(done)
    NOTIFICATION_FAILURES.labels(channel="email", retryable="true").inc()
    r = http.get("/metrics/prometheus", headers=world.bearer("admin"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'handoff_jobs{kind="process_wrap",state="queued"} 2.0' in text
    assert 'handoff_jobs{kind="extract",state="failed"} 1.0' in text  # the world's job
    assert "handoff_queue_depth 2.0" in text
    done_bucket = 'handoff_job_duration_seconds_bucket{kind="process_wrap",le="%s",state="done"}'
    assert done_bucket % "15" + " 0.0" in text and done_bucket % "30" + " 1.0" in text
    assert 'handoff_job_duration_seconds_sum{kind="process_wrap",state="done"} 20.0' in text
    assert 'handoff_notification_failures_total{channel="email",retryable="true"}' in text
    assert "# TYPE handoff_job_duration_seconds histogram" in text
    assert http.get("/metrics/prometheus", headers=world.bearer("lee")).status_code == 403


def test_prometheus_can_be_turned_off(settings: Any) -> None:
    from api.app import create_app

    off = settings.model_copy(update={"prometheus": False})
    world = build_world(off)
    with TestClient(create_app(off)) as c:
        r = c.get("/metrics/prometheus", headers=world.bearer("admin"))
    assert r.status_code == 404


def test_the_cli_prints_text_json_and_csv(world: World, settings: Any) -> None:
    import json

    from click.testing import CliRunner

    from api.cli import cli

    _published(settings, world, forced=True)
    period = ["--team", TEAM, "--since", PERIOD["since"], "--until", PERIOD["until"]]
    runner = CliRunner()
    text = runner.invoke(cli, ["metrics", *period])
    assert text.exit_code == 0, text.output
    assert "Handoff completeness by week (%)" in text.output and "2026-11-02" in text.output
    as_json = runner.invoke(cli, ["metrics", *period, "--json"])
    data = json.loads(as_json.output)
    assert data["metrics"]["completeness_weekly"]["rows"][0]["overridden"] == 1
    as_csv = runner.invoke(cli, ["metrics", *period, "--csv", "--person", "Lee"])
    assert as_csv.output.startswith("metric,dimension,key,measure,value,unit\n")
    assert "completeness_by_person,person,Lee,rate_pct,0.0,%" in as_csv.output
    both = runner.invoke(cli, ["metrics", "--json", "--csv"])
    assert both.exit_code == 2 and "Traceback" not in both.output
    backwards = runner.invoke(
        cli, ["metrics", "--since", PERIOD["until"], "--until", PERIOD["since"]]
    )
    assert backwards.exit_code == 2 and "'since' must be before 'until'." in backwards.output
