"""The decision log over HTTP, as a page, and as ADRs (zip and `handoff decisions export`)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from handoff.ledger.adr import parse_adr, slug

REDIS = {
    "decision": "Use Redis for the job queue",
    "rationale": "it is already deployed next to the API",
}
SQS = {
    "decision": "Scratch that: use SQS for the job queue instead of Redis",
    "rationale": "ops cannot run Redis in the new region",
}
FREEZE = {"decision": "Freeze the refunds API until Friday", "rationale": None}


def _publish(client: TestClient, day: str, decisions: list[dict[str, Any]]) -> str:
    """A wrap whose declaration holds exactly `decisions`, published (forced past any flags)."""
    r = client.post(
        "/api/handoffs",
        json={
            "text": "Short wrap. Nothing else to say today.",
            "author": "Maya",
            "team": "payments",
            "recorded_at": f"{day}T18:00:00+08:00",
        },
    )
    assert r.status_code == 202, r.text
    hid = str(r.json()["id"])
    r = client.patch(f"/api/handoffs/{hid}", json={"decisions": decisions})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "a test wrap"})
    assert r.status_code == 200, r.text
    return hid


@pytest.fixture
def week(client: TestClient) -> list[str]:
    """Three days of one team: Redis chosen, then a freeze, then Redis reversed for SQS."""
    return [
        _publish(client, "2026-11-16", [REDIS]),
        _publish(client, "2026-11-17", [FREEZE]),
        _publish(client, "2026-11-18", [SQS]),
    ]


def test_log_numbers_decisions_in_order_and_follows_the_reversal(
    client: TestClient, week: list[str]
) -> None:
    log = client.get("/api/teams/payments/decisions").json()
    assert [d["number"] for d in log] == [1, 2, 3]
    redis, freeze, sqs = log
    assert redis["title"] == REDIS["decision"] and redis["rationale"] == REDIS["rationale"]
    assert redis["status"] == "superseded" and redis["superseded_by"] == 3
    assert redis["superseded_at"].startswith("2026-11-18")
    assert sqs["status"] == "accepted" and sqs["supersedes"] == [1]
    assert freeze["status"] == "accepted" and freeze["rationale"] is None
    assert [d["handoff_id"] for d in log] == week
    assert all(d["decided_by"] == "Maya" and d["team"] == "payments" for d in log)


def test_adr_zip_round_trips_and_is_stable(client: TestClient, week: list[str]) -> None:
    log = {d["number"]: d for d in client.get("/api/teams/payments/decisions").json()}
    r = client.get("/api/teams/payments/decisions", params={"format": "adr"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="payments-decisions.zip"' in r.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = sorted(archive.namelist())
    assert names[0] == "payments-decisions/0001-use-redis-for-the-job-queue.md"
    for name in names:
        adr = parse_adr(archive.read(name).decode())
        d = log[adr.number]
        assert (adr.title, adr.item_id, adr.rationale) == (d["title"], d["item_id"], d["rationale"])
        assert (adr.status, adr.superseded_by) == (d["status"], d["superseded_by"])
        assert adr.supersedes == tuple(d["supersedes"]) and adr.handoffs == tuple(d["handoffs"])
        assert adr.date.isoformat() == d["decided_at"][:10] and adr.decided_by == "Maya"
    again = client.get("/api/teams/payments/decisions", params={"format": "adr"})
    assert again.content == r.content  # nothing in an ADR depends on when it was exported


def test_cli_export_writes_then_rewrites_only_what_changed(
    client: TestClient, week: list[str], tmp_path: Path
) -> None:
    from api.cli import cli

    folder = tmp_path / "adr"
    runner = CliRunner()
    first = runner.invoke(cli, ["decisions", "export", "--adr", str(folder), "--team", "payments"])
    assert first.exit_code == 0, first.output
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 3 and files[2].startswith("0003-scratch-that-use-sqs")
    text = (folder / files[0]).read_text()
    assert "Superseded by [3. Scratch that" in text and f"({files[2]})" in text
    again = runner.invoke(cli, ["decisions", "export", "--adr", str(folder), "--team", "payments"])
    assert again.exit_code == 0 and "0 ADRs written, 3 unchanged" in again.output

    (folder / files[1]).write_text("# Our own notes, not an ADR from handoff\n")
    refused = runner.invoke(
        cli, ["decisions", "export", "--adr", str(folder), "--team", "payments"]
    )
    assert refused.exit_code == 2 and "was not written by handoff" in refused.output
    assert (folder / files[1]).read_text().startswith("# Our own notes")


def test_later_handoffs_keep_earlier_numbers(client: TestClient, week: list[str]) -> None:
    before = client.get("/api/teams/payments/decisions", params={"format": "adr"}).content
    _publish(client, "2026-11-19", [{"decision": "Ship refunds behind a feature flag"}])
    after = zipfile.ZipFile(
        io.BytesIO(client.get("/api/teams/payments/decisions", params={"format": "adr"}).content)
    )
    old = zipfile.ZipFile(io.BytesIO(before))
    for name in old.namelist():  # the earlier ADRs are byte-identical
        assert after.read(name) == old.read(name)
    assert len(after.namelist()) == 4


def test_page_lists_newest_first_with_status(client: TestClient, week: list[str]) -> None:
    page = client.get("/teams/payments/decisions")
    assert page.status_code == 200
    html = page.text
    assert html.index(SQS["decision"]) < html.index(REDIS["decision"])
    assert "superseded by" in html and REDIS["rationale"] in html
    assert "No reason was given." in html  # the freeze gave none


def test_empty_log_and_the_page_without_decisions(client: TestClient) -> None:
    assert client.get("/api/teams/payments/decisions").json() == []
    assert "No decisions recorded yet" in client.get("/teams/payments/decisions").text


def test_slug_and_foreign_text() -> None:
    assert slug("Über-fast: Postgres → Redis!") == "uber-fast-postgres-redis"
    assert slug("¿¡!?") == "decision"
    with pytest.raises(ValueError, match="Not an ADR"):
        parse_adr("# 1. Something\n\nno marker here\n")
