"""Bulk import and the fast retrieval paths give what the plain ones give."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from api.usecases import items as ledger_items
from api.usecases import lifecycle, posting
from api.usecases.bulk import import_many
from handoff.errors import ConflictError
from search.retrieve import Filters, _accept, _where
from tests.search.conftest import WRAPS


def _rows(team: str) -> list[dict[str, Any]]:
    return [
        {"text": text, "author": author, "team": team, "recorded_at": datetime.fromisoformat(at)}
        for author, at, text in WRAPS
    ]


def _view(services: Any, handoff: Any) -> dict[str, Any]:
    docs = services.index._collection.get(where={"handoff_id": handoff.id}, include=["documents"])
    return {
        "status": handoff.status,
        "declaration": {k: v for k, v in handoff.declaration.to_json().items() if k != "team"},
        "fields": sorted(ledger_items.fields(services, handoff.id)),
        "docs": sorted(d.split(":", 1)[1] for d in docs["ids"]),
    }


def test_import_many_gives_what_one_by_one_gives(services: Any) -> None:
    one_by_one = []
    for row in _rows("solo"):
        h = posting.ingest_text(
            services, row["text"], author=row["author"], team="solo", recorded_at=row["recorded_at"]
        )
        one_by_one.append(lifecycle.publish(services, h.id, team="solo", force_reason="test"))
    rows = _rows("bulk")
    rows.insert(1, {**rows[0], "id": "dup"})
    rows.insert(2, {**rows[0], "id": "dup"})  # a bad row: its error, and the rest go on
    results = list(import_many(services, rows, publish=True, force_reason="test", batch=2))
    assert isinstance(results[2], ConflictError)
    bulk = [r for i, r in enumerate(results) if i not in (1, 2)]
    assert [_view(services, h) for h in bulk] == [_view(services, h) for h in one_by_one]
    solo = [i.to_json(with_events=False) for i in ledger_items.items(services, "solo")]
    bulk_items = [i.to_json(with_events=False) for i in ledger_items.items(services, "bulk")]
    strip = ("id", "team", "parent_id", "resolved_handoff_id", "superseded_by")

    def same_shape(items: list[dict[str, Any]]) -> list[str]:
        return sorted(repr({k: v for k, v in i.items() if k not in strip}) for i in items)

    assert same_shape(bulk_items) == same_shape(solo)


def test_vector_search_fast_paths_match_chroma_filters(services: Any) -> None:
    for team in ("core", "other"):
        list(import_many(services, _rows(team), publish=True, force_reason="test"))
    index = services.index
    last = datetime.fromisoformat(WRAPS[-1][1])
    for filters in (
        Filters(team="core"),
        Filters(team="core", until=last - timedelta(days=1)),
        Filters(team="core", since=last - timedelta(hours=1)),
    ):
        for k in (2, 40):
            fast = index.vector_search(
                "VPN request", team="core", where=_where(filters), k=k, accept=_accept(filters)
            )
            clauses: list[dict[str, Any]] = [{"team": "core"}, *filter(None, [_where(filters)])]
            flt = clauses[0] if len(clauses) == 1 else {"$and": clauses}
            plain = index._query(index.embedder.embed(["VPN request"]), n=k, where=flt, team="core")
            assert [h.id for h in fast] == [h.id for h in plain]
            assert [h.text for h in fast] == [h.text for h in plain]
            assert [h.metadata for h in fast] == [h.metadata for h in plain]
