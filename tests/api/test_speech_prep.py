"""A worker builds teams' speech models ahead of their clips: when it starts, after a publish (the
vocabulary grows) and after the vocabulary is edited. Outside a worker nothing is built ahead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.tasks as tasks
from api.usecases import speech
from api.wiring.services import Services


@pytest.fixture
def prepared(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str | None, bool, Any]]]:
    """Every `speech.prepare_speech` call (team, warm, hints): a recorder instead of the
    ~20-second build (`tests/ingest/test_sphinx_pool.py` covers the build itself)."""
    calls: list[tuple[str | None, bool, Any]] = []

    def record(svc: Services, team: str | None, *, warm: bool = False) -> bool:
        from api.usecases.vocabulary import team_vocabulary

        hints = speech.speech_hints(team_vocabulary(svc, team)) if team else None
        calls.append((team, warm, hints))
        return True

    monkeypatch.setattr(speech, "prepare_speech", record)
    monkeypatch.setattr(tasks, "_preparer", None)
    yield calls
    monkeypatch.setattr(tasks, "_preparer", None)


def test_outside_a_worker_nothing_is_built_ahead(
    client: TestClient, prepared: list[Any], posted: dict[str, Any]
) -> None:
    r = client.post("/api/teams/payments/vocabulary/people", json={"name": "Siobhan"})
    assert r.status_code == 201
    hid = posted["id"]
    r = client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "test", "by": "Maya"})
    assert r.status_code == 200, r.text
    assert prepared == []


def test_a_worker_prepares_on_start_after_publish_and_vocabulary_edits(
    client: TestClient, prepared: list[Any], posted: dict[str, Any]
) -> None:
    preparer = tasks.prepare_on_start()
    assert preparer.idle(timeout=30)
    # Started: the decoders warmed with the no-vocabulary model, then each team's model.
    assert [c[:2] for c in prepared] == [(None, True), ("default", False), ("payments", False)]

    prepared.clear()
    r = client.post("/api/teams/payments/vocabulary/people", json={"name": "Siobhan"})
    assert r.status_code == 201
    assert preparer.idle(timeout=30)
    assert [c[:2] for c in prepared] == [("payments", False)]
    assert "Siobhan" in prepared[0][2].people  # built for the vocabulary as it is now

    prepared.clear()
    r = client.post(
        f"/api/handoffs/{posted['id']}/publish", json={"force_reason": "test", "by": "Maya"}
    )
    assert r.status_code == 200, r.text
    assert preparer.idle(timeout=30)
    assert [c[:2] for c in prepared] == [("payments", False)]


def test_a_failed_build_leaves_the_worker_preparing(
    monkeypatch: pytest.MonkeyPatch, settings: Any, prepared: list[Any]
) -> None:
    def fail_first(svc: Services, team: str | None, *, warm: bool = False) -> bool:
        prepared.append((team, warm, None))
        if len(prepared) == 1:
            raise OSError("disk full")
        return True

    monkeypatch.setattr(speech, "prepare_speech", fail_first)
    preparer = tasks.prepare_on_start()
    assert preparer.idle(timeout=30)
    # The failed warm-up is retried by the next request, which warms the decoders.
    assert [c[:2] for c in prepared] == [(None, True), ("default", True)]
