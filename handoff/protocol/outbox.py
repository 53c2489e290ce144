"""The notification outbox: rows written in the caller's transaction, delivered after commit.

Writing a row never sends anything, so a change that rolls back leaves no notification, and one
that commits leaves all of its notifications. Delivery claims a row (`pending -> sending`, by a
conditional update, so two workers never both take it), sends, and marks it `delivered`; a
retryable failure puts it back as `pending` with exponential backoff until `MAX_ATTEMPTS`, then
`failed`. A worker that dies mid-send leaves the row `sending`; after `STALE_AFTER` it is pending
again, which is at-least-once: the message's key (stable across retries) lets a channel drop the
repeat. A row already `delivered` is never claimed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from handoff.protocol.models import OutboxRow

MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 30.0
STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Note:
    """What one event says to one person, before it is addressed to a channel (the fields of
    `api.notify.base.Message` except the key, which the outbox makes per channel)."""

    kind: str
    subject: str
    text: str
    link: str | None = None
    actions: tuple[tuple[str, str], ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


def row_key(event: str, recipient: str, channel: str, address: str) -> str:
    """The idempotency key of one (event, recipient, channel); webhooks differ by URL, so the
    address's digest is part of it (addresses never appear in keys)."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:12]
    return f"{event}|{recipient}|{channel}|{digest}"[:300]


def write(
    session: Session,
    *,
    team: str,
    event: str,
    recipient: str,
    user_id: str | None,
    to: Iterable[tuple[str, str]],
    note: Note,
    handoff_id: str | None = None,
    item_id: str | None = None,
    now: datetime,
) -> list[OutboxRow]:
    """Add one row per channel address for `recipient` (a user id, or "team:<slug>"); a key
    already in the outbox is skipped, so the same event is never queued twice (a cancelled one,
    whose handoff was taken back, is queued again when it is published again)."""
    rows: list[OutboxRow] = []
    for channel, address in to:
        key = row_key(event, recipient, channel, address)
        message = asdict(note) | {"key": key, "team": team}
        message["actions"] = [list(a) for a in note.actions]
        known = session.scalar(select(OutboxRow).where(OutboxRow.key == key))
        if known is not None:
            if known.status == "cancelled":  # its handoff was taken back and is published again
                known.status, known.attempts, known.message = "pending", 0, message
                known.next_attempt_at, known.last_error = now, None
                rows.append(known)
            continue
        row = OutboxRow(
            team=team,
            key=key,
            kind=note.kind,
            channel=channel,
            address=address,
            user_id=user_id,
            handoff_id=handoff_id,
            item_id=item_id,
            message=message,
            status="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def due(
    session: Session, now: datetime, *, limit: int = 100, stale_after: timedelta = STALE_AFTER
) -> list[int]:
    """Ids of rows to deliver now: pending and due, or claimed by a worker that went quiet."""
    q = (
        select(OutboxRow.id)
        .where(
            or_(
                (OutboxRow.status == "pending") & (OutboxRow.next_attempt_at <= now),
                (OutboxRow.status == "sending") & (OutboxRow.claimed_at <= now - stale_after),
            )
        )
        .order_by(OutboxRow.id)
        .limit(limit)
    )
    return list(session.scalars(q))


def claim(
    session: Session, row_id: int, now: datetime, *, stale_after: timedelta = STALE_AFTER
) -> OutboxRow | None:
    """Take the row for delivery; None when it is delivered, failed, or another worker has it."""
    taken = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == row_id,
            or_(
                OutboxRow.status == "pending",
                (OutboxRow.status == "sending") & (OutboxRow.claimed_at <= now - stale_after),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=OutboxRow.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(taken, "rowcount", 0) != 1:
        return None
    row = session.get(OutboxRow, row_id, populate_existing=True)
    return row


def delivered(session: Session, row_id: int, now: datetime) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(status="delivered", delivered_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )


def failed(
    session: Session,
    row_id: int,
    now: datetime,
    error: str,
    *,
    retryable: bool,
    delay_s: float | None = None,
) -> str:
    """Record a failed attempt; returns the row's new status (pending again, or failed).

    `delay_s` is when to try again, when the channel knows better than plain backoff (the far
    side's Retry-After); otherwise the delay doubles from BACKOFF_BASE_S with each attempt."""
    row = session.get(OutboxRow, row_id, populate_existing=True)
    if row is None:
        return "failed"
    if retryable and row.attempts < MAX_ATTEMPTS:
        row.status = "pending"
        wait = BACKOFF_BASE_S * 2 ** (row.attempts - 1) if delay_s is None else delay_s
        row.next_attempt_at = now + timedelta(seconds=wait)
    else:
        row.status = "failed"
    row.last_error = error[:1000]
    return row.status


def status_json(row: OutboxRow, published_at: datetime | None) -> dict[str, Any]:
    """One row as the API shows it; the address only by channel (it may be a secret URL)."""
    latency = None
    if row.delivered_at is not None and published_at is not None:
        latency = round((row.delivered_at - published_at).total_seconds(), 3)
    return {
        "id": row.id,
        "kind": row.kind,
        "channel": row.channel,
        "user_id": row.user_id,
        "item_id": row.item_id,
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "latency_s": latency,
        "last_error": row.last_error,
    }
