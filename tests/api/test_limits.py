"""Every limit of README's table, over HTTP: the status, the one-sentence JSON detail naming the
setting, and that nothing was stored (no handoff row, no job row, no file under HOME/uploads)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.conftest import bearer, signed_in_token
from tests.ingest.clips import make_clip


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch, home: Path) -> Any:
    from handoff.settings import get_settings

    for name, value in {
        "MAX_TEXT_CHARS": "2000",
        "MAX_ITEMS": "10",
        "MAX_NAME_CHARS": "40",
        "MAX_FIELD_CHARS": "300",
        "MAX_CHAT_MESSAGES": "20",
        "MAX_EXPORT_BYTES": str(3 * 1024 * 1024),
        "MAX_EXPORT_FILES": "50",
        "MAX_JSON_DEPTH": "8",
        "MAX_MEDIA_SECONDS": "20",
    }.items():
        monkeypatch.setenv(f"HANDOFF_{name}", value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def client(limits: Any) -> Iterator[TestClient]:
    import api.tasks  # noqa: F401
    from api.app import create_app
    from api.celery_app import celery_for

    celery = celery_for(limits)
    celery.conf.task_always_eager = True
    with TestClient(create_app(limits), headers=bearer(signed_in_token(limits))) as c:
        yield c
    celery.conf.task_always_eager = False


def refused(r: Any, status: int, *needles: str) -> None:
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and detail.endswith(".")
    for needle in needles:
        assert needle in detail, detail


def nothing_stored(limits: Any) -> None:
    from handoff.db import get_engine

    with get_engine(limits.resolved_database_url).connect() as conn:
        assert conn.execute(text("select count(*) from handoffs")).scalar() == 0
        assert conn.execute(text("select count(*) from jobs")).scalar() == 0
    uploads = limits.uploads_dir
    assert not [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else True


def upload(client: TestClient, name: str, data: bytes, **form: str) -> Any:
    return client.post(
        "/api/handoffs",
        data={"team": "payments", **form},
        files={"file": (name, data, "application/octet-stream")},
    )


# -- JSON bodies and query parameters ------------------------------------------------------------
def test_deep_json_is_422_before_parsing(client: TestClient, limits: Any) -> None:
    for body in ("[" * 100_000, '{"a":' * 50_000, '{"text": "x", "team": [[[[[[[[[["'):
        r = client.post("/api/handoffs", content=body, headers={"content-type": "application/json"})
        refused(r, 422, "HANDOFF_MAX_JSON_DEPTH")
    for ctype in ("application/json", "application/merge-patch+json", "Application/JSON; x=1"):
        r = client.post("/api/ask", content="[" * 100_000, headers={"content-type": ctype})
        refused(r, 422, "HANDOFF_MAX_JSON_DEPTH")
    r = client.patch("/api/handoffs/nope", content=b"[" * 100_000)  # no content type at all
    refused(r, 422, "HANDOFF_MAX_JSON_DEPTH")
    # Brackets inside strings (and escaped quotes) do not count.
    wrap = 'Shipped the "[[[[[[[[[[[[[[ parser" \\" {{{{{{{{{{{{ today; back tomorrow at 9.'
    r = client.post("/api/handoffs", json={"team": "payments", "text": wrap})
    assert r.status_code == 202, r.text


def test_numbers_no_column_holds_are_422(client: TestClient) -> None:
    big = "9" * 40
    for url in (
        "/api/handoffs?offset=9e32",
        f"/api/handoffs?offset={big}",
        "/api/handoffs?offset=1000001",
        "/api/handoffs?limit=501",
        f"/api/teams/payments/audit?before={big}",
    ):
        refused(client.get(url), 422)
    page = client.get(f"/teams/payments/audit?before={big}")
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]


def test_long_team_and_author_names_are_422(client: TestClient, limits: Any) -> None:
    team = "a" * 5000
    refused(client.post("/api/handoffs", json={"team": team, "text": "Shipped it."}), 422, "team")
    refused(client.get("/api/handoffs", params={"team": team}), 422, "team")
    refused(client.get(f"/api/teams/{team}/vocabulary"), 422, "team")
    author = "x" * 41
    r = client.post("/api/handoffs", json={"team": "payments", "text": "Hi.", "author": author})
    refused(r, 422, "HANDOFF_MAX_NAME_CHARS", "author")
    r = client.post("/api/handoffs", data={"team": "payments", "text": "Hi.", "author": author})
    refused(r, 422, "HANDOFF_MAX_NAME_CHARS")
    nothing_stored(limits)


def test_questions_over_the_field_limit_are_422(client: TestClient) -> None:
    r = client.post("/api/ask", json={"team": "payments", "question": "why? " * 100})
    refused(r, 422, "HANDOFF_MAX_FIELD_CHARS")
    r = client.get("/api/ask/stream", params={"question": "why? " * 100, "team": "payments"})
    refused(r, 422, "HANDOFF_MAX_FIELD_CHARS")
    many = {"question": "why?", "team": "payments", "conversation": ["and?"] * 51}
    refused(client.get("/api/ask/stream", params=many), 422, "conversation")
    refused(client.post("/api/ask", json=many), 422, "conversation")


# -- text and chat exports -------------------------------------------------------------------------
def test_text_over_the_limit_is_413_pasted_or_uploaded(client: TestClient, limits: Any) -> None:
    wrap = "Shipped the exporter today. " * 100  # 2,800 characters
    refused(client.post("/api/handoffs", json={"team": "payments", "text": wrap}), 413)
    refused(upload(client, "wrap.txt", wrap.encode()), 413, "HANDOFF_MAX_TEXT_CHARS")
    refused(upload(client, "wrap.md", ("é" * 9000).encode()), 413, "HANDOFF_MAX_TEXT_CHARS")
    nothing_stored(limits)


def slack_zip(messages: int, *, extra: dict[str, bytes] | None = None) -> bytes:
    users = [{"id": "U1", "name": "maya", "profile": {"real_name": "Maya"}}]
    day = [{"type": "message", "user": "U1", "text": f"note {i}", "ts": f"{1700000000 + i}.0"}
           for i in range(messages)]  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", json.dumps(users))
        zf.writestr("channels.json", json.dumps([{"name": "ops"}]))
        zf.writestr("ops/2023-11-14.json", json.dumps(day))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_chat_exports_over_their_limits_are_413(client: TestClient, limits: Any) -> None:
    refused(upload(client, "export.zip", slack_zip(21)), 413, "HANDOFF_MAX_CHAT_MESSAGES")
    bomb = slack_zip(2, extra={"ops/2023-11-15.json": b" " * (8 * 1024 * 1024)})
    assert len(bomb) < 64 * 1024
    refused(upload(client, "export.zip", bomb), 413)
    many = slack_zip(2, extra={f"ops/2023-10-{i:02d}.json": b"[]" for i in range(1, 60)})
    refused(upload(client, "export.zip", many), 413, "HANDOFF_MAX_EXPORT_FILES")
    log = "".join(f"[09:{i % 60:02d}] maya: note {i}\n" for i in range(30))
    refused(upload(client, "chat.log", log.encode()), 413, "HANDOFF_MAX_CHAT_MESSAGES")
    nothing_stored(limits)
    ok = upload(client, "export.zip", slack_zip(5))
    assert ok.status_code == 202, ok.text


# -- declarations: items and texts -------------------------------------------------------------
@pytest.fixture
def draft(client: TestClient) -> str:
    r = client.post("/api/handoffs", json={"team": "payments", "text": "Shipped the exporter."})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_edits_over_the_declaration_limits_are_422_and_change_nothing(
    client: TestClient, draft: str
) -> None:
    before = client.get(f"/api/handoffs/{draft}").json()["declaration"]
    cases = [
        ({"shipped": [{"summary": f"s{i}"} for i in range(11)]}, "HANDOFF_MAX_ITEMS"),
        ({"shipped": [{"summary": "x" * 301}]}, "HANDOFF_MAX_FIELD_CHARS"),
        ({"in_flight": [{"item": "n" * 41, "status": "in_progress"}]}, "HANDOFF_MAX_NAME_CHARS"),
        ({"blockers": [{"description": "d", "needed_from": "n" * 41}]}, "needed_from"),
        ({"shipped": [{"summary": "ok", "refs": ["r" * 41]}]}, "refs[0]"),
    ]
    for patch, needle in cases:
        refused(client.patch(f"/api/handoffs/{draft}", json=patch), 422, needle)
    assert client.get(f"/api/handoffs/{draft}").json()["declaration"] == before
    ten = {"shipped": [{"summary": f"s{i}"} for i in range(10)]}
    assert client.patch(f"/api/handoffs/{draft}", json=ten).status_code == 200
    more = {"decisions": [{"decision": "use the queue"}]}
    refused(client.patch(f"/api/handoffs/{draft}", json=more), 422, "11 items")
    r = client.post(
        f"/api/handoffs/{draft}/answers", json={"field": "returns_at", "answer": "a" * 301}
    )
    refused(r, 422, "HANDOFF_MAX_FIELD_CHARS")


def test_an_extraction_with_too_many_items_fails_its_job(client: TestClient) -> None:
    wrap = " ".join(f"Shipped feature {i} today." for i in range(40))
    r = client.post("/api/handoffs", json={"team": "payments", "text": wrap})
    assert r.status_code == 202
    job = client.get(f"/api/jobs/{r.json()['job_id']}").json()
    assert job["state"] == "failed" and "HANDOFF_MAX_ITEMS" in job["error"], job
    assert client.get(f"/api/handoffs/{r.json()['id']}").json()["declaration"] is None


# -- media, probed and decoded once before storing -------------------------------------------------
@pytest.fixture(scope="module")
def bad_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, int, str]]:
    """(bytes, status, words of the detail) of each clip the probe refuses."""
    folder = tmp_path_factory.mktemp("bad-clips")
    tone = make_clip(folder / "tone.webm", "sine=frequency=440:duration=4").read_bytes()
    m4a = make_clip(folder / "tone.m4a", "sine=frequency=440:duration=4").read_bytes()
    silent = make_clip(folder / "quiet.webm", "anullsrc=r=16000:cl=mono", seconds=3)
    video = make_clip(folder / "video.mp4", "testsrc=size=64x64:rate=5:duration=2", video=True)
    long = make_clip(folder / "long.webm", "sine=frequency=300:duration=30")
    return {
        "truncated.webm": (tone[: len(tone) * 2 // 3], 422, "truncated"),
        "truncated.m4a": (m4a[: len(m4a) // 3], 422, "corrupt"),
        "corrupt.webm": (tone[:300] + bytes(len(tone) - 300), 422, "corrupt"),
        "random.ogg": (b"OggS" + bytes(range(256)) * 20, 422, "corrupt"),
        "random.bin": (bytes(range(256)) * 20, 415, "not a clip"),
        "silent.webm": (silent.read_bytes(), 422, "silent"),
        "video.mp4": (video.read_bytes(), 422, "no audio track"),
        "long.webm": (long.read_bytes(), 413, "HANDOFF_MAX_MEDIA_SECONDS"),
        "empty.webm": (b"", 422, "empty"),
    }


def test_bad_media_is_refused_before_storing(
    client: TestClient, limits: Any, bad_clips: dict[str, tuple[bytes, int, str]]
) -> None:
    for name, (data, status, words) in bad_clips.items():
        refused(upload(client, name, data), status, words)
    nothing_stored(limits)


def test_bad_spoken_answers_are_refused_on_both_routes(
    client: TestClient, limits: Any, draft: str, bad_clips: dict[str, tuple[bytes, int, str]]
) -> None:
    before = client.get(f"/api/handoffs/{draft}").json()["declaration"]
    for name, (data, status, words) in bad_clips.items():
        if not data:
            continue
        for url in (
            f"/api/handoffs/{draft}/answers/recording",
            f"/handoffs/{draft}/answer-recording",
        ):
            r = client.post(
                url,
                data={"field": "returns_at"},
                files={"file": (name, data, "audio/webm")},
                headers={"HX-Request": "true"},
            )
            refused(r, status, words)
    assert client.get(f"/api/handoffs/{draft}").json()["declaration"] == before
    assert not [p for p in limits.uploads_dir.rglob("*") if p.is_file()]
