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


#: The teams the API tests post to; the signed-in test user is lead in each.
TEAMS = ("payments", "default", "t", "ops", "core", "infra", "pay", "search")


def signed_in_token(settings: Any, username: str = "maya", display_name: str = "Maya") -> str:
    """A bearer token for a user who is lead in every team the tests use (created first)."""
    from api.auth.services import get_identity
    from handoff.audit import Actor
    from handoff.identity.roles import Role

    identity = get_identity(settings)
    op = Actor.operator()
    known = {t.slug for t in identity.directory.teams()}
    for team in TEAMS:
        if team not in known:
            identity.directory.create_team(team, actor=op)
    user = identity.directory.create_user(username, display_name=display_name, actor=op)
    for team in TEAMS:
        identity.directory.add_member(team, username, Role.LEAD, actor=op)
    return identity.tokens.create(user.id, name="tests", actor=op).secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(app: Any, settings: Any) -> Iterator[TestClient]:
    """The app, signed in as Maya (lead in the tests' teams) with a bearer token."""
    with TestClient(app, headers=bearer(signed_in_token(settings))) as c:
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
