"""One error shape under /api, and an OpenAPI document that says so: every 4xx/5xx is JSON
`{"detail": one sentence}` (an unexpected exception too, without its traceback), and each route
declares the codes it answers with that schema."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer, signed_in_token


def _sentence(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail.strip()
    assert "Traceback" not in r.text
    return str(detail)


@pytest.fixture
def failing(app: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The app whose handoff listing fails unexpectedly, answering (not raising) as a server
    does."""
    from handoff.store import HandoffStore

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret internals: /srv/handoff/db password=hunter2")

    monkeypatch.setattr(HandoffStore, "list", boom)
    token = signed_in_token(settings)
    return TestClient(app, headers=bearer(token), raise_server_exceptions=False)


def test_an_unexpected_exception_is_json_without_its_traceback(failing: TestClient) -> None:
    r = failing.get("/api/handoffs")
    detail = _sentence(r, 500)
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    assert "failure is logged" in detail
    page = failing.get("/")  # a page gets a page
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "hunter2" not in page.text


def test_what_an_outside_tester_broke_is_now_refused_with_a_sentence(client: TestClient) -> None:
    _sentence(client.get("/api/handoffs?offset=9e32"), 422)
    _sentence(client.get("/api/handoffs?offset=99999999999999999999999"), 422)
    long_team = "a" * 5000
    _sentence(client.get(f"/api/teams/{long_team}/vocabulary"), 422)
    _sentence(client.get(f"/api/handoffs?team={long_team}"), 422)
    _sentence(client.post("/api/handoffs", json={"text": "x", "team": long_team}), 422)
    _sentence(client.get("/api/items?as_of=0.5"), 422)  # a number is not a time
    _sentence(client.post("/api/ask", json={"question": "what?", "as_of": 0}), 422)
    _sentence(client.get("/api/ask/stream?question=what&team=NOT%20A%20SLUG"), 422)


def test_422_is_one_sentence_naming_the_field(client: TestClient, posted: dict[str, Any]) -> None:
    detail = _sentence(client.get("/api/handoffs?limit=0"), 422)
    assert "'limit'" in detail
    detail = _sentence(client.patch(f"/api/handoffs/{posted['id']}", json={"nope": 1}), 422)
    assert "'nope'" in detail
    detail = _sentence(
        client.patch(
            f"/api/handoffs/{posted['id']}",
            json={"shipped": [{"summary": "x", "evidence": [{"quote": "q", "supported": 0}]}]},
        ),
        422,
    )
    assert "supported" in detail  # strict: 0 is not false


def test_refusals_of_the_security_layer_are_the_same_shape(app: Any) -> None:
    with TestClient(app) as anonymous:
        _sentence(anonymous.get("/api/handoffs"), 401)
        _sentence(anonymous.get("/api/nothing-here"), 404)
    with TestClient(app, headers={"Authorization": "Bearer not-a-token"}) as wrong:
        _sentence(wrong.get("/api/handoffs"), 401)


def test_a_405_names_every_method_of_the_path(client: TestClient, posted: dict[str, Any]) -> None:
    r = client.put(f"/api/handoffs/{posted['id']}", json={})
    _sentence(r, 405)
    assert set(r.headers["allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}


def test_the_document_declares_each_routes_errors_with_one_schema(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Error"]["properties"]["detail"]["type"] == "string"
    assert all(path.startswith("/api") for path in doc["paths"])
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = {int(c) for c in op["responses"] if int(c) >= 400}
            assert 500 in codes, (method, path)
            if path != "/api/health":
                assert {401, 403} <= codes, (method, path)
            for code in codes:
                content = op["responses"][str(code)]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}
    publish = doc["paths"]["/api/handoffs/{handoff_id}/publish"]["post"]["responses"]
    assert {"409", "412", "404", "422"} <= set(publish)
    patch = doc["paths"]["/api/handoffs/{handoff_id}"]["patch"]
    assert "412" in patch["responses"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
