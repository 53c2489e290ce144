"""Nothing on disk is named from client input.

Every field that once reached a path (the team, an uploaded file's name, an imported handoff's id)
is tried with traversal, absolute paths, NUL bytes, URL-encoded and look-alike separators. Each is
refused with one sentence and nothing stored, or stored under a name the server chose; in no case is
anything written outside HANDOFF_HOME.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

HOSTILE = [
    "..",
    "../../escape",
    "..\\..\\escape",
    "/tmp/escape",
    "payments/../../escape",
    "pay\x00ments",
    "..%2F..%2Fescape",
    "%2e%2e%2fescape",
    "pay\u2215ments",  # DIVISION SLASH, looks like '/'
    "pay\uff0fments",  # FULLWIDTH SOLIDUS
    "\u2024\u2024",  # ONE DOT LEADER twice, looks like '..'
    "Payments",
    "x" * 65,
    "",
]


def _files_outside(root: Path, home: Path) -> set[Path]:
    """Every file under the test's directory that is not inside HANDOFF_HOME."""
    return {
        p for p in root.rglob("*") if p.is_file() and not p.resolve().is_relative_to(home.resolve())
    }


@pytest.fixture
def outside(home: Path) -> Any:
    root = home.parent
    before = _files_outside(root, home)

    def check() -> None:
        after = _files_outside(root, home)
        assert after == before, f"written outside HANDOFF_HOME: {sorted(after - before)}"

    return check


def _assert_one_sentence(r: Any, status: int = 422) -> None:
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert detail, r.text


@pytest.mark.parametrize("team", [t for t in HOSTILE if t])
def test_hostile_team_in_json_is_refused_and_nothing_stored(
    client: TestClient, home: Path, outside: Any, team: str
) -> None:
    r = client.post("/api/handoffs", json={"text": "Shipped the exporter.", "team": team})
    _assert_one_sentence(r)
    assert client.get("/api/handoffs", params={"team": "default"}).json() == []
    outside()


@pytest.mark.parametrize("team", [t for t in HOSTILE if t and "\x00" not in t])
def test_hostile_team_in_an_upload_is_refused_and_nothing_kept(
    client: TestClient, home: Path, outside: Any, team: str
) -> None:
    r = client.post(
        "/api/handoffs",
        data={"team": team},
        files={"file": ("wrap.txt", b"Shipped the exporter. Back Monday 9am.", "text/plain")},
    )
    _assert_one_sentence(r)
    uploads = home / "uploads"
    kept = [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []
    assert kept == []
    outside()


@pytest.mark.parametrize(
    "filename",
    ["../../evil.pth", "/tmp/evil.pth", "..\\..\\evil.pth", "evil.pth\x00.txt", "a/../../b.txt"],
)
def test_an_uploaded_file_name_never_names_the_stored_file(
    client: TestClient, home: Path, outside: Any, filename: str
) -> None:
    r = client.post(
        "/api/handoffs",
        data={"team": "payments"},
        files={"file": (filename, b"Shipped the exporter. Back Monday 9am.", "text/plain")},
    )
    assert r.status_code == 202, r.text
    kept = [p for p in (home / "uploads").rglob("*") if p.is_file()]
    assert len(kept) == 1
    stored = kept[0]
    assert stored.parent == home / "uploads" / "files"
    assert stored.stem.isalnum() and len(stored.stem) == 32
    assert stored.suffix in ("", ".txt")
    outside()


@pytest.mark.parametrize("team", ["..", "..%2F..%2Fescape", "Payments", "pay\u2215ments"])
def test_hostile_team_in_a_vocabulary_path_is_refused(
    client: TestClient, home: Path, outside: Any, team: str
) -> None:
    r = client.post(f"/api/teams/{team}/vocabulary/people", json={"name": "Sarah"})
    assert r.status_code in (404, 422), r.text
    assert isinstance(r.json()["detail"], (str, list))
    outside()


@pytest.mark.parametrize("team", ["../../escape", "Payments", "pay\u2215ments"])
def test_cli_refuses_a_hostile_team_with_exit_2(home: Path, outside: Any, team: str) -> None:
    from api.cli import cli as main

    wrap = home.parent / "wrap.txt"
    wrap.write_text("Shipped the exporter. Back Monday 9am.")
    before = _files_outside(home.parent, home)
    result = CliRunner().invoke(main, ["ingest", str(wrap), "--team", team])
    assert result.exit_code == 2, result.output
    assert "team name" in result.output and "Traceback" not in result.output
    assert _files_outside(home.parent, home) == before


def test_bulk_import_refuses_hostile_ids_and_teams(home: Path, outside: Any) -> None:
    from api.cli import cli as main

    rows = [
        {"text": "Shipped the exporter.", "team": "payments", "id": "../../escape"},
        {"text": "Shipped the exporter.", "team": "../../escape"},
        {"text": "Shipped the importer.", "team": "payments", "id": "history-1"},
    ]
    path = home.parent / "history.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    before = _files_outside(home.parent, home)
    result = CliRunner().invoke(main, ["ingest", str(path)])
    assert "Traceback" not in result.output
    listed = CliRunner().invoke(main, ["list", "--team", "payments"])
    ids = [row["id"] for row in json.loads(listed.output)]
    assert ids == ["history-1"]
    assert _files_outside(home.parent, home) == before


def test_spoken_answers_are_kept_under_a_server_named_folder(services: Any, home: Path) -> None:
    handoff = services.store.create(
        team="payments", author="Maya", recorded_at=None, source_kind="text", handoff_id="imp-1"
    )
    folder = services.answer_clips_dir(handoff)
    assert folder.parent == home / "uploads" / "answers"
    assert "imp-1" not in folder.name and len(folder.name) == 32
