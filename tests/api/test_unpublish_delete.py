"""Taking a handoff back: unpublish (to draft) and delete, over HTTP, the web forms and the CLI.
Both roll the handoff's effects out of the ledger and the answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.ingest.test_cli_speech import invoke, one_sentence


def _blockers(client: TestClient) -> list[dict[str, Any]]:
    items = client.get("/api/items", params={"team": "payments", "kind": "blocker"}).json()
    return [i for i in items if i["state"] == "open"]


def _ask(client: TestClient) -> str:
    r = client.post("/api/ask", json={"question": "what's blocking auth?", "team": "payments"})
    return str(r.json()["answer"])


def test_unpublish_then_delete_over_http(client: TestClient, posted: dict[str, Any]) -> None:
    hid = posted["id"]
    r = client.post(f"/api/handoffs/{hid}/unpublish", json={"by": "Maya"})
    assert r.status_code == 409 and r.json()["detail"] == "This handoff is not published."

    client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "Test."})
    assert _blockers(client) and "Sarah" in _ask(client)

    r = client.post(f"/api/handoffs/{hid}/unpublish", json={"by": "Maya"})
    assert r.status_code == 200 and r.json()["status"] == "draft"
    assert _blockers(client) == [] and "Sarah" not in _ask(client)
    audit = client.get(f"/api/handoffs/{hid}/audit").json()
    assert [e["action"] for e in audit][-1] == "unpublished" and audit[-1]["actor"] == "Maya"

    assert client.delete(f"/api/handoffs/{hid}", params={"by": "Maya"}).status_code == 204
    assert client.get(f"/api/handoffs/{hid}").status_code == 404
    r = client.delete(f"/api/handoffs/{hid}")
    assert r.status_code == 404 and r.json()["detail"]


def test_deleting_removes_the_kept_upload(
    client: TestClient, settings: Any, example_wrap: str
) -> None:
    r = client.post(
        "/api/handoffs",
        files={"file": ("wrap.md", example_wrap.encode(), "text/markdown")},
        data={"team": "pay"},
    )
    assert r.status_code == 202, r.text
    kept = [p for p in (settings.uploads_dir / "files").iterdir() if p.is_file()]
    assert len(kept) == 1
    assert client.delete(f"/api/handoffs/{r.json()['id']}").status_code == 204
    assert not kept[0].exists()


def test_web_forms_unpublish_and_delete(client: TestClient, posted: dict[str, Any]) -> None:
    hid = posted["id"]
    client.post(f"/api/handoffs/{hid}/publish", json={"force_reason": "Test."})
    page = client.get(f"/handoffs/{hid}").text
    assert 'id="unpublish"' in page and 'id="delete"' in page
    r = client.post(f"/handoffs/{hid}/unpublish", headers={"hx-request": "true"})
    assert r.status_code == 204 and r.headers["hx-redirect"] == f"/handoffs/{hid}"
    assert client.get(f"/api/handoffs/{hid}").json()["status"] == "draft"
    assert 'id="unpublish"' not in client.get(f"/handoffs/{hid}").text
    r = client.post(f"/handoffs/{hid}/delete", headers={"hx-request": "true"})
    assert r.status_code == 204 and r.headers["hx-redirect"] == "/?team=payments"
    assert client.get(f"/api/handoffs/{hid}").status_code == 404


def test_cli_unpublish_and_delete(home: Path, example_wrap: str, tmp_path: Path) -> None:
    import json

    wrap = tmp_path / "wrap.md"
    wrap.write_text(example_wrap)
    out = invoke("ingest", str(wrap), "--team", "payments", "--publish", "--force", "Test.")
    assert out.returncode == 0, out.stderr
    hid = json.loads(out.stdout)["id"]
    out = invoke("unpublish", hid, "--by", "Maya")
    assert out.returncode == 0 and json.loads(out.stdout)["status"] == "draft"
    again = invoke("unpublish", hid)
    assert again.returncode == 2
    one_sentence(again.stderr)
    refused = invoke("delete", hid)  # not a terminal, no --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert invoke("show", hid).returncode == 0
    assert invoke("delete", hid, "--yes").returncode == 0
    gone = invoke("show", hid)
    assert gone.returncode == 2
    one_sentence(gone.stderr)
