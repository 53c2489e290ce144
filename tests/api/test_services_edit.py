"""Use-cases shared by every editor (CLI, API, web form)."""

from datetime import UTC, datetime
from typing import Any


def test_edit_resolves_a_spoken_return_time_whoever_edits(services: Any, example_wrap: str) -> None:
    h = services.ingest_text(
        example_wrap,
        author="Maya",
        team="payments",
        recorded_at=datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
    )
    edited = services.edit(h.id, {"returns_at": "Monday 9am CET"}, team="payments")
    assert edited.declaration.returns_at_iso.isoformat() == "2026-11-23T09:00:00+01:00"
    cleared = services.edit(h.id, {"returns_at": None}, team="payments")
    assert cleared.declaration.returns_at_iso is None
