"""Demo data for `make run`: a few days of one team's wraps, published, so every screen has
content."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from api.usecases import lifecycle, posting
from api.wiring.services import Services


def demo_rows() -> list[dict[str, Any]]:
    text = resources.files("api").joinpath("demo_wraps.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_demo(svc: Services) -> int:
    """Ingest and publish the demo wraps, dated relative to now (days_ago in each row)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    count = 0
    for row in demo_rows():
        when = now - timedelta(days=row["days_ago"], hours=row.get("hours_ago", 0))
        handoff = posting.ingest_text(
            svc,
            row["text"],
            author=row["author"],
            team=row.get("team") or svc.settings.default_team,
            recorded_at=when,
        )
        if row.get("publish", True):
            missing = handoff.declaration.missing if handoff.declaration else []
            lifecycle.publish(
                svc,
                handoff.id,
                team=handoff.team,
                actor=row["author"],
                force_reason="Demo data: published as recorded." if missing else None,
            )
        count += 1
    return count
