"""Rollups as Markdown: what a channel (email, Slack, a webhook) or `handoff rollup` shows.

Every line ends with its citation, a link to the handoff (and the moment in the clip), so a lead
reading it in Slack can check any fact in one click. A fact people made in the app rather than in
a wrap (an acknowledgment, a resolution) has no handoff: its line links to the item's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from handoff.ledger.models import is_handoff_id
from handoff.rollups.compose import Cite, Line, TeamRollup
from handoff.rollups.pod import PodRollup
from handoff.text import normalize


def team_markdown(rollup: TeamRollup, *, base_url: str = "", heading: str = "#") -> str:
    """The team's rollup; `heading` is the Markdown level of its title."""
    base = base_url.rstrip("/")
    out = [
        f"{heading} {rollup.team}: state at {_when(rollup.until)}",
        "",
        f"Changes since {_when(rollup.since)}.",
    ]
    sub = heading + "#"
    out += _section(f"{sub} Open blockers, oldest first", rollup.blockers, base, _blocker)
    if rollup.in_flight:
        out += ["", f"{sub} In flight, by owner"]
        for owner, lines in rollup.in_flight.items():
            out += ["", f"**{owner}**"]
            out += [_bullet(_work(x), x.cite, base, x.item_id) for x in lines]
    out += _section(f"{sub} Decisions", rollup.decisions, base, _decision)
    out += _section(f"{sub} Shipped", rollup.shipped, base, _shipped)
    out += _section(f"{sub} Who is back when", rollup.returns, base, _return)
    out += _section(f"{sub} Not acknowledged yet", rollup.unacknowledged, base, _unacked)
    if rollup.not_posted:
        out += ["", f"{sub} No wrap in this period", "", ", ".join(rollup.not_posted)]
    if rollup.is_empty:
        out += ["", "Nothing recorded in this period."]
    return "\n".join(out) + "\n"


def pod_markdown(rollup: PodRollup, *, base_url: str = "") -> str:
    base = base_url.rstrip("/")
    out = [f"# Pod {rollup.pod}: state at {_when(rollup.until)}", ""]
    out.append(f"Teams: {', '.join(t.team for t in rollup.teams) or 'none yet'}.")
    if rollup.cross_team:
        out += ["", "## Blockers waiting on another team", ""]
        for b in rollup.cross_team:
            who = f"{b.line.who} ({b.waits_on_team})"
            text = f"[{b.team}] {_blocker(replace(b.line, who=who))}"
            out.append(_bullet(text, b.line.cite, base, b.line.item_id))
    for team in rollup.teams:
        out += ["", team_markdown(team, base_url=base, heading="##").rstrip()]
    return "\n".join(out) + "\n"


def _section(title: str, lines: list[Line], base: str, text: Callable[[Line], str]) -> list[str]:
    if not lines:
        return []
    return ["", title, ""] + [_bullet(text(x), x.cite, base, x.item_id) for x in lines]


def _bullet(text: str, cite: Cite | None, base: str, item_id: str | None = None) -> str:
    if cite is None:
        return f"- {text}"
    adds = cite.quote and normalize(cite.quote) not in normalize(text)
    quote = f' "{_short(cite.quote or "")}"' if adds else ""
    if not is_handoff_id(cite.handoff_id) and item_id:
        return f"- {text} —{quote} [item]({base}/items/{item_id})"
    moment = f"?t={cite.start_s:g}" if cite.start_s is not None else ""
    return f"- {text} —{quote} [handoff]({base}/handoffs/{cite.handoff_id}{moment})"


def _blocker(x: Line) -> str:
    who = f"{x.who} can clear it" if x.who else "nobody named can clear it"
    age = f", open {_age(x.age_hours)}" if x.age_hours is not None else ""
    raised = f", {x.detail}" if x.detail else ""
    return f"{x.text}: {who}{age}{raised}"


def _work(x: Line) -> str:
    status = (x.status or "").replace("_", " ")
    return f"{x.text}: {status}, last changed {_when(x.at)}"


def _decision(x: Line) -> str:
    why = f" because {x.detail}" if x.detail else " (no reason given)"
    replaced = " [since superseded]" if x.status == "superseded" else ""
    by = f" ({x.who})" if x.who else ""
    return f"{x.text}{why}{by}{replaced}"


def _shipped(x: Line) -> str:
    owner = f" ({x.who})" if x.who else ""
    return f"{x.text}{owner}, {_when(x.at)}"


def _return(x: Line) -> str:
    """The moment when it was resolved; otherwise their words, quoted as theirs (they are
    relative to the wrap, which the citation links to)."""
    if x.at:
        return f"{x.who}: back {_when(x.at)}"
    return f'{x.who}: said "{x.text}"'


def _unacked(x: Line) -> str:
    return f"{x.text}, published {_when(x.at)} ({_age(x.age_hours)} ago)"


def _age(hours: float | None) -> str:
    if hours is None:
        return "for an unknown time"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} days"


def _when(at: datetime | None) -> str:
    return at.strftime("%a %d %b %H:%M %Z").strip() if at else "unknown"


def _short(text: str, limit: int = 140) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
