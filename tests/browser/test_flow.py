"""The product's three moments in a real browser: post a wrap, review and publish it, and ask.

Each test saves a screenshot of every screen it passes through (artifacts/screenshots/).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Server, Shots, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TYPED_WRAP = (
    "In-flight: payments-refund-flow in review, PR #1842 open. "
    "Decision: we chose Redis for the rate limit counters because the write volume is too high "
    "for the primary. Blocker: the staging VPN request is blocking the migration test. "
    "Next: Maya will write the refund flow integration tests. Back tomorrow 9am SGT."
)
ANSWERS = {
    "shipped": "nothing shipped",
    "needed_from": "Priya",
    "owner": "Maya",
    "rationale": "it keeps the primary database quiet",
    "returns_at": "Monday 10am SGT",
}


def wait_until(page: Any, expression: str, timeout: float = 30) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's `wait_for_function` evaluates
    its predicate with `eval` inside the page, which the app's Content-Security-Policy forbids.)"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(expression):
            return
        time.sleep(0.1)
    pytest.fail(f"Still false after {timeout:.0f} s: {expression}")


def sign_out(page: Any) -> None:
    page.click("#sign-out")
    page.wait_for_url(re.compile(r"/auth/login"))


def wait_for_index(served: Server, handoff_id: str, timeout: float = 90) -> None:
    """Publishing queues an index job; wait until the worker has done it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        url = f"{served.url}/api/handoffs/{handoff_id}"
        job = httpx.get(url, headers=served.headers()).json()["job"]
        if job and job["kind"] == "index_handoff" and job["state"] in ("done", "failed"):
            assert job["state"] == "done", job["error"]
            return
        time.sleep(0.3)
    pytest.fail("The index job did not finish.")


def answer_every_flag(page: Any, shots: Shots) -> None:
    """Answer each follow-up question inline (keyboard: type, Enter) until none is left."""
    for _ in range(12):
        forms = page.locator("form.answer")
        if forms.count() == 0:
            return
        form = forms.first
        field = form.locator("input[name=field]").get_attribute("value") or ""
        key = field.split(".")[-1]
        before = forms.count()
        box = form.locator("input[name=answer]")
        box.fill(ANSWERS.get(key, "none"))
        box.press("Enter")
        wait_until(page, f"document.querySelectorAll('form.answer').length < {before}")
        if _ == 0:
            shots(page, "answered-first-flag")
    pytest.fail("Follow-up questions kept coming back.")


def test_paste_review_publish_acknowledge_ask(page: Any, served: Server, shots: Shots) -> None:
    page.goto("/?team=payments")
    shots(page, "incoming-shift-empty")

    # Post: paste a typed wrap; the progress bar follows the job to the review page.
    page.goto("/post?team=payments")
    page.get_by_role("tab", name="Paste text or chat").click()
    page.fill("#text", TYPED_WRAP)
    shots(page, "post-paste")
    page.click("#paste-send")
    page.wait_for_selector("#job:not([hidden])")
    page.wait_for_url(re.compile(r"/handoffs/[0-9a-f]+$"), timeout=60_000)
    handoff_id = page.url.rsplit("/", 1)[-1]
    page.wait_for_selector("#review")
    shots(page, "review-draft")

    # Flags are highlighted with their questions; publishing is disabled while they remain.
    assert page.locator(".flags").is_visible()
    assert page.locator("#publish").is_disabled()
    assert page.locator(".evidence").count() > 0

    # Edit a field: the return time; the form saves and shows the resolved time.
    page.fill("input[name=returns_at]", "Monday 10am SGT")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector(".notice:has-text('Saved.')")
    assert "Mon" in page.locator("text=Resolved:").inner_text()

    # Answer the follow-ups inline, then publish.
    answer_every_flag(page, shots)
    assert page.locator("#publish").is_enabled()
    shots(page, "review-ready")
    page.click("#publish")
    page.wait_for_selector(".pill.s-published")
    shots(page, "published")
    wait_for_index(served, handoff_id)

    # Incoming shift: Tomás signs in (after Maya signs out) and acknowledges with one click.
    sign_out(page)
    sign_in(page, "tomas")
    page.goto("/?team=payments")
    page.wait_for_selector(".board")
    assert "the staging VPN request" in page.locator(".board").inner_text()
    shots(page, "incoming-shift")
    page.locator(f"#ack-{handoff_id} button").click()
    page.wait_for_selector(f"#ack-{handoff_id}:has-text('Acknowledged by Tomás')")
    shots(page, "acknowledged")

    # Ask (as Maya again): the answer streams in with citations; a citation opens the handoff.
    sign_out(page)
    sign_in(page, "maya")
    page.goto("/ask?team=payments")
    page.fill("#question", "what is blocking the migration test?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bot:not(.streaming) .citations a", timeout=30_000)
    answer = page.locator(".bot .answer").inner_text()
    assert "Priya" in answer or "VPN" in answer
    shots(page, "ask-answered")
    # A follow-up is read in its conversation.
    page.fill("#question", "and who can clear it?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".bot:nth-child(4):not(.streaming) .answer", timeout=30_000)
    assert "Priya" in page.locator(".bot .answer").nth(1).inner_text()
    shots(page, "ask-follow-up")
    page.locator(".citations a").first.click()
    page.wait_for_url(re.compile(rf"/handoffs/{handoff_id}"))
    shots(page, "citation-opened")

    # The blocker's item timeline is one click from the board.
    page.goto("/?team=payments")
    page.locator(".board a").first.click()
    page.wait_for_selector(".timeline")
    shots(page, "item-timeline")


def test_upload_clip_evidence_plays_the_moment(
    page: Any, served: Server, shots: Shots, speech_clip: Path
) -> None:
    page.goto("/post?team=clips")
    page.get_by_role("tab", name="Upload a file").click()
    page.set_input_files("#file", str(speech_clip))
    shots(page, "post-upload")
    started = time.monotonic()
    page.click("#upload-send")
    page.wait_for_selector("#job:not([hidden])")
    shots(page, "progress")
    page.wait_for_url(re.compile(r"/handoffs/[0-9a-f]+$"), timeout=90_000)
    draft_seconds = time.monotonic() - started
    handoff_id = page.url.rsplit("/", 1)[-1]
    page.wait_for_selector("#player")
    shots(page, "review-clip")
    print(f"clip upload -> draft on screen: {draft_seconds:.1f} s")

    # Clicking a timed evidence quote plays the clip from that moment.
    timed = page.locator(".evidence[data-start]:not([data-start=''])")
    assert timed.count() > 0
    start = float(timed.last.get_attribute("data-start") or 0)
    timed.last.click()
    wait_until(page, f"Math.abs(document.querySelector('#player').currentTime - {start}) < 1.5")
    assert page.locator("#transcript li.hit").count() == 1

    # Publish anyway, with a reason, when flags remain.
    if page.locator("#publish").is_disabled():
        page.get_by_role("button", name="Publish anyway…").click()
        page.fill("#force-reason", "Recorded in a hurry; details follow tomorrow.")
        shots(page, "publish-anyway")
        page.click("#force-publish")
    else:
        page.click("#publish")
    page.wait_for_selector(".pill.s-published")
    wait_for_index(served, handoff_id)

    # Ask about something the recognizer did hear (speech recognition of espeak is rough).
    url = f"{served.url}/api/handoffs/{handoff_id}"
    decl = httpx.get(url, headers=served.headers()).json()["declaration"]
    question = "what is blocked?" if decl["blockers"] else "what was decided?"
    assert decl["blockers"] or decl["decisions"], decl
    page.goto(f"/ask?team=clips&q={question.replace(' ', '%20')}")
    page.wait_for_selector(".bot:not(.streaming) .citations a", timeout=30_000)
    link = page.locator(".citations a").first
    assert "?t=" in (link.get_attribute("href") or "")
    shots(page, "ask-clip")
    link.click()
    page.wait_for_url(re.compile(rf"/handoffs/{handoff_id}\?t="))
    wait_until(page, "document.querySelector('#player').currentTime > 0")
    shots(page, "citation-at-moment")


def test_record_in_the_browser(page: Any, server: str, shots: Shots) -> None:
    """MediaRecorder with Chromium's fake camera and microphone (the spoken wrap as audio)."""
    page.goto("/post?team=recorded")
    page.check("input[name=device][value=video]")
    page.click("#rec-start")
    wait_until(page, "document.querySelector('#timer').textContent.startsWith('0:04')")
    shots(page, "recording")
    page.click("#rec-stop")
    page.wait_for_selector("#preview-wrap:not([hidden])")
    assert page.evaluate("document.querySelector('#preview').src").startswith("blob:")
    shots(page, "preview")
    with page.expect_response("**/api/handoffs") as response:
        page.click("#rec-send")
    assert response.value.status == 202
    page.wait_for_selector("#job:not([hidden])")
    page.wait_for_url(re.compile(r"/handoffs/[0-9a-f]+$"), timeout=90_000)
    page.wait_for_selector("#player")
    shots(page, "recorded-review")


def test_keyboard_and_phone_layout(chromium: Any, served: Server, shots: Shots) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, base_url=served.url)
    page = context.new_page()
    try:
        sign_in(page, "maya")
        pages = (("/", "phone-shift"), ("/post", "phone-post"), ("/ask", "phone-ask"))
        for path, name in ((f"{p}?team=phone", n) for p, n in pages):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways on a phone"
            shots(page, name)
        posted = httpx.post(
            f"{served.url}/api/handoffs",
            json={"text": TYPED_WRAP, "team": "phone"},
            headers=served.headers(),
        ).json()
        page.goto(f"/handoffs/{posted['id']}")
        page.wait_for_selector("#decl-form", timeout=60_000)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, "the review page scrolls sideways on a phone"
        shots(page, "phone-review")
        # Keyboard: the post tabs follow the arrow keys; the skip link comes first.
        page.goto("/post?team=phone")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.focus("#tab-record")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("document.activeElement.id") == "tab-upload"
        assert page.locator("#panel-upload").is_visible()
    finally:
        context.close()


def test_upload_a_chat_export_choosing_its_channel(page: Any, server: str, shots: Shots) -> None:
    slack = Path(__file__).parents[2].parent / "shared" / "data" / "chat" / "slack-export-viewer"
    page.goto("/post?team=chat")
    page.get_by_role("tab", name="Upload a file").click()
    page.set_input_files("#file", str(slack / "testarchive.zip"))
    page.get_by_text("A chat export: only one channel or a time range").click()
    page.fill("#chat-channel", "enrique")
    page.fill("#chat-until", "2016-01-15T23:59")
    shots(page, "post-chat-choice")
    page.click("#upload-send")
    page.wait_for_url(re.compile(r"/handoffs/[0-9a-f]+$"), timeout=60_000)
    page.wait_for_selector("#transcript li .speaker")
    shots(page, "review-chat")
    dates = page.locator("#transcript li .muted").all_inner_texts()
    assert dates and all("15 Jan" in d or "Jan 15" in d for d in dates), dates


def test_rows_added_in_one_edit_are_saved_in_order(page: Any, served: Server, shots: Shots) -> None:
    """Two next actions added before one save keep the order they have on screen."""
    posted = httpx.post(
        f"{served.url}/api/handoffs",
        json={"text": TYPED_WRAP, "team": "rows"},
        headers=served.headers(),
    ).json()
    url = f"{served.url}/api/handoffs/{posted['id']}"
    page.goto(f"/handoffs/{posted['id']}")
    page.wait_for_selector("#decl-form", timeout=60_000)
    before = httpx.get(url, headers=served.headers()).json()["declaration"]
    rows = page.locator(".entries[data-part=next_actions] .entry")
    for text in ("first added action", "second added action"):
        page.click("[data-add-entry=next_actions]")
        rows.last.locator("input").first.fill(text)
    names = [rows.nth(i).locator("input").first.get_attribute("name") for i in range(rows.count())]
    numbers = [int(str(name).split(".")[1]) for name in names]
    assert numbers == sorted(numbers) and numbers[-1] == numbers[-2] + 1, names
    shots(page, "rows-added")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector(".notice:has-text('Saved.')")
    saved = httpx.get(url, headers=served.headers()).json()["declaration"]
    assert [e["action"] for e in saved["next_actions"]] == [
        *(e["action"] for e in before["next_actions"]),
        "first added action",
        "second added action",
    ]


def test_a_stale_review_page_says_someone_else_changed_it(
    page: Any, served: Server, shots: Shots
) -> None:
    """Saving from a page that shows an older version keeps the other reviewer's change and
    says so, with the current version in place of the stale form."""
    posted = httpx.post(
        f"{served.url}/api/handoffs",
        json={"text": TYPED_WRAP, "team": "rows"},
        headers=served.headers(),
    ).json()
    url = f"{served.url}/api/handoffs/{posted['id']}"
    page.goto(f"/handoffs/{posted['id']}")
    page.wait_for_selector("#decl-form", timeout=60_000)
    theirs = httpx.patch(url, json={"returns_at": "Wednesday 3pm SGT"}, headers=served.headers())
    assert theirs.status_code == 200, theirs.text
    page.fill("input[name=returns_at]", "Monday 10am SGT")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector("#conflict:has-text('Someone else changed this handoff')")
    shots(page, "review-stale")
    assert page.input_value("input[name=returns_at]") == "Wednesday 3pm SGT"
    assert httpx.get(url, headers=served.headers()).json()["declaration"]["returns_at"] == (
        "Wednesday 3pm SGT"
    )
    # From the current version, the same change saves.
    page.fill("input[name=returns_at]", "Monday 10am SGT")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_selector(".notice:has-text('Saved.')")
    assert httpx.get(url, headers=served.headers()).json()["declaration"]["returns_at"] == (
        "Monday 10am SGT"
    )
