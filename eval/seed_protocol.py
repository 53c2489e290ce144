"""The protocol's part of the seeded month (see `eval.seed_month`): people's time zones and
channels, each person taking the items routed to them, the protocol's clock (escalation,
reminders, digests) every half hour, and the channels the notifications go out on — played by
the generator, through the outbox's own functions, under the simulated clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

#: Channels each person has beyond the in-app inbox: (Slack, a personal webhook); email for all.
CHANNELS: dict[str, tuple[bool, bool]] = {
    "priya": (True, False),
    "maya": (True, False),
    "kenji": (False, True),
    "olu": (True, False),
    "sam": (True, False),
    "diego": (True, True),
}
#: Addresses that bounce (the generator's mail server refuses them).
BOUNCES = {"tomas@example.com"}
#: Platform's team webhook is down these days of the month (0-based from its start).
WEBHOOK_DOWN_DAYS = range(10, 13)
#: How often the protocol's clock runs (escalation, reminders, digests) and delivery passes.
TICK = timedelta(minutes=30)


class ProtocolPlay:
    """What the month does with the protocol; mixed into `Month`, whose queue, clock, counts,
    services and random source it uses."""

    svc: Any
    rng: random.Random
    start: datetime
    links: Any
    counts: dict[str, int]
    taking: set[str]
    at: Callable[[datetime, Callable[[datetime], None]], None]

    def take_routed(self, now: datetime, *, p: Any) -> None:
        """The items routed to `p` and not yet taken: each acknowledged after a while — a late
        acknowledger's blockers often hours later, and a few blockers never (they escalate)."""
        from sqlalchemy import select

        from handoff.db import session_scope
        from handoff.protocol.models import Assignment

        with session_scope(self.svc.settings.resolved_database_url) as s:
            waiting = s.execute(
                select(Assignment.item_id, Assignment.reason)
                .where(
                    Assignment.user_id == p.user_id,
                    Assignment.closed_at.is_(None),
                    Assignment.acknowledged_at.is_(None),
                    Assignment.reason.in_(("blocker", "action", "handover")),
                )
                .order_by(Assignment.id)
            ).all()
        for item_id, reason in dict(waiting).items():
            if item_id in self.taking:
                continue
            blocker = reason == "blocker"
            if blocker and self.rng.random() < 0.12:
                continue  # not looked at this shift: it escalates
            late = blocker and p.late and self.rng.random() < 0.6
            minutes = self.rng.uniform(300, 600) if late else self.rng.uniform(5, 90)
            self.taking.add(item_id)
            self.at(now + timedelta(minutes=minutes), partial(self.ack_item, item_id=item_id, p=p))

    def ack_item(self, now: datetime, *, item_id: str, p: Any) -> None:
        from api.usecases import protocol
        from handoff.errors import HandoffError

        self.taking.discard(item_id)
        try:
            protocol.acknowledge(
                self.svc, item_id, team=None, user_id=p.user_id, actor=p.actor(), now=now
            )
        except HandoffError:
            return  # resolved or moved meanwhile
        self.counts["items_acknowledged"] += 1

    def protocol_tick(self, now: datetime) -> None:
        """Escalations, reminders and digests as of `now`, then a delivery pass."""
        from handoff.db import session_scope
        from handoff.protocol import outbox, schedule

        url = self.svc.settings.resolved_database_url
        with session_scope(url) as s:
            made = schedule.run_all(s, now, self.links)
        self.counts["escalated"] += made["escalated"]
        with session_scope(url) as s:
            for row_id in outbox.due(s, now, limit=1000):
                row = outbox.claim(s, row_id, now)
                if row is None:
                    continue
                error = self.channel_error(now, row.channel, row.address)
                if error is None:
                    outbox.delivered(s, row_id, now)
                    self.counts["delivered"] += 1
                else:
                    retry = error[0]
                    if outbox.failed(s, row_id, now, error[1], retryable=retry) == "failed":
                        self.counts["failed"] += 1

    def channel_error(self, now: datetime, channel: str, address: str) -> tuple[bool, str] | None:
        """The generator's channels: (retryable, error) when a send fails, else None."""
        day = (now - self.start).days
        if channel == "email" and address in BOUNCES:
            return (False, "550 mailbox unavailable")
        if channel == "slack" and self.rng.random() < 0.08:
            return (True, "429 rate limited")
        if channel == "webhook":
            if "platform" in address and day in WEBHOOK_DOWN_DAYS:
                return (True, "503 service unavailable")
            if self.rng.random() < 0.1:
                return (True, "timed out")
        return None


def profile(url: str, user_id: str, username: str, start_hour: int) -> None:
    """A person's time zone puts their shift at 09:00-17:00 local (the default working hours),
    and their channels: email for everyone, Slack and a webhook for some."""
    from handoff.db import session_scope
    from handoff.protocol.people import update_profile

    offset = (9 - start_hour) % 24
    offset = offset - 24 if offset > 14 else offset
    tz = "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs: Etc/GMT-8 is UTC+8
    slack, hook = CHANNELS.get(username, (False, False))
    channels: dict[str, Any] = {"email": f"{username}@example.com"}
    if slack:
        channels["slack_user_id"] = f"U{username.upper()}"
    if hook:
        channels["webhooks"] = [f"https://hooks.example.com/{username}"]
    with session_scope(url) as s:
        update_profile(s, user_id, {"timezone": tz, "channels": channels})


def team_rules(url: str, team: str) -> None:
    """Escalation after four working hours (the default); a team Slack channel and webhook."""
    from handoff.db import session_scope
    from handoff.protocol.people import update_rules

    with session_scope(url) as s:
        update_rules(
            s,
            team,
            {
                "slack_channel": f"C{team.upper()}",
                "webhook_url": f"https://hooks.example.com/{team}",
            },
        )
