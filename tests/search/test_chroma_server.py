"""The index against a real Chroma server (`chroma run` on 127.0.0.1), as at scale."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.usecases import questions
from tests.search.conftest import load_history

CHROMA = str(Path(sys.executable).with_name("chroma"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            CHROMA,
            "run",
            "--path",
            str(tmp_path / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            pytest.fail("The Chroma server did not start.")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_answers_through_a_chroma_server(
    chroma_url: str, home: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.wiring.services import build_services
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_CHROMA_URL", chroma_url)
    get_settings.cache_clear()
    svc = build_services(get_settings())
    load_history(svc)
    assert svc.index.count() > 0
    assert not (home / "index").exists()  # nothing embedded
    got = questions.ask(
        svc,
        "what's blocking auth?",
        team="core",
        as_of=datetime.fromisoformat("2026-11-19T09:00:00+00:00"),
    )
    assert "Sarah" in got["answer"]


def test_unreachable_server_is_one_clear_error(home: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.wiring.services import build_services
    from handoff.settings import get_settings
    from search.errors import IndexUnavailable

    monkeypatch.setenv("HANDOFF_CHROMA_URL", f"http://127.0.0.1:{_free_port()}")
    get_settings.cache_clear()
    with pytest.raises(IndexUnavailable, match="HANDOFF_CHROMA_URL"):
        _ = build_services(get_settings()).index
