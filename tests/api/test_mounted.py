"""The identity layer as `create_app` mounts it: who posts, who may change a draft, one audit row
per change, the audit page, CSRF in the pages, security headers on a 413, and `handoff demo`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.auth.services import get_identity
from handoff.settings import Settings
from tests.api.auth_support import OP, PASSWORD, TEAM, World, build_world

WRAP = "Shipped the refund flow. Next: ping James. Back tomorrow 9am SGT."


@pytest.fixture
def world(settings: Settings) -> World:
    return build_world(settings, passwords=True)


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    import api.tasks  # noqa: F401
    from api.app import create_app
    from api.celery_app import celery_for

    celery = celery_for(settings)
    celery.conf.task_always_eager = True
    yield create_app(settings)
    celery.conf.task_always_eager = False


@pytest.fixture
def api(app: Any, world: World) -> Iterator[TestClient]:
    """A client that picks its caller per request (`headers=world.bearer(name)`)."""
    with TestClient(app, follow_redirects=False) as c:
        yield c


def post(api: TestClient, world: World, who: str, **extra: Any) -> str:
    body = {"text": WRAP, "team": TEAM} | extra
    r = api.post("/api/handoffs", json=body, headers=world.bearer(who))
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def actions(settings: Settings, resource_id: str) -> list[tuple[str, str | None]]:
    """(action, actor id) of the audit rows about one resource, oldest first."""
    rows = get_identity(settings).audit.entries(team=TEAM, limit=1000)
    return [(e.action, e.actor_id) for e in reversed(rows) if e.resource_id == resource_id]


def test_the_author_is_the_signed_in_user_and_edits_their_own_draft(
    api: TestClient, world: World, settings: Settings
) -> None:
    hid = post(api, world, "mia", author="Somebody Else")  # a member cannot name another author
    h = api.get(f"/api/handoffs/{hid}", headers=world.bearer("mia")).json()
    assert h["author"] == "mia"  # the account's display name (its username here)
    edit = {"returns_at": "Monday 10am SGT"}
    own = api.patch(f"/api/handoffs/{hid}", json=edit, headers=world.bearer("mia"))
    assert own.status_code == 200, own.text
    other = api.patch(f"/api/handoffs/{hid}", json=edit, headers=world.bearer("ann"))
    assert other.status_code == 403 and other.json()["detail"].endswith(".")
    assert api.patch(f"/api/handoffs/{hid}", json=edit, headers=world.bearer("rex")).is_success
    # Another team's lead: the handoff does not exist for them.
    assert api.get(f"/api/handoffs/{hid}", headers=world.bearer("otto")).status_code == 404


def test_a_reviewer_may_import_a_teammates_wrap_and_is_audited_as_themselves(
    api: TestClient, world: World, settings: Settings
) -> None:
    hid = post(api, world, "rex", author="Ana")
    assert api.get(f"/api/handoffs/{hid}", headers=world.bearer("rex")).json()["author"] == "Ana"
    assert actions(settings, hid)[0] == ("handoff.post", world.users["rex"])


def test_every_change_is_one_audit_row_by_the_signed_in_user(
    api: TestClient, world: World, settings: Settings
) -> None:
    lee = world.bearer("lee")
    hid = post(api, world, "mia")
    mia = world.bearer("mia")
    answered = {"field": "blockers", "answer": "none"}
    assert api.post(f"/api/handoffs/{hid}/answers", json=answered, headers=mia).is_success
    forced = {"force_reason": "Nothing else to say.", "by": "Mallory"}  # `by` is ignored
    published = api.post(f"/api/handoffs/{hid}/publish", json=forced, headers=mia)
    assert published.status_code == 200, published.text
    trail = api.get(f"/api/handoffs/{hid}/audit", headers=mia).json()
    assert [e["actor"] for e in trail if e["action"] == "published"] == ["mia"]
    ack = api.post(
        f"/api/handoffs/{hid}/acknowledge", json={"by": "Mallory"}, headers=world.bearer("ann")
    )
    assert ack.json()["acknowledged_by"] == "ann"
    assert api.post(f"/api/handoffs/{hid}/unpublish", headers=lee).is_success
    assert api.delete(f"/api/handoffs/{hid}", headers=lee).status_code == 204
    rows = actions(settings, hid)
    assert rows == [
        ("handoff.post", world.users["mia"]),
        ("handoff.answer", world.users["mia"]),
        ("handoff.publish", world.users["mia"]),
        ("handoff.acknowledge", world.users["ann"]),
        ("handoff.unpublish", world.users["lee"]),
        ("handoff.delete", world.users["lee"]),
    ]
    entries = get_identity(settings).audit.entries(team=TEAM, action="handoff.publish")
    assert entries[0].detail and entries[0].detail["reason"] == "Nothing else to say."
    person = {"name": "James Ng"}
    r = api.post(f"/api/teams/{TEAM}/vocabulary/people", json=person, headers=lee)
    assert r.status_code == 201
    assert actions(settings, TEAM)[-1] == ("vocabulary.edit", world.users["lee"])
    # The world's job has no wrap behind it, so the queue refuses it; the retry itself happened.
    api.post(f"/api/jobs/{world.job_id}/retry", headers=world.bearer("mia"))
    assert actions(settings, world.job_id) == [("job.retry", world.users["mia"])]


def sign_in(client: TestClient, login: str) -> str:
    """Sign in through the sign-in form; the CSRF token of the pages that follow."""
    page = client.get("/auth/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert token
    form = {"login": login, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    assert client.post("/auth/login", data=form).status_code == 303
    home = client.get(f"/?team={TEAM}")
    assert home.status_code == 200
    found = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
    assert found
    return found.group(1)


def test_pages_show_who_is_signed_in_and_send_the_csrf_token(app: Any, world: World) -> None:
    with TestClient(app, follow_redirects=False) as browser:
        token = sign_in(browser, "lee")
        home = browser.get(f"/?team={TEAM}").text
        assert (
            "Signed in as" in home
            and 'id="sign-out"' in home
            and "whoami" not in home.split("<main")[1]
        )
        assert 'id="whoami"' not in home and "You are" not in home
        assert f'"X-CSRF-Token": "{token}"' in home  # hx-headers on <body>
        assert "platform" not in home  # another team's name is in no menu
        url = f"/handoffs/{world.handoff_id}/acknowledge"
        hx = {"HX-Request": "true"}
        assert browser.post(url, headers=hx).status_code == 403  # no token: refused
        page = browser.get(f"/teams/{TEAM}/audit")
        assert page.status_code == 200 and "Audit log" in page.text
        r = browser.post(
            f"/handoffs/{world.handoff_id}/delete", headers=hx | {"X-CSRF-Token": token}
        )
        assert r.status_code == 204
        assert "handoff.delete" in browser.get(f"/teams/{TEAM}/audit").text
    with TestClient(app, follow_redirects=False) as member:
        sign_in(member, "mia")
        assert member.get(f"/teams/{TEAM}/audit").status_code == 403
        assert member.get("/teams/platform/audit").status_code == 404


def test_a_413_still_carries_the_security_headers(api: TestClient, world: World) -> None:
    huge = "x" * (3 * 1024 * 1024)
    r = api.post("/api/handoffs", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_demo_creates_the_accounts_the_sign_in_page_lists(settings: Settings, app: Any) -> None:
    from api.cli import cli

    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.stderr
    assert "Created demo accounts" in result.stdout
    with TestClient(app) as c:
        page = c.get("/auth/login").text
    assert "Demo accounts (development only)" in page and "lena-handoff-demo" in page
    assert get_identity(settings).directory.user("lena").display_name == "Lena Lead"
    assert OP.name.startswith("operator:")
