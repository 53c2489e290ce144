"""The command line is held to the same limits: one sentence naming the setting, exit code 2,
nothing stored."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import cli


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch, home: Path) -> Any:
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_MAX_TEXT_CHARS", "500")
    monkeypatch.setenv("HANDOFF_MAX_NAME_CHARS", "30")
    monkeypatch.setenv("HANDOFF_MAX_EXPORT_BYTES", str(1024 * 1024))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def refused(args: list[str], *needles: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (result.output, result.exception)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("handoff: ") and line.endswith(".")
    for needle in needles:
        assert needle in line, line


def stored(settings: Any) -> int:
    from api.wiring.services import build_services

    return build_services(settings).store.count()


def test_long_text_and_zip_bombs_are_refused(tmp_path: Path, limited: Any) -> None:
    wrap = tmp_path / "wrap.txt"
    wrap.write_text("Shipped the exporter today. " * 40)
    refused(["ingest", str(wrap)], "HANDOFF_MAX_TEXT_CHARS")
    refused(["extract", str(wrap)], "HANDOFF_MAX_TEXT_CHARS")
    bomb = tmp_path / "export.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", "[]")
        zf.writestr("ops/2023-11-14.json", b"[" + b" " * (5 * 1024 * 1024) + b"]")
    refused(["ingest", str(bomb)], "HANDOFF_MAX_EXPORT_BYTES")
    short = tmp_path / "short.txt"
    short.write_text("Shipped the exporter today.")
    refused(["ingest", str(short), "--author", "a" * 31], "HANDOFF_MAX_NAME_CHARS")
    assert stored(limited) == 0


def test_a_bulk_import_refuses_the_rows_over_a_limit(tmp_path: Path, limited: Any) -> None:
    rows = [
        {"text": "Shipped it.", "author": "a" * 31, "team": "t"},
        {"text": "x " * 300, "team": "t"},
        {"text": "Shipped the exporter.", "author": "B", "team": "t"},
    ]
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows))
    result = CliRunner().invoke(cli, ["ingest", str(src)])
    assert result.exit_code == 2
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert "HANDOFF_MAX_NAME_CHARS" in lines[0]["error"]
    assert "HANDOFF_MAX_TEXT_CHARS" in lines[1]["error"]
    assert lines[2]["status"] == "draft" and stored(limited) == 1
