"""Request bodies have limits, refused with 413 and one sentence before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer, signed_in_token


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch, home: Path) -> Any:
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_MAX_JSON_BYTES", "4096")
    monkeypatch.setenv("HANDOFF_MAX_FORM_BYTES", "4096")
    monkeypatch.setenv("HANDOFF_MAX_TEXT_CHARS", "1000")
    monkeypatch.setenv("HANDOFF_MAX_UPLOAD_BYTES", "65536")
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def limited(small_limits: Any) -> Iterator[TestClient]:
    import api.tasks  # noqa: F401
    from api.app import create_app
    from api.celery_app import celery_for

    celery = celery_for(small_limits)
    celery.conf.task_always_eager = True
    token = signed_in_token(small_limits)
    with TestClient(create_app(small_limits), headers=bearer(token)) as c:
        yield c
    celery.conf.task_always_eager = False


def _nothing_stored(client: TestClient) -> None:
    assert client.get("/api/handoffs", params={"team": "payments"}).json() == []


def _refused(r: Any, needle: str) -> None:
    assert r.status_code == 413, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and needle in detail


def test_json_body_over_the_declared_limit_is_413_unread(limited: TestClient) -> None:
    body = '{"team": "payments", "text": "' + "x" * 10_000 + '"}'
    r = limited.post("/api/handoffs", content=body, headers={"content-type": "application/json"})
    _refused(r, "HANDOFF_MAX_JSON_BYTES")
    _nothing_stored(limited)


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(limited: TestClient) -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        yield b'{"team": "payments", "text": "'
        for _ in range(100):
            sent.append(1)
            yield b"y" * 1024
        yield b'"}'

    r = limited.post(
        "/api/handoffs", content=chunks(), headers={"content-type": "application/json"}
    )
    _refused(r, "HANDOFF_MAX_JSON_BYTES")
    _nothing_stored(limited)


def test_pasted_text_over_the_character_limit_is_413(limited: TestClient) -> None:
    r = limited.post("/api/handoffs", json={"team": "payments", "text": "word " * 300})
    _refused(r, "HANDOFF_MAX_TEXT_CHARS")
    r = limited.post("/api/handoffs", data={"team": "payments", "text": "word " * 300})
    _refused(r, "HANDOFF_MAX_TEXT_CHARS")
    _nothing_stored(limited)


def test_a_multipart_text_field_over_the_limit_is_refused(limited: TestClient) -> None:
    r = limited.post(
        "/api/handoffs",
        data={"team": "payments", "author": "a" * 10_000},
        files={"file": ("wrap.txt", b"Shipped the exporter.", "text/plain")},
    )
    _refused(r, "HANDOFF_MAX_FORM_BYTES")
    _nothing_stored(limited)


def test_an_upload_over_the_limit_is_413(limited: TestClient, settings: Any) -> None:
    r = limited.post(
        "/api/handoffs",
        data={"team": "payments"},
        files={"file": ("wrap.txt", b"z" * 400_000, "text/plain")},
    )
    _refused(r, "HANDOFF_MAX_UPLOAD_BYTES")
    _nothing_stored(limited)


def test_bodies_under_the_limits_still_work(limited: TestClient) -> None:
    r = limited.post("/api/handoffs", json={"team": "payments", "text": "Shipped the exporter."})
    assert r.status_code == 202, r.text
    h = limited.patch(f"/api/handoffs/{r.json()['id']}", json={"shipped": [{"name": "x" * 9000}]})
    _refused(h, "HANDOFF_MAX_JSON_BYTES")
