"""The Celery application: one per process, built from settings (never at import time).

Embedded mode (no `HANDOFF_BROKER_URL`) uses kombu's filesystem transport under HOME/broker: the
web process drops message files there and the worker that `handoff serve` starts picks them up, so
nothing needs installing. (kombu's SQLAlchemy transport was the other candidate; on SQLAlchemy 2.1
it relies on the deprecated `noload` strategy.) At scale, `HANDOFF_BROKER_URL=redis://...` and any
number of `handoff worker` processes share the queue.

Job state lives in the `jobs` table, not in a Celery result backend: the API reads it from the
system of record, which every mode already has.

Scheduled work runs from Celery beat: `handoff serve` starts it beside its embedded worker, and at
scale exactly one `handoff beat` process runs it. Its schedule (`SCHEDULE`) is retention daily,
notification delivery every minute and the protocol's clock work every five minutes; the file
that remembers when each entry last ran is HOME/beat-schedule.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from celery import Celery
from celery.schedules import crontab

from handoff.settings import Settings, get_settings

QUEUE = "handoff"

#: Celery beat's entries. Retention once a day at 03:00 UTC, with expired one-click links purged.
#: Notifications due (retries, or ones whose first send was lost) every minute. The protocol's
#: clock work (escalations, shift-end reminders, shift-start digests, overdue flags) every five
#: minutes: each writes outbox rows under idempotency keys, so a tick run twice (two beats by
#: mistake, a retried task) sends nothing twice.
SCHEDULE: dict[str, dict[str, Any]] = {
    "apply-retention": {
        "task": "handoff.apply_retention",
        "schedule": crontab(hour=3, minute=0),
        "options": {"queue": QUEUE},
    },
    "deliver-notifications": {
        "task": "handoff.deliver_notifications",
        "schedule": 60.0,
        "options": {"queue": QUEUE, "expires": 55.0},
    },
    "protocol-tick": {
        "task": "handoff.protocol_tick",
        "schedule": 300.0,
        "options": {"queue": QUEUE, "expires": 290.0},
    },
}


def broker_options(settings: Settings) -> tuple[str, dict[str, Any]]:
    """The broker URL and transport options for these settings."""
    if settings.broker_url:
        return settings.broker_url, {"visibility_timeout": 3600}
    folder = settings.home / "broker"
    queue_dir = folder / "queue"
    processed = folder / "processed"
    control = folder / "control"
    for path in (queue_dir, processed, control):
        path.mkdir(parents=True, exist_ok=True)
    return "filesystem://", {
        "data_folder_in": str(queue_dir),
        "data_folder_out": str(queue_dir),
        "processed_folder": str(processed),
        # kombu's default is "control" relative to the working directory.
        "control_folder": str(control),
        "store_processed": False,
        "polling_interval": 0.2,
    }


def make_celery(settings: Settings) -> Celery:
    url, transport_options = broker_options(settings)
    app = Celery("handoff", broker=url, include=["api.tasks"])
    app.conf.update(
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        broker_connection_max_retries=2,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        result_backend=None,
        # A task is acknowledged after it ran, so a worker that dies mid-job hands it to another;
        # the tasks are idempotent, so running one twice is harmless.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_serializer="json",
        accept_content=["json"],
        enable_utc=True,
        timezone="UTC",
        beat_schedule=SCHEDULE,
        beat_schedule_filename=str(settings.home / "beat-schedule"),
    )
    return app


@lru_cache(maxsize=4)
def celery_for(settings: Settings) -> Celery:
    return make_celery(settings)


def get_celery() -> Celery:
    """The process's Celery app for the current settings."""
    return celery_for(get_settings())
