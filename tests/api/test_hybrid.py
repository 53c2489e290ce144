"""Hybrid drafting end to end: the offline draft is stored and reviewable at once, the real LLM
extractor (langchain's OpenAI client against the scripted local server) refines it in the same
job, and what the LLM changed is stored and shown. The job runs in a thread of the test, as a
worker would run it, so the test can look at the API while the model has not answered yet."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer, signed_in_token
from tests.api.test_web_pages import Page
from tests.summarizer.fake_llm import FakeLLM, Gate, Status, fake_llm_server

HX = {"HX-Request": "true"}
WRAP = (
    "Shipped the rate limiter, PR #5120. The SSO integration is blocked, only Petra can send "
    "the IdP metadata. We chose token buckets because global limits punished small tenants. "
    "Next I'll write the SSO test plan. Back Wednesday 8am Berlin time."
)
MODEL = "llm:openai:test-model"


def llm_answer() -> str:
    """The model's draft: it misses the shipped rate limiter, says the SSO work is in progress
    rather than blocked, and adds a next action; the rest agrees with the offline pass."""
    petra = "only Petra can send the IdP metadata"
    return json.dumps(
        {
            "shipped": [],
            "in_flight": [
                {"item": "SSO integration", "status": "in_progress",
                 "quote": "The SSO integration is blocked"}
            ],
            "decisions": [
                {"decision": "token buckets", "rationale": "global limits punished small tenants",
                 "quote": "We chose token buckets because global limits punished small tenants."}
            ],
            "blockers": [
                {"description": "IdP metadata", "item": "SSO integration", "needed_from": "Petra",
                 "quote": petra}
            ],
            "next_actions": [
                {"action": "write the SSO test plan", "owner": "Jonas",
                 "quote": "Next I'll write the SSO test plan."},
                {"action": "chase Petra for the IdP metadata", "owner": "Jonas", "quote": petra},
            ],
            "returns_at": "Wednesday 8am Berlin time",
            "returns_quote": "Back Wednesday 8am Berlin time.",
            "stated_empty": [],
        }
    )  # fmt: skip


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm_server() as server:
        yield server


@pytest.fixture
def env(fake: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Settings with the scripted model as HANDOFF_LLM (hybrid by default), plus `more`."""
    from handoff.settings import get_settings

    def configure(**more: str) -> Any:
        values = {
            "HANDOFF_LLM": "openai:test-model",
            "HANDOFF_LLM_BASE_URL": fake.url,
            "HANDOFF_LLM_API_KEY": "test",
            "HANDOFF_LLM_MAX_RETRIES": "0",
            "HANDOFF_LLM_TIMEOUT_S": "30",
            **more,
        }
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return get_settings()

    return configure


@pytest.fixture
def api(env: Callable[..., Any]) -> Iterator[TestClient]:
    """The app, not eager: posting answers 202 at once and the job waits for `run_job`."""
    from api.app import create_app

    settings = env()
    with TestClient(create_app(settings), headers=bearer(signed_in_token(settings))) as client:
        yield client


def post(api: TestClient) -> tuple[str, str]:
    r = api.post(
        "/api/handoffs",
        json={
            "text": WRAP,
            "author": "Jonas",
            "team": "payments",
            "recorded_at": "2026-11-17T17:00:00+01:00",
        },
    )
    assert r.status_code == 202, r.text
    return r.json()["id"], r.json()["job_id"]


def run_job(job_id: str) -> threading.Thread:
    """The job's task, run as a worker runs it, in a thread of its own."""
    import api.tasks

    thread = threading.Thread(target=api.tasks.process_wrap.apply, args=([job_id],), daemon=True)
    thread.start()
    return thread


def wait_for(
    api: TestClient, hid: str, ready: Callable[[dict[str, Any]], bool], timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = api.get(f"/api/handoffs/{hid}").json()
        if ready(body):
            return body
        time.sleep(0.05)
    pytest.fail(f"handoff {hid} never got there: {json.dumps(body)[:2000]}")


def refining(fake: FakeLLM) -> Callable[[dict[str, Any]], bool]:
    """The job is at its "refining" stage and the model has been asked."""
    return lambda b: bool(b.get("job")) and b["job"]["stage"] == "refining" and bool(fake.requests)


def finished(thread: threading.Thread) -> None:
    thread.join(timeout=60)
    assert not thread.is_alive(), "the job did not end"


def test_the_offline_draft_is_reviewable_before_the_llm_answers_then_replaced(
    api: TestClient, fake: FakeLLM
) -> None:
    answer = threading.Event()
    fake.enqueue(Gate(answer, llm_answer()))
    hid, job_id = post(api)
    thread = run_job(job_id)

    early = wait_for(api, hid, refining(fake))
    assert early["declaration"]["extractor"] == "offline"
    assert [s["summary"] for s in early["declaration"]["shipped"]] == [
        "Shipped the rate limiter, PR #5120"
    ]
    assert early["refinement"]["state"] == "refining"
    assert early["refinement"]["model"] == MODEL and early["refinement"]["changes"] is None
    assert early["job"]["state"] == "running"
    assert early["job"]["refinement"] == {"state": "refining", "model": MODEL, "error": None}
    job = api.get(f"/api/jobs/{job_id}").json()
    assert job["stage"] == "refining" and job["refinement"]["state"] == "refining"
    # the reviewer is sent to the draft at once, and the page says the LLM is still at it
    r = api.get(f"/jobs/{job_id}", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/handoffs/{hid}"
    page = api.get(f"/handoffs/{hid}")
    assert "Refining with the LLM" in page.text and 'id="decl-form"' in page.text
    block = next(a for _, a in Page(page.text).check().tags if a.get("id") == "refinement")
    assert block["hx-get"] == f"/handoffs/{hid}/refinement?shown={early['version']}"

    answer.set()
    finished(thread)
    done = api.get(f"/api/handoffs/{hid}").json()
    assert done["job"]["state"] == "done" and done["job"]["refinement"]["state"] == "refined"
    assert done["declaration"]["extractor"] == MODEL  # the LLM's draft replaced the offline one
    assert done["declaration"]["shipped"] == []
    assert done["declaration"]["in_flight"][0]["status"] == "in_progress"
    assert done["version"] > early["version"]
    assert done["refinement"]["state"] == "refined"
    assert done["refinement"]["result_version"] == done["version"]
    assert done["refinement"]["suggestion"] is None
    # the page opened before it polls its refinement block, which never swaps the form: it says
    # the LLM's draft is ready and links to it
    r = api.get(f"/handoffs/{hid}/refinement?shown={early['version']}", headers=HX)
    assert r.status_code == 200 and "The LLM’s draft is ready" in r.text
    polled = Page(r.text).check()
    assert "show-refined" in polled.ids and "decl-form" not in polled.ids
    assert not any(a.get("hx-get") for _, a in polled.tags), "a settled refinement stops polling"


def test_the_differences_are_stored_and_highlighted(api: TestClient, fake: FakeLLM) -> None:
    fake.enqueue(llm_answer())
    hid, job_id = post(api)
    finished(run_job(job_id))
    body = api.get(f"/api/handoffs/{hid}").json()
    changes = body["refinement"]["changes"]
    items = {(c["part"], c["change"]): c for c in changes["items"]}
    assert set(items) == {
        ("shipped", "removed"),
        ("in_flight", "changed"),
        ("next_actions", "added"),
    }
    assert items["shipped", "removed"]["text"] == "Shipped the rate limiter, PR #5120"
    assert items["in_flight", "changed"]["fields"] == [
        {"field": "status", "offline": "blocked", "llm": "in_progress"}
    ]
    added = items["next_actions", "added"]
    assert added["text"] == "chase Petra for the IdP metadata" and added["llm_index"] == 1
    assert changes["returns_at"] == []  # the same moment
    assert [f["field"] for f in changes["missing"]["raised"]] == ["shipped"]
    assert changes["missing"]["resolved"] == []
    assert changes["count"] == 4

    # the page lists them and marks the rows the LLM added or changed
    text = api.get(f"/handoffs/{hid}").text
    parsed = Page(text).check()
    assert "Refined by the LLM" in text and "4 differences from the offline pass" in text
    marked = [a.get("data-llm") for _, a in parsed.tags if a.get("data-llm")]
    assert marked == ["changed", "added"]  # in_flight[0], next_actions[1]
    assert 'title="Offline pass: blocked"' in text
    assert "Shipped the rate limiter, PR #5120" in text  # the removed item, in the list


def test_a_reviewers_edit_stands_and_the_llms_draft_is_a_suggestion(
    api: TestClient, fake: FakeLLM
) -> None:
    answer = threading.Event()
    fake.enqueue(Gate(answer, llm_answer()))
    hid, job_id = post(api)
    thread = run_job(job_id)
    early = wait_for(api, hid, refining(fake))
    r = api.patch(
        f"/api/handoffs/{hid}",
        json={"returns_at": "Thursday 9am Berlin time"},
        headers={"If-Match": f'"{early["version"]}"'},
    )
    assert r.status_code == 200, r.text
    edited_version = r.json()["version"]

    answer.set()
    finished(thread)
    body = api.get(f"/api/handoffs/{hid}").json()
    assert body["job"]["state"] == "done"
    assert body["version"] == edited_version  # nothing the reviewer did was overwritten
    decl = body["declaration"]
    assert decl["returns_at"] == "Thursday 9am Berlin time" and decl["extractor"] == "offline"
    assert len(decl["shipped"]) == 1 and decl["in_flight"][0]["status"] == "blocked"
    ref = body["refinement"]
    assert ref["state"] == "suggested" and ref["result_version"] is None
    assert ref["suggestion"]["extractor"] == MODEL
    assert len(ref["suggestion"]["next_actions"]) == 2
    assert ref["changes"]["count"] == 4

    page = Page(api.get(f"/handoffs/{hid}").text).check()
    buttons = {a.get("data-apply-part") for _, a in page.tags if a.get("data-apply-part")}
    assert buttons == {"shipped", "in_flight", "next_actions"}
    assert "apply-suggestion" in page.ids

    # one part of it: the in-flight status, the reviewer's return time kept
    r = api.post(f"/api/handoffs/{hid}/suggestion/apply", json={"parts": ["in_flight"]})
    assert r.status_code == 200, r.text
    decl = r.json()["declaration"]
    assert decl["in_flight"][0]["status"] == "in_progress"
    assert decl["returns_at"] == "Thursday 9am Berlin time" and len(decl["shipped"]) == 1
    assert r.json()["refinement"]["applied"] == ["in_flight"]
    assert client_audit_actor(api, hid) == "Maya"

    # the whole of it, from the page: a stale version is refused, the current one applies
    stale = api.post(
        f"/handoffs/{hid}/suggestion/apply", data={"version": str(edited_version)}, headers=HX
    )
    assert stale.status_code == 412 and "Someone else changed this handoff" in stale.text
    current = api.get(f"/api/handoffs/{hid}").json()["version"]
    r = api.post(f"/handoffs/{hid}/suggestion/apply", data={"version": str(current)}, headers=HX)
    assert r.status_code == 200 and "suggestion was applied" in r.text
    decl = api.get(f"/api/handoffs/{hid}").json()["declaration"]
    assert decl["shipped"] == [] and len(decl["next_actions"]) == 2
    assert decl["returns_at"] == "Wednesday 8am Berlin time"
    assert decl["returns_at_iso"] == "2026-11-18T08:00:00+01:00"

    bad = api.post(f"/api/handoffs/{hid}/suggestion/apply", json={"parts": ["author"]})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], str)


def client_audit_actor(api: TestClient, hid: str) -> str:
    return str(api.get(f"/api/handoffs/{hid}/audit").json()[-1]["actor"])


def test_an_llm_failure_keeps_the_offline_draft_and_says_why(
    api: TestClient, fake: FakeLLM
) -> None:
    fake.enqueue(Status(500))
    hid, job_id = post(api)
    finished(run_job(job_id))
    body = api.get(f"/api/handoffs/{hid}").json()
    assert body["job"]["state"] == "done" and body["job"]["error"] is None  # done, not failed
    assert body["declaration"]["extractor"] == "offline"
    assert len(body["declaration"]["shipped"]) == 1
    ref = body["refinement"]
    assert ref["state"] == "refine_failed" and ref["changes"] is None
    assert ref["error"] and "test-model" in ref["error"]
    assert body["job"]["refinement"]["error"] == ref["error"]
    page = api.get(f"/handoffs/{hid}").text
    assert "The LLM could not refine this draft" in page and "The offline draft stands" in page
    # with no suggestion there is nothing to apply
    r = api.post(f"/api/handoffs/{hid}/suggestion/apply")
    assert r.status_code == 409 and "no LLM suggestion" in r.json()["detail"]


def test_publishing_drops_a_pending_refinement(api: TestClient, fake: FakeLLM) -> None:
    answer = threading.Event()
    fake.enqueue(Gate(answer, llm_answer()))
    hid, job_id = post(api)
    thread = run_job(job_id)
    early = wait_for(api, hid, refining(fake))
    r = api.post(f"/api/handoffs/{hid}/publish")
    assert r.status_code == 200, r.text
    thread.join(timeout=10)  # the job stops waiting without the model's answer
    assert not thread.is_alive() and not answer.is_set()
    body = api.get(f"/api/handoffs/{hid}").json()
    assert body["status"] == "published"
    assert body["refinement"]["state"] == "cancelled" and "published" in body["refinement"]["error"]
    assert body["declaration"]["shipped"] == early["declaration"]["shipped"]
    assert api.get(f"/api/jobs/{job_id}").json()["state"] == "done"
    answer.set()


def test_deleting_drops_a_pending_refinement(api: TestClient, fake: FakeLLM) -> None:
    answer = threading.Event()
    fake.enqueue(Gate(answer, llm_answer()))
    hid, job_id = post(api)
    thread = run_job(job_id)
    wait_for(api, hid, refining(fake))
    assert api.delete(f"/api/handoffs/{hid}").status_code == 204
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert api.get(f"/api/jobs/{job_id}").json()["state"] == "cancelled"
    assert api.get(f"/api/handoffs/{hid}").status_code == 404
    answer.set()


def test_reextract_takes_the_same_path_and_a_timeout_keeps_the_offline_draft(
    env: Callable[..., Any], fake: FakeLLM
) -> None:
    from api.deps import get_services
    from api.usecases import posting
    from tests.summarizer.fake_llm import Delay

    svc = get_services(env(HANDOFF_LLM_TIMEOUT_S="1"))
    fake.enqueue(llm_answer())
    stored = posting.ingest_text(svc, WRAP, author="Jonas", team="payments", recorded_at=None)
    assert stored.declaration is not None and stored.declaration.extractor == MODEL
    refined = svc.refinements.get(stored.id)
    assert refined is not None and refined.state == "refined" and refined.changes

    fake.enqueue(Delay(3, llm_answer()))
    again = posting.reextract(svc, stored.id)
    assert again.declaration is not None and again.declaration.extractor == "offline"
    failed = svc.refinements.get(stored.id)
    assert failed is not None and failed.state == "refine_failed" and failed.error
    assert failed.changes is None and failed.base_version == again.version


def test_llm_mode_has_the_llm_write_the_draft(env: Callable[..., Any], fake: FakeLLM) -> None:
    from api.deps import get_services
    from api.usecases import posting
    from api.wiring.extractor import build_refiner

    settings = env(HANDOFF_LLM_MODE="llm")
    assert build_refiner(settings) is None
    svc = get_services(settings)
    fake.enqueue(llm_answer())
    stored = posting.ingest_text(svc, WRAP, author="Jonas", team="payments", recorded_at=None)
    assert stored.declaration is not None and stored.declaration.extractor == MODEL
    assert svc.refinements.get(stored.id) is None
    assert len(fake.requests) == 1


def test_the_stage_has_its_words() -> None:
    from api.stages import stage_label
    from api.usecases.refining import APPLICABLE, REFINING
    from handoff.declaration import LIST_PARTS

    assert stage_label(REFINING) == "Refining with the LLM"
    assert (*LIST_PARTS, "returns_at") == APPLICABLE


def test_a_job_run_again_resumes_the_refinement_without_redrafting(
    env: Callable[..., Any], fake: FakeLLM
) -> None:
    """Its worker stopped after the offline draft was stored and a reviewer edited it: the job,
    run again, only asks the LLM; the edit is not drafted over, and the LLM's draft is a
    suggestion."""
    import api.tasks
    from api.deps import get_services
    from api.usecases import drafting, refining
    from ingest.text import transcript_from_text

    svc = get_services(env())
    transcript = transcript_from_text(WRAP)
    context = drafting.context(svc, author="Jonas", team="payments", recorded_at=None)
    stored = svc.store.create(
        team="payments",
        author="Jonas",
        recorded_at=None,
        source_kind="text",
        source_text=WRAP,
        transcript=transcript.to_json(),
        declaration=drafting.first_draft(svc, transcript, context),
    )
    refining.begin(svc, stored)
    svc.store.edit(stored.id, {"returns_at": "Friday"}, actor="Maya")
    job = svc.jobs.create(team="payments", handoff_id=stored.id, kind="process_wrap")
    fake.enqueue(llm_answer())
    api.tasks.process_wrap.apply(args=[job.id])
    after = svc.store.get(stored.id)
    assert after.declaration is not None and after.declaration.returns_at == "Friday"
    found = svc.refinements.get(stored.id)
    assert found is not None and found.state == "suggested"
    assert svc.jobs.get(job.id).state == "done" and len(fake.requests) == 1


def test_the_job_gives_up_waiting_inside_the_stage_limit(
    env: Callable[..., Any], fake: FakeLLM
) -> None:
    from api.deps import get_services
    from api.usecases import posting

    svc = get_services(env(HANDOFF_STAGE_SOFT_LIMIT_S="1"))
    never = threading.Event()
    fake.enqueue(Gate(never, llm_answer(), timeout_s=5))
    started = time.monotonic()
    stored = posting.ingest_text(svc, WRAP, author="Jonas", team="payments", recorded_at=None)
    assert time.monotonic() - started < 4
    assert stored.declaration is not None and stored.declaration.extractor == "offline"
    found = svc.refinements.get(stored.id)
    assert found is not None and found.state == "refine_failed"
    assert found.error == (
        "The LLM did not answer within 1 seconds (HANDOFF_STAGE_SOFT_LIMIT_S); "
        "the offline draft stands."
    )
