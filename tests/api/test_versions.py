"""Versions and conditional writes: the ETag of a handoff, If-Match on edits and publishing,
and publishing that is atomic under real concurrent requests (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.api.conftest import bearer, signed_in_token


def _get(client: TestClient, hid: str) -> tuple[dict[str, Any], str]:
    r = client.get(f"/api/handoffs/{hid}")
    assert r.status_code == 200, r.text
    return r.json(), r.headers["ETag"]


def test_the_etag_is_the_version_and_grows_with_every_change(
    client: TestClient, posted: dict[str, Any]
) -> None:
    body, tag = _get(client, posted["id"])
    assert tag == f'"{body["version"]}"'
    r = client.patch(f"/api/handoffs/{posted['id']}", json={"returns_at": "Friday 10am"})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == f'"{body["version"] + 1}"'
    assert _get(client, posted["id"])[1] == r.headers["ETag"]


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(
    client: TestClient, posted: dict[str, Any]
) -> None:
    hid = posted["id"]
    _, tag = _get(client, hid)
    mine = client.patch(
        f"/api/handoffs/{hid}", json={"next_actions": []}, headers={"If-Match": tag}
    )
    assert mine.status_code == 200, mine.text
    theirs = client.patch(
        f"/api/handoffs/{hid}", json={"returns_at": "Monday 9am"}, headers={"If-Match": tag}
    )
    assert theirs.status_code == 412
    assert "someone else changed" in theirs.json()["detail"].lower()
    after, now = _get(client, hid)
    assert now == mine.headers["ETag"]
    assert after["declaration"]["returns_at"] != "Monday 9am"
    stale_publish = client.post(
        f"/api/handoffs/{hid}/publish", json={"force_reason": "test"}, headers={"If-Match": tag}
    )
    assert stale_publish.status_code == 412
    assert _get(client, hid)[0]["status"] == "draft"
    assert (
        client.post(
            f"/api/handoffs/{hid}/publish", json={"force_reason": "test"}, headers={"If-Match": now}
        ).status_code
        == 200
    )


def test_if_match_star_weak_tags_and_garbage(client: TestClient, posted: dict[str, Any]) -> None:
    hid = posted["id"]
    version = _get(client, hid)[0]["version"]
    weak = client.patch(
        f"/api/handoffs/{hid}", json={"next_actions": []}, headers={"If-Match": f'W/"{version}"'}
    )
    assert weak.status_code == 200, weak.text
    anything = client.patch(f"/api/handoffs/{hid}", json={"shipped": []}, headers={"If-Match": "*"})
    assert anything.status_code == 200, anything.text
    garbage = client.patch(f"/api/handoffs/{hid}", json={"shipped": []}, headers={"If-Match": "x"})
    assert garbage.status_code == 412
    assert garbage.headers["content-type"].startswith("application/json")


def test_edits_without_if_match_still_work_and_bump_the_version(
    client: TestClient, posted: dict[str, Any]
) -> None:
    hid = posted["id"]
    before = _get(client, hid)[0]["version"]
    assert client.patch(f"/api/handoffs/{hid}", json={"shipped": []}).status_code == 200
    assert _get(client, hid)[0]["version"] == before + 1


def _race(n: int, call: Any) -> list[int]:
    """`call()` from n threads released together; their status codes."""
    barrier = threading.Barrier(n)
    codes: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        code = call()
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return codes


@pytest.fixture
def any_db_client(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app on SQLite and on the real PostgreSQL, signed in as a lead, tasks run eagerly."""
    import api.tasks  # noqa: F401
    from api.app import create_app
    from api.celery_app import celery_for
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_DATABASE_URL", database_url)
    get_settings.cache_clear()
    settings = get_settings()
    celery = celery_for(settings)
    celery.conf.task_always_eager = True
    with TestClient(create_app(settings), headers=bearer(signed_in_token(settings))) as c:
        yield c
    celery.conf.task_always_eager = False


@pytest.mark.slow
def test_exactly_one_of_concurrent_publishes_wins(
    any_db_client: TestClient, example_wrap: str, database_url: str
) -> None:
    client = any_db_client
    r = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"})
    assert r.status_code == 202, r.text
    hid = r.json()["id"]
    codes = _race(
        6,
        lambda: (
            client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "race"}).status_code
        ),
    )
    assert Counter(codes) == Counter({200: 1, 409: 5}), codes
    trail = [e["action"] for e in client.get(f"/api/handoffs/{hid}/audit").json()]
    assert trail.count("published") == 1
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(
                sa.text(
                    "SELECT field, action, count(*) FROM ledger_events WHERE handoff_id = :h "
                    "GROUP BY field, action HAVING count(*) > 1"
                ),
                {"h": hid},
            ).all()
            published = conn.execute(
                sa.text(
                    "SELECT count(*) FROM audit_log WHERE action = 'handoff.publish' "
                    "AND resource_id = :h"
                ),
                {"h": hid},
            ).scalar()
    finally:
        engine.dispose()
    assert events == []  # no item took the same event twice
    assert published == 1


@pytest.mark.slow
def test_concurrent_edits_with_the_same_if_match_one_wins(
    any_db_client: TestClient, example_wrap: str, tmp_path: Path
) -> None:
    client = any_db_client
    hid = client.post("/api/handoffs", json={"text": example_wrap, "team": "payments"}).json()["id"]
    tag = client.get(f"/api/handoffs/{hid}").headers["ETag"]
    phrases = iter([f"Friday {h}am" for h in range(1, 10)])
    lock = threading.Lock()

    def edit() -> int:
        with lock:
            phrase = next(phrases)
        return client.patch(
            f"/api/handoffs/{hid}", json={"returns_at": phrase}, headers={"If-Match": tag}
        ).status_code

    codes = _race(5, edit)
    assert Counter(codes) == Counter({200: 1, 412: 4}), codes
    trail = [e["action"] for e in client.get(f"/api/handoffs/{hid}/audit").json()]
    assert trail.count("edited") == 1


HX = {"HX-Request": "true"}


def test_the_review_page_says_someone_else_changed_it(
    client: TestClient, posted: dict[str, Any]
) -> None:
    hid = posted["id"]
    page = client.get(f"/handoffs/{hid}").text
    version = _get(client, hid)[0]["version"]
    assert f'name="version" value="{version}"' in page
    # someone else saves first, through the API
    assert (
        client.patch(f"/api/handoffs/{hid}", json={"returns_at": "Monday 9am"}).status_code == 200
    )
    form = {"version": str(version), "returns_at": "Tuesday 9am"}
    r = client.post(f"/handoffs/{hid}/save", data=form, headers=HX)
    assert r.status_code == 412
    assert r.headers["HX-Retarget"] == "#review"
    assert "Someone else changed this handoff" in r.text
    assert f"This is the current version ({version + 1})" in r.text
    assert "Monday 9am" in r.text  # the current declaration, not the stale form's
    assert _get(client, hid)[0]["declaration"]["returns_at"] == "Monday 9am"
    # a plain form post (no htmx) gets the whole page, saying the same
    r = client.post(f"/handoffs/{hid}/publish", data={"version": str(version), "force_reason": "x"})
    assert r.status_code == 412 and "Someone else changed this handoff" in r.text
    assert _get(client, hid)[0]["status"] == "draft"
    # from the current version the same form works
    r = client.post(
        f"/handoffs/{hid}/publish",
        data={"version": str(version + 1), "force_reason": "x"},
        headers=HX,
    )
    assert r.status_code == 204, r.text
    assert _get(client, hid)[0]["status"] == "published"
