"""Fixtures for the HTTP API: the app in-process, with Celery tasks run in the calling thread.

`task_always_eager` runs the real task code (the same `api.tasks` functions a worker runs) without
a broker, so API tests stay fast; the worker processes themselves are exercised by
`test_worker.py`, the browser tests and the at-scale test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def app(settings: Any) -> Any:
    import api.tasks  # noqa: F401
    from api.app import create_app
    from api.celery_app import celery_for

    celery = celery_for(settings)
    celery.conf.task_always_eager = True
    yield create_app(settings)
    celery.conf.task_always_eager = False


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def posted(client: TestClient, example_wrap: str) -> dict[str, Any]:
    """The example wrap posted (and, eagerly, extracted) as Maya of team payments."""
    r = client.post(
        "/api/handoffs",
        json={
            "text": example_wrap,
            "author": "Maya",
            "team": "payments",
            "recorded_at": "2026-11-19T18:00:00+08:00",
        },
    )
    assert r.status_code == 202, r.text
    return dict(r.json())
