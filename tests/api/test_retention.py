"""Retention per team: a lead sets the rules; applying them (with an injected clock) deletes
whole handoffs past `handoff_days` through the ordinary delete path, and the files of handoffs
past `media_days`, each deletion audited with its rule."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.cli import cli
from api.usecases import lifecycle, posting, retention
from api.usecases.followups import answer_clips_dir
from handoff.audit import Actor, AuditLog
from handoff.errors import NotFound
from tests.api.auth_support import build_world

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
OLD = "Shipped the refund export. Blocked on the vault upgrade, waiting on infra. Nothing else."
MID = "Merged the ledger fix. Nothing blocking. Tomorrow the flaky checkout test."


# -- the rules over HTTP and the CLI ------------------------------------------------------------
def test_a_lead_sets_the_rules_and_others_cannot(settings: Any) -> None:
    from api.app import create_app

    world = build_world(settings)
    with TestClient(create_app(settings)) as client:
        url = "/api/teams/payments/retention"
        r = client.get(url, headers=world.bearer("lee"))
        assert r.status_code == 200
        assert r.json()["media_days"] is None and r.json()["handoff_days"] is None
        body = {"media_days": 30, "handoff_days": 365}
        r = client.put(url, json=body, headers=world.bearer("lee"))
        assert r.status_code == 200, r.text
        assert client.get(url, headers=world.bearer("lee")).json()["handoff_days"] == 365
        for who in ("mia", "rex"):
            assert client.put(url, json=body, headers=world.bearer(who)).status_code == 403
        assert client.get(url, headers=world.bearer("otto")).status_code == 404
        r = client.put(url, json={"media_days": 0}, headers=world.bearer("lee"))
        assert r.status_code == 422 and isinstance(r.json()["detail"], str | list)
    [entry] = AuditLog(settings.resolved_database_url).entries(action="retention.set")
    assert entry.team == "payments" and entry.detail is not None
    assert entry.detail["after"] == {"media_days": 30, "handoff_days": 365}


def test_the_cli_shows_and_sets_rules(settings: Any) -> None:
    build_world(settings)
    runner = CliRunner()
    out = runner.invoke(cli, ["retention", "set", "payments", "--media-days", "7"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["retention", "show", "payments"])
    assert '"media_days": 7' in out.output and '"handoff_days": null' in out.output
    out = runner.invoke(cli, ["retention", "set", "nosuchteam", "--media-days", "7"])
    assert out.exit_code == 2 and "There is no team 'nosuchteam'." in out.output
    out = runner.invoke(cli, ["retention", "set", "payments", "--media-days", "-1"])
    assert out.exit_code == 2


# -- applying them -----------------------------------------------------------------------------
def _post(services: Any, text: str, *, age_days: int, upload: Path | None = None) -> str:
    when = NOW - timedelta(days=age_days)
    h = posting.accept_wrap(
        services,
        author="Maya",
        team="payments",
        recorded_at=when,
        text=None if upload else text,
        upload=upload,
    )
    posting.process_wrap(services, h.id)
    lifecycle.publish(services, h.id, force_reason="test")
    return h.id


@pytest.fixture
def world(services: Any, settings: Any, tmp_path: Path) -> dict[str, Any]:
    """payments keeps media 30 days and handoffs 90: one handoff 100 days old, one 45 days old
    with its upload, a spoken answer and cached audio, one 5 days old with its upload."""
    build_world(settings)
    retention.set_rules(
        services, "payments", media_days=30, handoff_days=90, actor=Actor.operator()
    )
    upload = tmp_path / "wrap.txt"
    upload.write_text(MID)
    ids = {
        "old": _post(services, OLD, age_days=100),
        "mid": _post(services, MID, age_days=45, upload=upload),
        "new": _post(services, MID, age_days=5, upload=upload),
    }
    mid = services.store.get(ids["mid"])
    clips = answer_clips_dir(services, mid)
    clips.mkdir(parents=True)
    (clips / "a.webm").write_bytes(b"clip")
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()
    cached = settings.cache_dir / "audio" / f"{digest}.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"pcm")
    return {"ids": ids, "mid_file": Path(mid.source_path), "clips": clips, "cached": cached}


def test_a_dry_run_deletes_nothing(services: Any, world: dict[str, Any]) -> None:
    planned = retention.apply(services, now=NOW, dry_run=True)
    ids = world["ids"]
    assert [(d.handoff_id, d.rule) for d in planned] == [
        (ids["old"], "handoff_days"),
        (ids["mid"], "media_days"),
    ]
    assert services.store.get(ids["old"]) and world["mid_file"].is_file()


def test_applying_deletes_what_is_past_its_time(
    services: Any, settings: Any, world: dict[str, Any]
) -> None:
    ids = world["ids"]
    items_before = {i.id for i in retention_items(services)}
    done = retention.apply(services, now=NOW)
    assert [(d.handoff_id, d.rule) for d in done] == [
        (ids["old"], "handoff_days"),
        (ids["mid"], "media_days"),
    ]
    with pytest.raises(NotFound):
        services.store.get(ids["old"])
    assert {i.id for i in retention_items(services)} < items_before  # the ledger followed
    cited = services.answerer.ask("what is blocked on the vault upgrade?", team="payments")
    assert ids["old"] not in {c["handoff_id"] for c in cited["citations"]}  # so did the index

    mid = services.store.get(ids["mid"])
    assert mid.source_path is None and mid.declaration is not None and mid.transcript
    assert not world["mid_file"].exists() and not world["clips"].exists()
    assert not world["cached"].exists()
    new = services.store.get(ids["new"])
    assert new.source_path and Path(new.source_path).is_file()

    log = AuditLog(settings.resolved_database_url)
    [deleted] = log.entries(action="handoff.delete")
    assert deleted.resource_id == ids["old"] and deleted.actor == "system:retention"
    assert deleted.detail == {
        "rule": "handoff_days",
        "days": 90,
        "recorded_at": (NOW - timedelta(days=100)).isoformat(),
    }
    [media] = log.entries(action="retention.media")
    assert media.resource_id == ids["mid"] and media.detail and media.detail["rule"] == "media_days"

    assert retention.apply(services, now=NOW) == []  # nothing is deleted twice


def test_the_task_and_the_command_apply_the_rules(services: Any, world: dict[str, Any]) -> None:
    out = CliRunner().invoke(cli, ["retention", "apply", "--dry-run"])
    assert out.exit_code == 0, out.output
    assert world["ids"]["old"] in out.output and "Would delete 3 handoffs" in out.output
    assert services.store.get(world["ids"]["old"])

    from api.tasks import apply_retention

    assert apply_retention() == 3  # the real clock: every wrap above is long past
    with pytest.raises(NotFound):
        services.store.get(world["ids"]["old"])


def retention_items(services: Any) -> list[Any]:
    from api.usecases.items import items

    return items(services, "payments")


def test_a_team_without_rules_keeps_everything(services: Any, settings: Any) -> None:
    build_world(settings)
    posting.ingest_text(services, OLD, author="Maya", team="platform", recorded_at=NOW)
    assert retention.apply(services, now=NOW + timedelta(days=10_000)) == []
    assert services.store.count(team="platform") == 1
