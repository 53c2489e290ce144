"""Background worker entry point (the Celery app arrives with the web app issue)."""

from __future__ import annotations

from handoff.errors import ConfigError


def run_worker(*, concurrency: int = 1) -> None:
    raise ConfigError("The background worker is not available in this build yet.")
