"""Use-cases shared by every editor (CLI, API, web form)."""

from datetime import UTC, datetime
from typing import Any

from api.usecases import lifecycle, posting


def test_edit_resolves_a_spoken_return_time_whoever_edits(services: Any, example_wrap: str) -> None:
    h = posting.ingest_text(
        services,
        example_wrap,
        author="Maya",
        team="payments",
        recorded_at=datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
    )
    edited = lifecycle.edit(services, h.id, {"returns_at": "Monday 9am CET"}, team="payments")
    assert edited.declaration.returns_at_iso.isoformat() == "2026-11-23T09:00:00+01:00"
    cleared = lifecycle.edit(services, h.id, {"returns_at": None}, team="payments")
    assert cleared.declaration.returns_at_iso is None
