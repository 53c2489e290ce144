"""What each notification says. Plain text that stands on its own ("the receiving party can act
without a follow-up conversation"): what is blocked, why, since when, who raised it, the quote
and a link to the moment in the clip, and the one-click actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.protocol.outbox import Note

#: (team, item id, action, recipient user id) -> the action's URL. `api` passes one that signs
#: single-use links (`api.notify.links.signer`); the default points at the item's page.
ActionLink = Callable[[str, str, str, str], str]


@dataclass(frozen=True, slots=True)
class Links:
    """URLs in messages, from the server's public address."""

    base: str = "http://localhost:8000"
    action: ActionLink | None = None

    def item(self, item_id: str) -> str:
        return f"{self.base.rstrip('/')}/items/{item_id}"

    def moment(self, handoff_id: str, start_s: float | None) -> str:
        at = f"?t={start_s:g}" if start_s is not None else ""
        return f"{self.base.rstrip('/')}/handoffs/{handoff_id}{at}"

    def inbox(self) -> str:
        return f"{self.base.rstrip('/')}/inbox"

    def post(self) -> str:
        return f"{self.base.rstrip('/')}/post"

    def act(self, item: LedgerItem, action: str, user_id: str) -> str:
        """The one-click link for `user_id` to do `action` on `item`."""
        if self.action is not None:
            return self.action(item.team, item.id, action, user_id)
        return f"{self.item(item.id)}#{action}"

    def rollup(self, team: str) -> str:
        return f"{self.base.rstrip('/')}/teams/{team}/rollup"


def when_in(at: datetime, tz: str = "UTC") -> str:
    """A moment in the recipient's own time zone ("Fri 20 Nov 18:00 +08")."""
    try:
        local = at.astimezone(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        local = at
    return local.strftime("%a %d %b %H:%M %Z")


def _context(item: LedgerItem, opened: LedgerEvent | None, links: Links) -> dict[str, Any]:
    quote = (opened.quote or opened.text) if opened else None
    return {
        "item_id": item.id,
        "item": item.name,
        "kind": item.kind,
        "why": item.summary or item.name,
        "since": item.first_at.isoformat(),
        "raised_by": opened.author if opened else None,
        "handoff_id": opened.handoff_id if opened else None,
        "quote": quote,
        "clip": links.moment(opened.handoff_id, opened.start_s) if opened else None,
        "needed_from": item.needed_from,
        "owner": item.owner,
    }


def _lines(ctx: dict[str, Any], parent: LedgerItem | None) -> list[str]:
    lines = []
    if parent is not None:
        lines.append(f"Blocked: {parent.name}")
    lines.append(f"Why: {ctx['why']}")
    lines.append(f"Since: {when_in(datetime.fromisoformat(ctx['since']), ctx.get('tz', 'UTC'))}")
    if ctx["raised_by"]:
        lines.append(f"Raised by: {ctx['raised_by']}")
    if ctx["quote"]:
        lines.append(f'In their words: "{ctx["quote"]}"')
    if ctx["clip"]:
        lines.append(f"The moment in the clip: {ctx['clip']}")
    return lines


def blocker_routed(
    item: LedgerItem,
    opened: LedgerEvent | None,
    parent: LedgerItem | None,
    links: Links,
    user_id: str,
    *,
    tz: str = "UTC",
) -> Note:
    ctx = _context(item, opened, links) | {"blocked": parent.name if parent else None, "tz": tz}
    actions = (
        ("Acknowledge", links.act(item, "acknowledge", user_id)),
        ("Resolve", links.act(item, "resolve", user_id)),
        ("Not mine", links.act(item, "not_mine", user_id)),
    )
    head = f"You can clear this blocker: {item.name}"
    text = "\n".join([head, *_lines(ctx, parent), "", _actions_text(actions)])
    return Note(
        "blocker_routed", f"Needs you: {item.name}", text, links.item(item.id), actions, ctx
    )


def who_can_clear(
    item: LedgerItem,
    opened: LedgerEvent | None,
    parent: LedgerItem | None,
    links: Links,
    user_id: str,
    *,
    tz: str = "UTC",
) -> Note:
    ctx = _context(item, opened, links) | {"tz": tz}
    named = (
        f" (the wrap names {item.needed_from!r}, who is not a member here)"
        if item.needed_from
        else ""
    )
    actions = (("Name who can clear it", links.act(item, "reassign", user_id)),)
    text = "\n".join(
        [
            f"Who can clear this blocker?{named}",
            f"Blocker: {item.name}",
            *_lines(ctx, parent),
            "",
            _actions_text(actions),
        ]
    )
    return Note(
        "who_can_clear", f"Who can clear this? {item.name}", text, links.item(item.id), actions, ctx
    )


def owned(
    item: LedgerItem,
    event: LedgerEvent | None,
    links: Links,
    user_id: str,
    *,
    kind: str,
    tz: str = "UTC",
) -> Note:
    """A next action they own, or work handed over to them."""
    ctx = _context(item, event, links) | {"tz": tz}
    actions = (
        ("I've got it", links.act(item, "acknowledge", user_id)),
        ("Not mine", links.act(item, "not_mine", user_id)),
    )
    head = "A next action is yours" if kind == "action_assigned" else "Work was handed over to you"
    lines = [f"{head}: {item.name}", *_lines(ctx, None)[1:], "", _actions_text(actions)]
    return Note(kind, f"{head}: {item.name}", "\n".join(lines), links.item(item.id), actions, ctx)


def resolved(item: LedgerItem, by: str, note: str, links: Links) -> Note:
    text = f"{by} resolved the blocker you raised: {item.name}\nNote: {note}\n{links.item(item.id)}"
    data = {"item_id": item.id, "item": item.name, "resolved_by": by, "note": note}
    return Note("blocker_resolved", f"Resolved: {item.name}", text, links.item(item.id), (), data)


def escalated(item: LedgerItem, resolver: str, hours: float, links: Links) -> Note:
    text = (
        f"Not acknowledged by {resolver} within {hours:g} working hours: {item.name}\n"
        f"Why: {item.summary or item.name}\n{links.item(item.id)}"
    )
    data = {"item_id": item.id, "item": item.name, "resolver": resolver, "after_hours": hours}
    return Note("escalated", f"Escalated: {item.name}", text, links.item(item.id), (), data)


def reminder(name: str, open_items: list[LedgerItem], links: Links) -> Note:
    listed = [f"- {i.name} ({i.state})" for i in open_items] or ["- (nothing open in the ledger)"]
    text = "\n".join(
        [
            f"{name}, your shift ends soon and you have not posted a wrap today.",
            "Your open items:",
            *listed,
            f"Record one: {links.post()}",
        ]
    )
    data = {"items": [{"id": i.id, "name": i.name, "state": i.state} for i in open_items]}
    return Note(
        "reminder",
        "Record your wrap before you go",
        text,
        links.post(),
        (("Record a wrap", links.post()),),
        data,
    )


def digest(name: str, sections: dict[str, list[str]], links: Links) -> Note:
    lines = [f"Good morning {name}. Since your last shift:"]
    for title, entries in sections.items():
        if entries:
            lines.append(f"{title}:")
            lines.extend(f"- {e}" for e in entries)
    if len(lines) == 1:
        lines.append("Nothing needs you.")
    lines.append(links.inbox())
    data = {k: list(v) for k, v in sections.items()}
    return Note("digest", "Your shift-start digest", "\n".join(lines), links.inbox(), (), data)


def _actions_text(actions: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{label}: {url}" for label, url in actions)


def team_rollup(team: str, markdown: str, at: datetime, links: Links) -> Note:
    """The team's rollup for its channels: the Markdown the rollup page shows, and its link."""
    url = links.rollup(team)
    text = f"{markdown.rstrip()}\n\nRead it in handoff: {url}\n"
    data = {"team": team, "at": at.isoformat(), "rollup_url": url}
    subject = f"Team {team} rollup, {at:%a %d %b %H:%M}"
    return Note("rollup", subject, text, url, (("Open the rollup", url),), data)
