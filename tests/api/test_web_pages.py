"""The server-rendered pages: each parses, has its landmarks and labels, and each htmx form post
does what the API does."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

HX = {"HX-Request": "true"}


class Page(HTMLParser):
    """Collects tags, ids, labelled controls and checks that every opened tag that must close
    does close."""

    VOID = frozenset(
        {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "wbr"}
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()
        self.in_label = 0
        self.unlabelled: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        control = tag in ("input", "select", "textarea")
        visible = a.get("type") not in ("hidden", "radio")
        if control and visible and not self.in_label and not a.get("aria-label"):
            self.unlabelled.append(str(a.get("id") or a.get("name")))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def check(self) -> Page:
        assert not self.stack, f"unclosed: {self.stack}"
        dupes = {i for i in self.ids if self.ids.count(i) > 1}
        assert not dupes, f"duplicate ids: {dupes}"
        missing = [u for u in self.unlabelled if u not in self.label_for]
        assert not missing, f"controls without a label: {missing}"
        assert not any("http" in str(a.get("src", "")) for t, a in self.tags if t == "script"), (
            "no CDN scripts"
        )
        return self


def page(client: TestClient, path: str, status: int = 200) -> Page:
    r = client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    return Page(r.text).check()


@pytest.fixture
def draft(client: TestClient, posted: dict[str, Any]) -> str:
    return str(posted["id"])


def test_pages_parse_and_are_labelled(client: TestClient, draft: str) -> None:
    for path in ("/", "/?team=payments", "/post", "/ask", f"/handoffs/{draft}"):
        p = page(client, path)
        assert "main" in {t for t, _ in p.tags}
        assert any(t == "script" and a.get("src") == "/static/htmx.min.js" for t, a in p.tags)
    assert client.get("/static/htmx.min.js").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_unknown_pages_are_html(client: TestClient) -> None:
    page(client, "/handoffs/nope", 404)
    page(client, "/items/nope", 404)
    page(client, "/no/such/page", 404)


def test_review_page_shows_flags_questions_and_evidence(client: TestClient, draft: str) -> None:
    p = page(client, f"/handoffs/{draft}")
    classes = " ".join(str(a.get("class")) for _, a in p.tags)
    assert "flags" in classes and "evidence" in classes
    publish = [a for t, a in p.tags if a.get("id") == "publish"]
    assert publish and "disabled" in publish[0]
    assert "force-dialog" in p.ids
    # A page that waited for extraction reloads itself once the draft is there.
    r = client.get(f"/handoffs/{draft}/panel?poll=1", headers=HX)
    assert r.headers.get("HX-Refresh") == "true"
    Page(client.get(f"/handoffs/{draft}/panel", headers=HX).text).check()


def test_htmx_save_answer_publish_acknowledge(client: TestClient, draft: str) -> None:
    # Signed in as Maya (the `client` fixture): she is the editor, answerer and acknowledger.
    r = client.post(
        f"/handoffs/{draft}/save",
        data={
            "parts": ["blockers"],
            "blockers.0._src": "0",
            "blockers.0.description": "need product decision on session timeout",
            "blockers.0.needed_from": "Sarah",
            "returns_at": "Monday 10am SGT",
        },
        headers=HX,
    )
    assert r.status_code == 200 and "Saved." in r.text
    Page(r.text).check()
    h = client.get(f"/api/handoffs/{draft}").json()
    assert h["declaration"]["returns_at"] == "Monday 10am SGT"
    assert h["declaration"]["blockers"][0]["evidence"], "an edited row keeps its evidence"
    assert client.get(f"/api/handoffs/{draft}/audit").json()[-1]["actor"] == "Maya"

    r = client.post(
        f"/handoffs/{draft}/answer", data={"field": "shipped", "answer": "nothing"}, headers=HX
    )
    assert r.status_code == 200 and "Answer recorded." in r.text
    r = client.post(
        f"/handoffs/{draft}/answer", data={"field": "shipped", "answer": ""}, headers=HX
    )
    assert r.status_code == 422 and r.json()["detail"]

    missing = client.get(f"/api/handoffs/{draft}").json()["missing"]
    r = client.post(f"/handoffs/{draft}/publish", headers=HX)
    if missing:
        assert r.status_code == 409 and r.json()["missing"]
        r = client.post(f"/handoffs/{draft}/publish", data={"force_reason": "ok"}, headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/handoffs/{draft}"

    # A typed name is ignored: the acknowledger is the signed-in user.
    r = client.post(f"/handoffs/{draft}/acknowledge", data={"by": "Tomás"}, headers=HX)
    assert r.status_code == 200 and "Acknowledged by Maya" in r.text
    page(client, "/?team=payments")
    assert "Acknowledged by Maya" in client.get("/?team=payments").text


def test_item_page(client: TestClient, draft: str) -> None:
    client.post(f"/api/handoffs/{draft}/publish", json={"force_reason": "ok"})
    items = client.get("/api/items", params={"team": "payments", "kind": "blocker"}).json()
    assert items
    p = page(client, f"/items/{items[0]['id']}")
    assert "Timeline" in client.get(f"/items/{items[0]['id']}").text and "tl-h" in p.ids
    board = client.get("/?team=payments").text
    assert f"/items/{items[0]['id']}" in board


PAGE_SCRIPTS = {
    "/": "/static/shift.js",
    "/post": "/static/post.js",
    "/ask": "/static/ask.js",
    "/handoffs/{draft}": "/static/review.js",
}


def test_no_inline_script_and_each_page_loads_only_its_own(client: TestClient, draft: str) -> None:
    """A later Content-Security-Policy forbids inline script: every script is a file, no element
    carries an `on...` handler, and each page loads the shared module plus its own."""
    own_scripts = set(PAGE_SCRIPTS.values())
    for path, own in PAGE_SCRIPTS.items():
        p = page(client, path.format(draft=draft))
        scripts = [a.get("src") for t, a in p.tags if t == "script"]
        assert None not in scripts, f"{path} has an inline <script>"
        handlers = [(t, k) for t, a in p.tags for k in a if k.startswith(("on", "hx-on"))]
        assert not handlers, f"{path} has inline handlers: {handlers}"
        assert "/static/app.js" in scripts and own in scripts
        assert not (own_scripts - {own}) & set(scripts), f"{path} loads another page's script"
        for src in scripts:
            assert client.get(str(src)).status_code == 200, src


def test_stage_labels_come_from_the_server(client: TestClient, services: Any, draft: str) -> None:
    """The job block is rendered from `api.stages`; no script keeps its own copy of the words."""
    from api.stages import STAGE_LABELS, stage_label

    assert stage_label("load model") == "Loading the speech model"
    assert stage_label("retrying in 4 s") == "Retrying in 4 s"
    assert stage_label(None) == "Working"
    static = Path(__file__).resolve().parents[2] / "api" / "static"
    scripts = " ".join(f.read_text() for f in static.glob("*.js") if f.name != "htmx.min.js")
    copied = [label for label in STAGE_LABELS.values() if " " in label and label in scripts]
    assert not copied, f"stage labels copied into JavaScript: {copied}"

    job = services.jobs.create(team="payments", handoff_id=draft, kind="process_wrap")
    services.jobs.progress(job.id, stage="transcribe", fraction=0.4)
    r = client.get(f"/jobs/{job.id}", headers=HX)
    assert r.status_code == 200 and "Transcribing · 40%" in r.text
    block = next(a for _, a in Page(r.text).check().tags if a.get("id") == f"job-{job.id}")
    assert block.get("hx-get") == f"/jobs/{job.id}", "a running job's block polls for itself"


def test_following_a_job_fails_retries_and_lands_on_the_draft(
    client: TestClient, services: Any, draft: str
) -> None:
    job = services.jobs.create(team="payments", handoff_id=draft, kind="process_wrap")
    services.jobs.fail(job.id, "The clip could not be decoded.")
    r = client.get(f"/jobs/{job.id}", headers=HX)
    failed = Page(r.text).check()
    assert "The clip could not be decoded." in r.text
    assert not [a for _, a in failed.tags if a.get("hx-get")], "a failed job stops polling"
    assert [a for _, a in failed.tags if a.get("hx-post") == f"/jobs/{job.id}/retry"]
    # The review page offers the same Retry for its latest job.
    assert f'hx-post="/jobs/{job.id}/retry"' in client.get(f"/handoffs/{draft}").text

    # Retried (and, with eager tasks, run at once): the page goes to the draft.
    r = client.post(f"/jobs/{job.id}/retry", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/handoffs/{draft}"
    r = client.get(f"/jobs/{job.id}", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/handoffs/{draft}"


def test_a_live_job_can_be_cancelled_from_its_page_and_retried(
    client: TestClient, services: Any, draft: str
) -> None:
    job = services.jobs.create(team="payments", handoff_id=draft, kind="process_wrap")
    r = client.get(f"/jobs/{job.id}", headers=HX)
    assert [a for _, a in Page(r.text).check().tags if a.get("hx-post") == f"/jobs/{job.id}/cancel"]
    r = client.post(f"/jobs/{job.id}/cancel", headers=HX)
    cancelled = Page(r.text).check()
    assert r.status_code == 200 and "Cancelled by Maya." in r.text
    assert not [a for _, a in cancelled.tags if a.get("hx-get")], "a cancelled job stops polling"
    assert [a for _, a in cancelled.tags if a.get("hx-post") == f"/jobs/{job.id}/retry"]
    r = client.post(f"/jobs/{job.id}/retry", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/handoffs/{draft}"


def test_rows_added_in_one_edit_keep_their_order(client: TestClient, draft: str) -> None:
    """New rows are numbered after the largest row on screen, and saved in numeric row order
    (10 after 9, whatever order the fields arrive in)."""
    current = client.get(f"/api/handoffs/{draft}").json()["declaration"]["next_actions"]
    data: dict[str, Any] = {"parts": ["next_actions"]}
    for row, entry in enumerate(current):
        data[f"next_actions.{row}._src"] = str(row)
        data[f"next_actions.{row}.action"] = entry["action"]
    data["next_actions.10.action"] = "second added row"
    data["next_actions.9.action"] = "first added row"
    r = client.post(f"/handoffs/{draft}/save", data=data, headers=HX)
    assert r.status_code == 200 and "Saved." in r.text
    saved = client.get(f"/api/handoffs/{draft}").json()["declaration"]["next_actions"]
    assert [e["action"] for e in saved] == [
        *(e["action"] for e in current),
        "first added row",
        "second added row",
    ]


def test_the_post_form_offers_the_transcription_language(client: TestClient) -> None:
    p = page(client, "/post")
    options = [a.get("value") for t, a in p.tags if t == "option"]
    assert options[:2] == ["", "auto"] and "de" in options and "en" in options
    script = client.get("/static/post.js").text
    assert 'data.append("language", language)' in script
