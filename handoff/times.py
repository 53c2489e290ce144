"""Reading times people and programs type: ISO-8601, with a naive time taken in the team's zone.

The CLI (`--recorded-at`, `--as-of`, `.jsonl` rows) and the HTTP API (`recorded_at`) share this,
so a time means the same thing whichever way it arrives.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handoff.errors import InvalidInput


def parse_instant(value: str, *, default_tz: str, label: str) -> datetime:
    """An aware datetime; `label` names the field in the one-sentence error."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{label} must be an ISO-8601 time such as 2026-11-20T17:30:00+08:00."
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(default_tz))
