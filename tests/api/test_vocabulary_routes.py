"""The team vocabulary over HTTP, and its effect on extraction of a posted wrap."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_people_terms_corrections_and_removal(client: TestClient) -> None:
    base = "/api/teams/payments/vocabulary"
    assert client.get(base).json()["people"] == []

    r = client.post(f"{base}/people", json={"name": "Siobhan", "handle": "@siobhan"})
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "Siobhan", "handle": "@siobhan", "aliases": []}

    r = client.post(f"{base}/corrections", json={"heard": "Shivon", "name": "Siobhan"})
    assert r.status_code == 200 and r.json()["aliases"] == ["Shivon"]

    r = client.post(f"{base}/terms", json={"kind": "ticket_prefix", "terms": ["bill-", "OPS"]})
    assert r.status_code == 201 and r.json() == {"added": ["BILL", "OPS"]}
    client.post(f"{base}/terms", json={"kind": "item", "terms": ["ledger export"]})

    vocab = client.get(base).json()
    assert vocab["ticket_prefixes"] == ["BILL", "OPS"] and vocab["items"] == ["ledger export"]
    # Teams are separate.
    assert client.get("/api/teams/search/vocabulary").json()["ticket_prefixes"] == []

    assert client.delete(f"{base}/OPS").status_code == 204
    assert client.get(base).json()["ticket_prefixes"] == ["BILL"]


def test_bad_input_is_refused_and_changes_nothing(client: TestClient) -> None:
    base = "/api/teams/payments/vocabulary"
    r = client.post(f"{base}/terms", json={"kind": "ticket_prefix", "terms": ["OPS", "not a"]})
    assert r.status_code == 422 and "not a ticket prefix" in r.json()["detail"]
    assert client.get(base).json()["ticket_prefixes"] == []  # OPS was not stored either

    r = client.post(f"{base}/terms", json={"kind": "colour", "terms": ["red"]})
    assert r.status_code == 422 and r.json()["detail"]
    r = client.post(f"{base}/corrections", json={"heard": "Shivon", "name": "Nobody"})
    assert r.status_code == 404 and "add them first" in r.json()["detail"]
    r = client.delete(f"{base}/nothing-here")
    assert r.status_code == 404 and "no 'nothing-here'" in r.json()["detail"]


def test_a_taught_alias_normalizes_names_in_a_posted_wrap(client: TestClient) -> None:
    client.post("/api/teams/payments/vocabulary/people", json={"name": "Siobhan"})
    client.post(
        "/api/teams/payments/vocabulary/corrections", json={"heard": "Shivon", "name": "Siobhan"}
    )
    wrap = (
        "Shipped the refund retry fix. The ledger export is blocked waiting on Shivon "
        "to approve the schema change. Back tomorrow at nine."
    )
    r = client.post("/api/handoffs", json={"text": wrap, "author": "Maya", "team": "payments"})
    assert r.status_code == 202, r.text
    declaration = client.get(f"/api/handoffs/{r.json()['id']}").json()["declaration"]
    assert [b["needed_from"] for b in declaration["blockers"]] == ["Siobhan"]
