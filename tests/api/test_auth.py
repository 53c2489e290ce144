"""Sign-in over HTTP: the session cookie and its flags, rotation and sign-out, CSRF, rate limits,
API tokens, security headers, and what production refuses to start with."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth.production import check_production, resolve_secret_key
from api.auth.ratelimit import MemoryCounter, RedisCounter, SignInGuard
from handoff.errors import ConfigError
from handoff.identity.demo import create_demo_accounts
from handoff.identity.errors import TooManyAttempts
from handoff.settings import Settings
from tests.api.auth_support import PASSWORD, TEAM, World, build_world

GOOD_KEY = "k7Qv2pX9sLm4Zr8Tn1Wc6Yb3Hd5Jf0Ge-AaBbCcDd"


@pytest.fixture
def world(settings: Settings) -> World:
    return build_world(settings, passwords=True)


@pytest.fixture
def client(settings: Settings, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as c:
        yield c


def csrf_of(client: TestClient) -> str:
    page = client.get("/auth/login")
    assert page.status_code == 200
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str = PASSWORD, **extra: Any) -> Any:
    data = {"login": login, "password": password, "csrf_token": csrf_of(client), "next": "/api/me"}
    return client.post("/auth/login", data=data | extra)


def session_cookie(response: Any) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if "handoff_session=" in h)


# -- sessions -----------------------------------------------------------------------------------
def test_sign_in_sets_a_signed_httponly_lax_cookie(client: TestClient) -> None:
    r = sign_in(client, "mia")
    assert r.status_code == 303 and r.headers["location"] == "/api/me"
    cookie = session_cookie(r).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # development over http
    me = client.get("/api/me").json()
    assert me["username"] == "mia" and me["teams"] == {TEAM: "member"} and me["via"] == "session"
    # A cookie whose signature does not match is no session at all.
    forged = TestClient(client.app, cookies={"handoff_session": "e30=.forged.sig"})
    assert forged.get("/api/me").status_code == 401


def test_sign_in_rotates_the_session_and_sign_out_ends_it(settings: Settings, world: World) -> None:
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as browser:
        csrf_of(browser)
        planted = browser.cookies.get("handoff_session")  # what a fixation attack would plant
        sign_in(browser, "mia")
        first = browser.cookies.get("handoff_session")
        assert first and first != planted
        sign_in(browser, "mia")
        second = browser.cookies.get("handoff_session")
        assert second != first
        # The replaced session is over on the server, even if its signed cookie is replayed.
        assert TestClient(app, cookies={"handoff_session": first}).get("/api/me").status_code == 401
        assert (
            TestClient(app, cookies={"handoff_session": second}).get("/api/me").status_code == 200
        )
        token = browser.get("/api/me").json()["csrf_token"]
        out = browser.post("/auth/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/auth/login"
        assert browser.get("/api/me").status_code == 401
        assert (
            TestClient(app, cookies={"handoff_session": second}).get("/api/me").status_code == 401
        )


def test_secure_cookie_with_host_prefix_in_production(home: Any) -> None:
    settings = Settings(home=home, environment="production", secret_key=SecretStr(GOOD_KEY))
    build_world(settings, passwords=True)
    app = create_app(settings)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        r = sign_in(browser, "mia")
        cookie = session_cookie(r).lower()
        assert cookie.startswith("__host-handoff_session=") and "; secure" in cookie
        assert browser.get("/api/me").json()["username"] == "mia"
        assert "max-age=31536000" in browser.get("/api/health").headers["strict-transport-security"]


def test_disabling_an_account_ends_its_sessions_and_tokens(
    client: TestClient, world: World
) -> None:
    sign_in(client, "mia")
    assert client.get("/api/me").status_code == 200
    from tests.api.auth_support import OP

    world.identity.directory.set_disabled("mia", True, actor=OP)
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers=world.bearer("mia")).status_code == 401


# -- CSRF ---------------------------------------------------------------------------------------
def test_cookie_requests_that_change_state_need_the_csrf_token(
    client: TestClient, world: World
) -> None:
    sign_in(client, "mia")
    refused = client.post("/api/tokens", json={"name": "laptop"})
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(
        "The form has expired or did not come from this site"
    )
    wrong = client.post("/api/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    token = client.get("/api/me").json()["csrf_token"]
    made = client.post("/api/tokens", json={"name": "laptop"}, headers={"X-CSRF-Token": token})
    assert made.status_code == 201
    # A bearer token is never sent by a browser on its own: no CSRF token needed.
    bearer = client.post("/api/tokens", json={"name": "ci"}, headers=world.bearer("mia"))
    assert bearer.status_code == 201


def test_sign_in_form_itself_needs_the_csrf_token(client: TestClient) -> None:
    r = client.post("/auth/login", data={"login": "mia", "password": PASSWORD})
    assert r.status_code == 403
    assert client.get("/api/me").status_code == 401


# -- rate limits --------------------------------------------------------------------------------
def test_failed_sign_ins_are_limited_per_account(home: Any) -> None:
    settings = Settings(home=home, signin_max_failures=3, signin_window_s=600)
    build_world(settings, passwords=True)
    with TestClient(create_app(settings), follow_redirects=False) as browser:
        for _ in range(3):
            assert sign_in(browser, "mia", "wrong password, sorry").status_code == 401
        locked = sign_in(browser, "mia")  # even the right password, until the window passes
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 500
        assert "Too many failed sign-ins" in locked.text
        assert sign_in(browser, "rex").status_code == 303  # another account is not locked


def test_failed_sign_ins_are_limited_per_address(home: Any) -> None:
    settings = Settings(home=home, signin_max_failures_per_address=4, signin_max_failures=10)
    build_world(settings, passwords=True)
    with TestClient(create_app(settings), follow_redirects=False) as browser:
        for name in ("mia", "ann", "rex", "nobody"):
            assert sign_in(browser, name, "wrong password, sorry").status_code == 401
        assert sign_in(browser, "lee").status_code == 429


def test_memory_counter_window_slides() -> None:
    now = [1000.0]
    guard = SignInGuard(
        MemoryCounter(clock=lambda: now[0]), per_account=2, per_address=100, window_s=60
    )
    guard.failed("mia", "10.0.0.1")
    now[0] += 30
    guard.failed("MIA", "10.0.0.1")  # account names are compared lowercased
    with pytest.raises(TooManyAttempts) as err:
        guard.check("mia", "10.0.0.2")
    assert err.value.retry_after == 30
    now[0] += 31  # the first failure left the window
    guard.check("mia", "10.0.0.2")
    guard.failed("mia", None)
    guard.succeeded("mia")
    guard.check("mia", None)


@pytest.mark.redis
def test_redis_counter_is_shared_and_slides() -> None:
    import uuid

    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    namespace = f"handoff-test:{uuid.uuid4().hex}:"
    try:
        one = SignInGuard(RedisCounter(client, namespace=namespace), per_account=2, per_address=9,
                          window_s=2)  # fmt: skip
        two = SignInGuard(RedisCounter(client, namespace=namespace), per_account=2, per_address=9,
                          window_s=2)  # fmt: skip
        one.failed("mia", "10.0.0.1")
        two.failed("mia", "10.0.0.1")
        with pytest.raises(TooManyAttempts):  # a second server sees the first one's failures
            one.check("mia", "10.0.0.1")
        assert not any(b"mia" in k for k in client.keys(namespace + "*"))  # names are hashed
        import time

        time.sleep(2.1)
        one.check("mia", "10.0.0.1")
        two.failed("mia", "10.0.0.1")
        two.succeeded("mia")
        one.check("mia", "10.0.0.1")
    finally:
        for key in client.keys(namespace + "*"):
            client.delete(key)
        client.close()


# -- tokens over HTTP ---------------------------------------------------------------------------
def test_token_is_shown_once_then_works_until_revoked(client: TestClient, world: World) -> None:
    made = client.post("/api/tokens", json={"name": "script"}, headers=world.bearer("lee"))
    assert made.status_code == 201
    secret = made.json()["token"]
    listed = client.get("/api/tokens", headers=world.bearer("lee")).json()
    assert secret not in str(listed) and {t["name"] for t in listed} == {"tests", "script"}
    mine = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/me", headers=mine).json()["username"] == "lee"
    other = client.delete(f"/api/tokens/{made.json()['id']}", headers=world.bearer("mia"))
    assert other.status_code == 404  # not mia's: answered like a token that does not exist
    assert client.delete(f"/api/tokens/{made.json()['id']}", headers=mine).status_code == 204
    revoked = client.get("/api/me", headers=mine)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


def test_limited_tokens_never_widen(client: TestClient, world: World) -> None:
    lee = world.bearer("lee")
    ro = client.post("/api/tokens", json={"name": "ro", "read_only": True}, headers=lee).json()
    ro_auth = {"Authorization": f"Bearer {ro['token']}"}
    assert client.get("/api/me", headers=ro_auth).json()["token"]["read_only"] is True
    refused = client.post("/api/tokens", json={"name": "rw"}, headers=ro_auth)
    assert refused.status_code == 403 and refused.json()["detail"] == "This API token is read-only."
    outside = client.post("/api/tokens", json={"name": "x", "teams": ["platform"]}, headers=lee)
    assert outside.status_code == 422 and "not in the team 'platform'" in outside.json()["detail"]
    bad = client.post("/api/tokens", json={"name": "x", "teams": ["../etc"]}, headers=lee)
    assert bad.status_code == 422
    limited = client.post("/api/tokens", json={"name": "l", "teams": [TEAM]}, headers=lee).json()
    lim_auth = {"Authorization": f"Bearer {limited['token']}"}
    wider = client.post("/api/tokens", json={"name": "wider"}, headers=lim_auth)
    assert wider.status_code == 403


def test_bad_credentials_are_401_with_one_sentence(client: TestClient) -> None:
    anonymous = client.get("/api/me")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json() == {"detail": "Sign in first."}
    wrong = client.get("/api/me", headers={"Authorization": "Bearer hnd_" + "x" * 43})
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
    basic = client.get("/api/me", headers={"Authorization": "Basic bWlhOnB3"})
    assert basic.status_code == 401 and "Bearer" in basic.json()["detail"]


def test_sign_ins_are_audited_and_leads_read_their_teams_log(
    client: TestClient, world: World
) -> None:
    assert sign_in(client, "mia", "wrong password, sorry").status_code == 401
    assert sign_in(client, "mia").status_code == 303
    actions = [e.action for e in world.identity.audit.entries(limit=5)]
    assert actions[:2] == ["auth.sign_in", "auth.sign_in_failed"]
    failed = world.identity.audit.entries(action="auth.sign_in_failed")[0]
    assert failed.resource_id == world.users["mia"] and failed.address == "testclient"
    log = client.get(f"/api/teams/{TEAM}/audit", headers=world.bearer("lee"))
    assert log.status_code == 200 and {"member.add", "team.create"} <= {
        e["action"] for e in log.json()
    }
    assert all(e["team"] == TEAM for e in log.json())
    assert client.get(f"/api/teams/{TEAM}/audit", headers=world.bearer("rex")).status_code == 403


# -- the sign-in page ---------------------------------------------------------------------------
def test_demo_accounts_show_on_the_sign_in_page_in_development_only(
    client: TestClient, world: World, home: Any
) -> None:
    # An account merely named like a demo one (here "admin") is not listed: its password differs.
    assert "handoff-demo" not in client.get("/auth/login").text
    create_demo_accounts(world.identity.directory, environment="development", default_team=TEAM)
    page = client.get("/auth/login").text
    assert "maya-handoff-demo" in page and "Demo accounts" in page
    assert "admin-handoff-demo" not in page
    assert sign_in(client, "maya", "maya-handoff-demo").status_code == 303
    prod = Settings(home=home, environment="production", secret_key=SecretStr(GOOD_KEY))
    with TestClient(create_app(prod), base_url="https://testserver") as browser:
        page = browser.get("/auth/login").text
        assert "handoff-demo" not in page and "Sign in" in page


def test_next_is_kept_on_this_site(client: TestClient) -> None:
    again = sign_in(client, "mia", "wrong password, sorry", next="/handoffs/h1")
    assert again.status_code == 401 and 'name="next" value="/handoffs/h1"' in again.text
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        # Home, on the user's own team (mia is not in the default team).
        assert sign_in(client, "mia", next=evil).headers["location"] == f"/?team={TEAM}"


# -- security headers ---------------------------------------------------------------------------
def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/api/health", "/auth/login", "/api/me", "/static/app.css"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in h  # development is plain http
    docs = client.get("/docs").headers["content-security-policy"]
    assert "cdn.jsdelivr.net" in docs and "frame-ancestors 'none'" in docs


# -- production refusals ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({}, "HANDOFF_SECRET_KEY must be set"),
        ({"secret_key": SecretStr("changethis")}, "well-known default"),
        ({"secret_key": SecretStr("a" * 40)}, "well-known default"),
        ({"secret_key": SecretStr("Zx9-short-Key1")}, "too short"),
        ({"secret_key": SecretStr(GOOD_KEY), "secure_cookies": False}, "HANDOFF_SECURE_COOKIES"),
        ({"secret_key": SecretStr(GOOD_KEY), "open_signup": True}, "HANDOFF_OPEN_SIGNUP"),
        (
            {"secret_key": SecretStr(GOOD_KEY), "public_url": "http://handoff.example"},
            "HANDOFF_PUBLIC_URL",
        ),
    ],
)
def test_production_refuses_unsafe_settings(
    home: Any, overrides: dict[str, Any], variable: str
) -> None:
    settings = Settings(home=home, environment="production", **overrides)
    with pytest.raises(ConfigError, match=variable) as err:
        check_production(settings)
    assert str(err.value).count(".") >= 1 and "\n" not in str(err.value)
    with pytest.raises(ConfigError):
        create_app(settings)


def test_production_with_safe_settings_starts(home: Any) -> None:
    settings = Settings(home=home, environment="production", secret_key=SecretStr(GOOD_KEY))
    check_production(settings)
    assert settings.cookies_secure
    assert resolve_secret_key(settings) == GOOD_KEY
    assert not (home / "secret_key").exists()


def test_development_key_is_kept_private_and_stable(settings: Settings, home: Any) -> None:
    check_production(settings)  # development: nothing is refused
    key = resolve_secret_key(settings)
    assert len(key) >= 32 and resolve_secret_key(settings) == key
    mode = stat.S_IMODE(os.stat(home / "secret_key").st_mode)
    assert mode == 0o600
