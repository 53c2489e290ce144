"""Single sign-on end to end against a real OpenID Connect provider on 127.0.0.1
(`tests.oidc_provider`): authlib's client runs unmocked — discovery, authorization code + PKCE,
token, userinfo, JWKS — and a verified sign-in finds, links or creates the account."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth.services import get_identity
from handoff.audit import Actor
from handoff.settings import Settings
from tests.oidc_provider import Person, Provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    running = Provider().start()
    yield running
    running.stop()


@pytest.fixture
def settings(home: Any, provider: Provider) -> Settings:
    return Settings(
        home=home,
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=SecretStr(provider.client_secret),
        oidc_allowed_domains="acme.test",
    )


@pytest.fixture
def browser(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def start(browser: TestClient, next_path: str = "/api/me") -> str:
    """Click "Sign in with single sign-on": the provider's authorization URL."""
    r = browser.get("/auth/oidc/login", params={"next": next_path})
    assert r.status_code == 302, r.text
    return str(r.headers["location"])


def at_provider(authorize_url: str) -> str:
    """The person signs in at the provider (real HTTP): the callback URL it sends them back to."""
    r = httpx.get(authorize_url, follow_redirects=False)
    assert r.status_code == 302, r.text
    return str(r.headers["location"])


def test_sign_in_with_the_provider_end_to_end(
    browser: TestClient, provider: Provider, settings: Settings
) -> None:
    authorize = start(browser)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    assert query["code_challenge_method"] == ["S256"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/auth/oidc/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["nonce"][0] and query["state"][0]
    done = browser.get(at_provider(authorize))
    assert done.status_code == 303 and done.headers["location"] == "/api/me"
    me = browser.get("/api/me").json()
    assert me["username"] == "sam" and me["display_name"] == "Sam Doe" and me["teams"] == {}
    # The real flow happened: discovery, authorize, token (with the PKCE verifier), JWKS for the
    # id_token's signature, userinfo.
    assert provider.endpoints_called() == ["discovery", "authorize", "token", "jwks", "userinfo"]
    token_call = dict(provider.calls)["token"]
    verifier = token_call["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert digest.decode() == query["code_challenge"][0]
    user = get_identity(settings).directory.user("sam")
    assert user.oidc_subject == "sub-sam" and user.oidc_issuer == provider.issuer
    assert not user.has_password
    actions = [e.action for e in get_identity(settings).audit.entries(limit=2)]
    assert actions == ["auth.sign_in", "user.create"]


def test_sign_in_links_an_existing_account_by_verified_email(
    browser: TestClient, provider: Provider, settings: Settings
) -> None:
    directory = get_identity(settings).directory
    made = directory.create_user(
        "samuel", email="sam@acme.test", password=None, actor=Actor.operator()
    )
    browser.get(at_provider(start(browser)))
    assert browser.get("/api/me").json()["id"] == made.id
    # Next time the (issuer, subject) pair finds the account even if the email changed.
    provider.person = Person("sub-sam", "sam.doe@elsewhere.test")
    fresh = TestClient(browser.app, follow_redirects=False)
    fresh.get(at_provider(start(fresh)))
    assert fresh.get("/api/me").json()["id"] == made.id


def test_a_callback_with_the_wrong_state_is_refused(
    browser: TestClient, provider: Provider
) -> None:
    callback = at_provider(start(browser))
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    forged = f"{parts.path}?code={query['code'][0]}&state=not-the-state"
    r = browser.get(forged)
    assert r.status_code == 401 and "state does not match" in r.text
    assert browser.get("/api/me").status_code == 401
    # A callback in a browser that never started a sign-in (login CSRF) is refused too.
    stranger = TestClient(browser.app, follow_redirects=False)
    assert stranger.get(callback).status_code == 401
    assert "token" not in provider.endpoints_called()  # no code was spent on either


def test_an_id_token_signed_by_another_key_is_refused(
    browser: TestClient, provider: Provider
) -> None:
    provider.rogue_signature = True
    r = browser.get(at_provider(start(browser)))
    assert r.status_code == 401 and "does not verify" in r.text
    assert browser.get("/api/me").status_code == 401


def test_userinfo_must_name_the_same_subject(browser: TestClient, provider: Provider) -> None:
    provider.userinfo_sub = "someone-else"
    r = browser.get(at_provider(start(browser)))
    assert r.status_code == 401 and "another subject" in r.text


def test_no_account_outside_the_allowed_domains(
    browser: TestClient, provider: Provider, settings: Settings
) -> None:
    provider.person = Person("sub-eve", "eve@gmail.example")
    r = browser.get(at_provider(start(browser)))
    assert r.status_code == 403 and "no account for eve@gmail.example" in r.text
    assert get_identity(settings).directory.count_users() == 0
    failed = get_identity(settings).audit.entries(action="auth.sign_in_failed")
    assert failed and failed[0].detail == {"via": "oidc", "reason": str(failed[0].detail["reason"])}


def test_single_sign_on_is_off_without_an_issuer(home: Any) -> None:
    with TestClient(create_app(Settings(home=home)), follow_redirects=False) as client:
        assert client.get("/auth/oidc/login").status_code == 404
        assert "Sign in with" not in client.get("/auth/login").text
