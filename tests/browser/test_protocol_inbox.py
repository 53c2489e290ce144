"""The protocol in a real browser against `handoff serve` (its embedded worker delivering): Maya
publishes a blocker only Tomás can clear; Tomás sees the count in the header, opens "Needs you",
resolves it with a note from the page; the count goes, the ledger says who resolved it, and the
worker delivers Maya's "resolved" notification."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Server, Shots, sign_in

WRAP = (
    "In flight: refund terms page, in review. Blocker: need legal sign-off on the refund terms, "
    "waiting on Tomás. Next: ship the page once signed off. Back tomorrow 9am SGT."
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium without the fake microphone (this test records nothing)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _wait(check: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_blocker_is_resolved_from_the_inbox(browser: Any, served: Server, shots: Shots) -> None:
    api = httpx.Client(base_url=served.url, headers=served.headers("maya"), timeout=30)
    posted = api.post("/api/handoffs", json={"text": WRAP, "team": "payments", "author": "Maya"})
    assert posted.status_code == 202, posted.text
    hid, job = posted.json()["id"], posted.json()["job_id"]
    _wait(lambda: api.get(f"/api/jobs/{job}").json()["state"] == "done", "the extraction")
    blocker = {"description": "need legal sign-off on the refund terms", "needed_from": "Tomás"}
    assert api.patch(f"/api/handoffs/{hid}", json={"blockers": [blocker]}).is_success
    r = api.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "browser test"})
    assert r.status_code == 200, r.text

    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=served.url)
    page = context.new_page()
    try:
        sign_in(page, "tomas")
        assert page.locator("#nav-inbox-count").inner_text().strip() == "1"
        page.click("#nav-inbox")
        page.wait_for_selector("h1:has-text('Needs you')")
        shots(page, "inbox")
        with httpx.Client(base_url=served.url, headers=served.headers("tomas")) as tomas:
            [routed] = tomas.get("/api/inbox").json()["blockers"]
        item = routed["item"]["id"]
        form = page.locator(f"#act-{item} form[action$='/resolve']")
        form.locator("input[name=note]").fill("signed off by legal, decided: 30-day refunds")
        form.locator("button").click()
        page.wait_for_selector(f"#act-{item} :text('Resolved')")
        page.reload()
        assert page.locator("#nav-inbox-count").count() == 0
        resolved = api.get(f"/api/items/{item}").json()
        assert (resolved["state"], resolved["resolved_by"]) == ("resolved", "Tomás")
        kinds = _wait(
            lambda: [
                n["kind"]
                for n in api.get("/api/inbox").json()["notifications"]
                if n["kind"] == "blocker_resolved"
            ],
            "the worker to deliver Maya's notification",
        )
        assert kinds == ["blocker_resolved"]
    finally:
        context.close()
        api.close()
