"""What a notification says, written once so that every channel reads the same.

`render_blocker(notice, ...)` turns a routed blocker (what is blocked, why, since when, who raised
it, the quote with a link to the moment in the clip, the one-click actions) into a `Message`:
a subject, plain text that stands on its own (the recipient can act without asking anyone), and
the same facts as `data` for webhooks. Email adds HTML around the text, Slack adds blocks, but
neither adds or drops a fact, so a person who reads two channels reads one message.

`render_resolved` is the other half: the person who raised a blocker learns who cleared it, when,
and with what note.

A blocker whose resolver is unknown (or not a user) goes to the team's leads with the question
"who can clear this?" (`notice.needed_from_known=False`); the text says so and names who the wrap
said it was needed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from api.notify.base import Action, Message

#: Quotes longer than this are cut (with an ellipsis) so the message stays readable on a phone.
MAX_QUOTE_CHARS = 400
KIND_ROUTED = "blocker_routed"
KIND_NEEDS_RESOLVER = "blocker_needs_resolver"
KIND_RESOLVED = "blocker_resolved"


@dataclass(frozen=True, slots=True)
class BlockerNotice:
    """A blocker as routed to one person: the facts a message about it carries.

    `since` is when the blocker was first declared (aware datetime); `quote` is what was said in
    the wrap, `clip_url` a link to that moment; `needed_from` is who the wrap said can clear it,
    as written; `needed_from_known` is False when that matched no user (the message then goes to
    the leads and asks who can clear it)."""

    team: str
    item_id: str
    what: str
    raised_by: str
    why: str | None = None
    since: datetime | None = None
    needed_from: str | None = None
    needed_from_known: bool = True
    quote: str | None = None
    clip_url: str | None = None
    handoff_url: str | None = None
    actions: tuple[Action, ...] = ()


def render_blocker(
    notice: BlockerNotice, *, key: str, timezone: str = "UTC", now: datetime | None = None
) -> Message:
    """The message for `notice`, times shown in the recipient's `timezone`; `key` is the
    delivery's idempotency key (unique per event, recipient and channel)."""
    kind = KIND_ROUTED if notice.needed_from_known else KIND_NEEDS_RESOLVER
    what = _one_line(notice.what)
    subject = f"Blocker for you: {what}" if kind == KIND_ROUTED else f"Who can clear this? {what}"
    return Message(
        key=key,
        team=notice.team,
        kind=kind,
        subject=_clip(subject, 150),
        text=blocker_text(notice, timezone=timezone, now=now),
        link=notice.handoff_url,
        actions=notice.actions,
        data=blocker_data(notice, kind=kind),
    )


def blocker_text(
    notice: BlockerNotice, *, timezone: str = "UTC", now: datetime | None = None
) -> str:
    """Plain text that stands on its own: the facts, the quote, then one line per action."""
    lines: list[str] = []
    if not notice.needed_from_known:
        named = f' "{notice.needed_from}"' if notice.needed_from else " nobody"
        lines += [
            f"This blocker names{named} as who can clear it, and that is nobody on team "
            f"{notice.team}. Who can clear it? Name the person and it is routed to them.",
            "",
        ]
    lines.append(f"Blocked: {_one_line(notice.what)}")
    if notice.why:
        lines.append(f"Why: {_one_line(notice.why)}")
    if notice.since is not None:
        lines.append(f"Blocked since: {format_since(notice.since, timezone=timezone, now=now)}")
    lines.append(f"Raised by: {notice.raised_by}")
    if notice.needed_from and notice.needed_from_known:
        lines.append(f"Needs: {notice.needed_from}")
    if notice.quote:
        lines += ["", f'"{_clip(_one_line(notice.quote), MAX_QUOTE_CHARS)}" ({notice.raised_by})']
    if notice.clip_url:
        lines.append(f"Hear it in the clip: {notice.clip_url}")
    links = [f"{a.label}: {a.url}" for a in notice.actions]
    if notice.handoff_url:
        links.append(f"Open the handoff: {notice.handoff_url}")
    if links:
        lines += ["", *links]
    return "\n".join(lines)


def blocker_data(notice: BlockerNotice, *, kind: str) -> dict[str, Any]:
    """The same facts as JSON-ready values (webhooks send these)."""
    return {
        "kind": kind,
        "team": notice.team,
        "item_id": notice.item_id,
        "what": notice.what,
        "why": notice.why,
        "since": notice.since.astimezone(UTC).isoformat() if notice.since else None,
        "raised_by": notice.raised_by,
        "needed_from": notice.needed_from,
        "needed_from_known": notice.needed_from_known,
        "quote": notice.quote,
        "clip_url": notice.clip_url,
        "handoff_url": notice.handoff_url,
        "actions": [{"label": a.label, "url": a.url} for a in notice.actions],
    }


@dataclass(frozen=True, slots=True)
class ResolutionNotice:
    """A blocker resolved, told to the person who raised it: who cleared it, when, and the note
    ("approved, 12 h"), which is also what answers cite."""

    team: str
    item_id: str
    what: str
    resolved_by: str
    resolved_at: datetime
    note: str | None = None
    handoff_url: str | None = None


def render_resolved(
    notice: ResolutionNotice, *, key: str, timezone: str = "UTC", now: datetime | None = None
) -> Message:
    """The message telling the raiser their blocker is cleared (kind "blocker_resolved")."""
    what = _one_line(notice.what)
    lines = [
        f"Resolved: {what}",
        f"By: {notice.resolved_by}",
        f"When: {format_since(notice.resolved_at, timezone=timezone, now=now)}",
    ]
    if notice.note:
        lines.append(f"Note: {_one_line(notice.note)}")
    if notice.handoff_url:
        lines += ["", f"Open the handoff: {notice.handoff_url}"]
    return Message(
        key=key,
        team=notice.team,
        kind=KIND_RESOLVED,
        subject=_clip(f"Resolved by {notice.resolved_by}: {what}", 150),
        text="\n".join(lines),
        link=notice.handoff_url,
        data={
            "kind": KIND_RESOLVED,
            "team": notice.team,
            "item_id": notice.item_id,
            "what": notice.what,
            "resolved_by": notice.resolved_by,
            "resolved_at": notice.resolved_at.astimezone(UTC).isoformat(),
            "note": notice.note,
            "handoff_url": notice.handoff_url,
        },
    )


def format_since(when: datetime, *, timezone: str = "UTC", now: datetime | None = None) -> str:
    """E.g. "Mon 7 Dec 2026, 09:40 +08 (3 h ago)", in the reader's zone (UTC if unknown)."""
    try:
        zone: Any = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(zone)
    stamp = f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname() or 'UTC'}"
    now = now or datetime.now(UTC)
    return f"{stamp} ({_ago((now - when).total_seconds())})"


def _ago(seconds: float) -> str:
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
