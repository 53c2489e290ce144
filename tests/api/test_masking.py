"""Secrets in a posted wrap or an answer never reach storage, the index or a log; the author
sees what was masked."""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from handoff.db import session_scope

AWS = "AKIAIOSFODNN7EXAMPLE"  # AWS's documentation example
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
WRAP = (
    "Wrapping up for the day.\n"
    "I shipped the retry policy for the webhook consumer.\n"
    f"The deploy key I used is {AWS}, rotate it.\n"
    "Blocked on the vault upgrade, waiting on infra.\n"
    "Tomorrow I pick up the flaky checkout test.\n"
)


def _stored_text(settings: Any) -> str:
    """Everything the database holds about handoffs, as one string."""
    with session_scope(settings.resolved_database_url) as session:
        rows = session.execute(
            text("SELECT source_text, transcript, draft, declaration, masked FROM handoffs")
        ).all()
        audit = session.execute(text("SELECT detail FROM audit_log")).all()
    return repr(rows) + repr(audit)


def _post(client: TestClient) -> dict[str, Any]:
    r = client.post(
        "/api/handoffs",
        json={
            "text": WRAP,
            "author": "Maya",
            "team": "payments",
            "recorded_at": "2026-11-19T18:00:00+08:00",
        },
    )
    assert r.status_code == 202, r.text
    return dict(client.get(f"/api/handoffs/{r.json()['id']}").json())


def test_a_pasted_secret_is_masked_before_it_is_stored(
    client: TestClient, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    h = _post(client)
    assert h["masked"] == [{"kind": "AWS key", "where": "wrap", "line": 3}]
    assert "[secret masked: AWS key]" in h["transcript"]["text"]
    assert AWS not in repr(h)
    assert AWS not in _stored_text(settings)
    assert AWS not in caplog.text
    assert h["declaration"]["shipped"], "the rest of the wrap is still extracted"


class _Notice(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.items: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if ("id", "masked") in attrs:
            self.inside = True
        elif self.inside and tag == "li":
            self.items.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.items:
            self.items[-1] += data


def test_the_review_page_lists_what_was_masked(client: TestClient) -> None:
    h = _post(client)
    page = client.get(f"/handoffs/{h['id']}", headers={"accept": "text/html"})
    assert page.status_code == 200
    notice = _Notice()
    notice.feed(page.text)
    assert [i.strip() for i in notice.items] == ["AWS key · wrap, line 3"]
    assert AWS not in page.text


def test_a_secret_in_an_answer_is_masked(client: TestClient, settings: Any) -> None:
    r = client.post("/api/handoffs", json={"text": "Did some stuff today.", "team": "payments"})
    hid = r.json()["id"]
    r = client.post(
        f"/api/handoffs/{hid}/answers",
        json={"field": "blockers", "answer": f"waiting on the bot token {SLACK} to be rotated"},
    )
    assert r.status_code == 200, r.text
    assert SLACK not in r.text
    assert {"kind": "Slack Token", "where": "answer: blockers", "line": 1} in r.json()["masked"]
    assert SLACK not in _stored_text(settings)


def test_ordinary_posts_mask_nothing(client: TestClient, posted: dict[str, Any]) -> None:
    assert client.get(f"/api/handoffs/{posted['id']}").json()["masked"] == []


def test_the_cli_masks_what_it_extracts_and_ingests(tmp_path: Any, settings: Any) -> None:
    from click.testing import CliRunner

    from api.cli import cli

    wrap = tmp_path / "wrap.txt"
    wrap.write_text(f"Shipped the retry policy.\nBlocked on the deploy: key {AWS} expired.\n")
    out = CliRunner().invoke(cli, ["extract", str(wrap), "--team", "payments"])
    assert out.exit_code == 0, out.output
    assert AWS not in out.output and "[secret masked: AWS key]" in out.output
    out = CliRunner().invoke(cli, ["ingest", str(wrap), "--team", "payments"])
    assert out.exit_code == 0, out.output
    assert '"kind": "AWS key"' in out.output and AWS not in out.output
    assert AWS not in _stored_text(settings)


def test_an_uploaded_wrap_is_masked_in_its_transcript(client: TestClient, settings: Any) -> None:
    """An upload is transcribed in the worker (the same path as a clip's recognized words or a
    chat export's messages): the transcript and the draft are masked before they are stored."""
    body = f"Shipped the retry policy.\nBlocked: the bot token {SLACK} expired.\n"
    r = client.post(
        "/api/handoffs",
        files={"file": ("wrap.txt", body.encode(), "text/plain")},
        data={"team": "payments"},
    )
    assert r.status_code == 202, r.text
    h = client.get(f"/api/handoffs/{r.json()['id']}").json()
    assert [m["kind"] for m in h["masked"]] == ["Slack Token"]
    assert h["masked"][0]["where"] == "transcript" and "segment" in h["masked"][0]
    assert SLACK not in repr(h) and SLACK not in _stored_text(settings)
