"""Delivering the outbox through the channels, and asking a worker to do it.

One row at a time: claim it (committed), send it through `notifier_for(channel)`, record the
outcome (committed). The claim is what keeps a delivered row from being sent again; a worker that
dies between claim and outcome leaves the row `sending`, and it is taken again after
HANDOFF_NOTIFY_CLAIM_TIMEOUT_S with the same idempotency key (at-least-once; channels pass the
key on, so a receiver drops the repeat).
Latency publish -> delivered is each row's `delivered_at - created_at` (written at publish).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from api.notify import inapp  # noqa: F401  (registers the in-app channel)
from api.notify.backoff import RetryLater
from api.notify.base import Action, DeliveryError, Message
from api.observability import NOTIFICATION_FAILURES
from api.wiring.notify import build_notifier
from handoff.db import session_scope
from handoff.errors import ConfigError
from handoff.models import utcnow
from handoff.protocol import outbox
from handoff.protocol.models import OutboxRow
from handoff.settings import Settings

log = logging.getLogger(__name__)
DELIVER_NOTIFICATIONS = "handoff.deliver_notifications"


@dataclass
class Delivered:
    """What one delivery pass did, row ids by outcome."""

    delivered: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def message_of(row: OutboxRow) -> Message:
    m = row.message
    return Message(
        key=row.key,
        team=row.team,
        kind=row.kind,
        subject=str(m.get("subject", "")),
        text=str(m.get("text", "")),
        link=m.get("link"),
        actions=tuple(Action(str(a[0]), str(a[1])) for a in m.get("actions") or []),
        data=dict(m.get("data") or {}),
    )


def deliver_row(settings: Settings, row_id: int, *, now: datetime | None = None) -> str:
    """Deliver one row; returns delivered | pending (to retry) | failed | skipped."""
    url = settings.resolved_database_url
    with session_scope(url) as session:
        row = outbox.claim(session, row_id, now or utcnow(), stale_after=_stale(settings))
        if row is None:
            return "skipped"
        message, channel, address = message_of(row), row.channel, row.address
    try:
        build_notifier(settings, channel).send(message, address)
    except DeliveryError as exc:
        delay = exc.retry_after if isinstance(exc, RetryLater) else None
        return _failed(url, row_id, channel, str(exc), retryable=exc.retryable, delay_s=delay)
    except ConfigError as exc:  # the channel is not configured here: a person must fix it
        return _failed(url, row_id, channel, str(exc), retryable=False)
    except Exception as exc:  # a network or library failure: later may work
        return _failed(url, row_id, channel, f"{type(exc).__name__}: {exc}", retryable=True)
    with session_scope(url) as session:
        outbox.delivered(session, row_id, utcnow() if now is None else now)
    return "delivered"


def _stale(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.notify_claim_timeout_s)


def _failed(
    url: str,
    row_id: int,
    channel: str,
    error: str,
    *,
    retryable: bool,
    delay_s: float | None = None,
) -> str:
    log.warning("notification %s not delivered: %s", row_id, error)
    NOTIFICATION_FAILURES.labels(channel=channel, retryable=str(retryable).lower()).inc()
    with session_scope(url) as session:
        return outbox.failed(session, row_id, utcnow(), error, retryable=retryable, delay_s=delay_s)


def deliver_due(settings: Settings, *, now: datetime | None = None, limit: int = 200) -> Delivered:
    """Deliver every row that is due now (new, retry due, or abandoned by a dead worker)."""
    with session_scope(settings.resolved_database_url) as session:
        ids = outbox.due(session, now or utcnow(), limit=limit, stale_after=_stale(settings))
    done = Delivered()
    for row_id in ids:
        outcome = deliver_row(settings, row_id, now=now)
        {"delivered": done.delivered, "pending": done.retrying, "failed": done.failed}.get(
            outcome, done.skipped
        ).append(row_id)
    return done


def next_retry_in(settings: Settings, *, now: datetime | None = None) -> float | None:
    """Seconds until the earliest pending row is due, or None when none is waiting."""
    from sqlalchemy import func, select

    with session_scope(settings.resolved_database_url) as session:
        soonest = session.scalar(
            select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.status == "pending")
        )
    if soonest is None:
        return None
    return max(0.0, (soonest - (now or utcnow())).total_seconds())


def queue_delivery(settings: Settings, *, countdown: float | None = None) -> None:
    """Ask a worker to deliver what is due. Best effort: the rows are committed, so a queue that
    is down only delays them until the next pass (the periodic task, or the next change).

    By name, so this use-case imports no task module: where the task is registered (the web app,
    a worker) it is applied as configured (eagerly in tests); elsewhere (a command) it is sent.
    """
    from api.celery_app import celery_for

    try:
        app = celery_for(settings)
        options: dict[str, Any] = {"queue": app.conf.task_default_queue, "countdown": countdown}
        if DELIVER_NOTIFICATIONS in app.tasks:
            app.tasks[DELIVER_NOTIFICATIONS].apply_async(**options)
        else:
            app.send_task(DELIVER_NOTIFICATIONS, **options)
    except Exception as exc:
        log.warning("Could not queue notification delivery: %s", exc)
