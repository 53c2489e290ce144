"""Celery tasks of the protocol: deliver the outbox, escalate, remind, send digests.

Each is idempotent: delivery claims rows, and the scheduled ones write outbox rows whose keys name
the person and the day (or the assignment), so running twice queues nothing twice. The beat
schedule (which runs these every few minutes) lives with the Celery app; e.g.
`{"task": "handoff.deliver_notifications", "schedule": 60.0}` and `handoff.protocol_tick` every
five minutes.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

from api.usecases import protocol_delivery
from api.usecases.protocol_delivery import DELIVER_NOTIFICATIONS

log = logging.getLogger(__name__)

PROTOCOL_TICK = "handoff.protocol_tick"


def _settings():  # type: ignore[no-untyped-def]
    from handoff.settings import get_settings

    return get_settings()


@shared_task(bind=True, name=DELIVER_NOTIFICATIONS, ignore_result=True, acks_late=True)
def deliver_notifications(self: Task) -> int:
    """Deliver every notification that is due; when some wait for a retry, run again when the
    first is due (the backoff is on the rows, so a lost run only delays them to the next pass)."""
    settings = _settings()
    done = protocol_delivery.deliver_due(settings)
    if done.retrying and not self.request.is_eager:
        wait = protocol_delivery.next_retry_in(settings)
        if wait is not None:
            protocol_delivery.queue_delivery(settings, countdown=wait)
    if done.delivered or done.failed:
        log.info("notifications: %d delivered, %d failed", len(done.delivered), len(done.failed))
    return len(done.delivered)


@shared_task(name=PROTOCOL_TICK, ignore_result=True)
def protocol_tick() -> dict[str, int]:
    """Escalations, shift-end reminders and shift-start digests due now, then delivery."""
    from api.usecases import protocol

    settings = _settings()
    made = protocol.tick(settings)
    if any(made.values()):
        protocol_delivery.queue_delivery(settings)
    return made
