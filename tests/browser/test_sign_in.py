"""Who is who, in a real browser: one user signs in through the sign-in page, posts, reviews,
publishes and asks, and sees another team's work nowhere; single sign-on runs against a real
OpenID Connect provider on 127.0.0.1."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tests.browser.conftest import OTHER_TEAM, Server, Shots

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET_WRAP = (
    "Shipped: the zanzibar-ledger cutover. Blocker: the zanzibar-ledger audit export is blocked "
    "on the bank's sandbox keys, waiting on Olga. Next: Paul retries the export. Back Monday 9am."
)
OWN_WRAP = (
    "Shipped: the refund retry banner, PR #2001. Blocker: the refund retry job is blocked on the "
    "queue quota, waiting on Priya. Next: Maya raises the quota. Back tomorrow 9am SGT."
)


def published_elsewhere(served: Server) -> str:
    """Paul, lead of the other team, posts and publishes a wrap there (over the API)."""
    paul = served.headers("paul")
    posted = httpx.post(
        f"{served.url}/api/handoffs", json={"text": SECRET_WRAP, "team": OTHER_TEAM}, headers=paul
    )
    assert posted.status_code == 202, posted.text
    hid = str(posted.json()["id"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        h = httpx.get(f"{served.url}/api/handoffs/{hid}", headers=paul).json()
        if h["declaration"] is not None:
            break
        time.sleep(0.3)
    reason = {"force_reason": "Test data."}
    r = httpx.post(f"{served.url}/api/handoffs/{hid}/publish", json=reason, headers=paul)
    assert r.status_code == 200, r.text
    return hid


def test_one_user_works_and_sees_no_other_teams_work(
    page: Any, served: Server, shots: Shots
) -> None:
    secret = published_elsewhere(served)

    # Signed in through the sign-in page (the `page` fixture): the header says who.
    page.goto("/?team=payments")
    assert page.locator("#signed-in").inner_text() == "Maya"
    assert page.locator("#whoami").count() == 0
    assert OTHER_TEAM not in page.locator("select, .teampick").first.inner_text()
    shots(page, "signed-in")

    # Post, review (answer or force) and publish as Maya: she is the author of her own draft.
    page.goto("/post?team=payments")
    page.get_by_role("tab", name="Paste text or chat").click()
    page.fill("#text", OWN_WRAP)
    page.click("#paste-send")
    page.wait_for_url(re.compile(r"/handoffs/[0-9a-f]+$"), timeout=60_000)
    mine = page.url.rsplit("/", 1)[-1]
    page.wait_for_selector("#review")
    assert "Maya" in page.locator("h1").inner_text()
    if page.locator("#publish").is_disabled():
        page.get_by_role("button", name="Publish anyway…").click()
        page.fill("#force-reason", "Checked by hand.")
        page.click("#force-publish")
    else:
        page.click("#publish")
    page.wait_for_selector(".pill.s-published")
    shots(page, "published")

    # The other team's handoff is not there for her: 404, like one that does not exist.
    response = page.goto(f"/handoffs/{secret}")
    assert response is not None and response.status == 404
    assert "zanzibar" not in page.content()
    assert page.goto(f"/?team={OTHER_TEAM}").status == 404
    assert page.goto(f"/media/{secret}").status == 404
    listed = page.request.get(f"/api/handoffs?team={OTHER_TEAM}")
    assert listed.status == 404
    shots(page, "other-team-404")
    own_list = page.request.get("/api/handoffs?team=payments").json()
    assert mine in {h["id"] for h in own_list} and secret not in {h["id"] for h in own_list}

    # Asking in her team never cites or mentions the other team's work.
    page.goto("/ask?team=payments")
    page.fill("#question", "what is blocking the zanzibar-ledger audit export?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bot:not(.streaming) .answer", timeout=30_000)
    bot = page.locator(".bot").last
    assert secret not in (bot.inner_html() or "")
    assert "Olga" not in bot.inner_text()
    shots(page, "ask-own-team-only")
    # And the audit page is for leads: Maya is a member.
    assert page.goto("/teams/payments/audit").status == 403


def test_sign_in_with_single_sign_on(chromium: Any, served: Server, shots: Shots) -> None:
    """The sign-in page's single sign-on button: discovery, authorization code with PKCE, token,
    userinfo and JWKS against the test provider; the account is made from its claims."""
    context = chromium.new_context(base_url=served.url)
    page = context.new_page()
    try:
        page.goto("/auth/login")
        shots(page, "sign-in-page")
        page.get_by_role("link", name=re.compile("single sign-on")).click()
        page.wait_for_url(re.compile(r"^" + re.escape(served.url)), timeout=30_000)
        me = page.request.get("/api/me")
        assert me.status == 200, me.text()
        assert me.json()["via"] == "session" and me.json()["display_name"] == "Sam Doe"
        shots(page, "signed-in-by-sso")
    finally:
        context.close()
