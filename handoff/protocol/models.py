"""Tables of the protocol (migration 0010_protocol). Rows that belong to a team carry it; a
person's profile (time zone, hours, channels) is the person's across teams, keyed by account.

Protocol facts (an acknowledgment, a resolution) are kept here and also written to the item ledger
as events whose `handoff_id` is a protocol id (`p` + 32 hex), so the ledger's timeline and answers
show them; a full ledger rebuild from the handoffs does not replay them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models import Base, utcnow

#: Working hours when a person set none: Monday to Friday, 09:00-17:00 in their time zone.
DEFAULT_HOURS: dict[str, list[str]] = {d: ["09:00", "17:00"] for d in ("0", "1", "2", "3", "4")}


class PersonProfile(Base):
    """Where and when to reach one account: time zone, working hours per weekday ("0" = Monday:
    ["09:00", "17:00"]; a weekday left out is not worked), days off (ISO dates), and channels."""

    __tablename__ = "person_profiles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: dict(DEFAULT_HOURS))
    days_off: Mapped[list[Any]] = mapped_column(JSON, default=list)
    email: Mapped[str | None] = mapped_column(String(320))
    slack_user_id: Mapped[str | None] = mapped_column(String(64))
    webhooks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TeamRules(Base):
    """A team's protocol rules and channels (defaults when a lead set none)."""

    __tablename__ = "team_protocol_rules"

    team: Mapped[str] = mapped_column(
        ForeignKey("teams.slug", ondelete="CASCADE"), primary_key=True
    )
    escalate_after_hours: Mapped[float] = mapped_column(default=4.0)
    flag_unacknowledged: Mapped[bool] = mapped_column(Boolean, default=True)
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=30)
    slack_channel: Mapped[str | None] = mapped_column(String(64))
    team_email: Mapped[str | None] = mapped_column(String(320))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    #: The local times ("HH:MM") the team's rollup goes to its channels, in `rollup_timezone`
    #: (migration 0010b_rollup_delivery); none: no rollup is sent.
    rollup_times: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rollup_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Assignment(Base):
    """One item put in front of one person, and what they did with it.

    `reason`: blocker (they can clear it), action (they own the next action), handover (the work
    came to them), who_can_clear (a lead is asked whom a blocker needs), taken (they took an item
    nobody routed to them). One row per (item, user, reason): mentioning a blocker again does not
    route it again.
    """

    __tablename__ = "protocol_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    item_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    handoff_id: Mapped[str | None] = mapped_column(String(36), index=True)
    routed_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    read_back: Mapped[str | None] = mapped_column(String(500))
    #: The item's newest ledger event when acknowledged: a later one means it changed since.
    seen_event_id: Mapped[int | None] = mapped_column(Integer)
    not_mine_at: Mapped[datetime | None] = mapped_column()
    not_mine_to: Mapped[str | None] = mapped_column(String(200))
    escalated_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    resolution_note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("item_id", "user_id", "reason", name="uq_assignments_item_user_reason"),
        Index("ix_assignments_team_open", "team", "closed_at"),
    )


class OutboxRow(Base):
    """One notification for one recipient on one channel, written in the transaction of the
    change that caused it and delivered after (at least once; `key` makes it at most once)."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(2000))
    user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    handoff_id: Mapped[str | None] = mapped_column(String(36), index=True)
    item_id: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: pending | sending | delivered | failed | cancelled (its handoff was taken back)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
