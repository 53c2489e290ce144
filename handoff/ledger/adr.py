"""Architecture Decision Records from the decision log, and back.

One Markdown file per decision in the shape distributed teams already keep (Michael Nygard's:
title, date, status, context, decision, consequences), named `NNNN-slug.md` like adr-tools does.
The text depends only on the ledger, never on the moment of export, so re-exporting an unchanged
log rewrites identical files and a team can commit them. `parse_adr` reads a file back into the
fields it was written from; the export's tests use it to check the round trip.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from handoff.ledger.decision_log import LoggedDecision

_MARKER = "<!-- handoff decision {item_id} -->"
_MARKER_RE = re.compile(r"<!-- handoff decision ([A-Za-z0-9_-]+) -->")
_TITLE_RE = re.compile(r"^# (\d+)\. (.+)$", re.MULTILINE)
_DATE_RE = re.compile(r"^Date: (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
_STATUS_RE = re.compile(r"^## Status\n\n(Accepted|Superseded)\b", re.MULTILINE)
_SUPERSEDED_BY_RE = re.compile(r"^Superseded by \[(\d+)\.", re.MULTILINE)
_SUPERSEDES_RE = re.compile(r"^Supersedes \[(\d+)\.", re.MULTILINE)
_HANDOFF_RE = re.compile(r"^- Handoff \[([A-Za-z0-9-]+)\]", re.MULTILINE)
_RATIONALE_RE = re.compile(r"^Why, as stated: (.+)$", re.MULTILINE)
_BY_RE = re.compile(r"^Decided by (.+?) in handoff ", re.MULTILINE)
_SLUG_WORDS = 8


@dataclass(frozen=True, slots=True)
class AdrFields:
    """What an ADR file says, read back from its text."""

    number: int
    title: str
    date: date
    status: str
    item_id: str
    decided_by: str | None
    rationale: str | None
    superseded_by: int | None
    supersedes: tuple[int, ...]
    handoffs: tuple[str, ...]


def adr_filename(decision: LoggedDecision) -> str:
    """`0007-move-the-queue-to-redis.md`: the number, then the title's first words."""
    return f"{decision.number:04d}-{slug(decision.title)}.md"


def slug(title: str) -> str:
    """ASCII words of the title joined by hyphens; "decision" when none are left."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())[:_SLUG_WORDS]
    return "-".join(words) or "decision"


def render_adr(
    decision: LoggedDecision, log: dict[int, LoggedDecision], *, base_url: str = ""
) -> str:
    """The ADR for `decision`; `log` (by number) names the decisions it links to."""
    base = base_url.rstrip("/")
    lines = [f"# {decision.number}. {_one_line(decision.title)}", ""]
    lines += [f"Date: {decision.decided_at.date().isoformat()}", "", "## Status", ""]
    lines += _status(decision, log)
    lines += ["", "## Context", ""]
    if decision.about:
        lines += [f"About: {_one_line(decision.about)}", ""]
    lines += [f"Why, as stated: {_one_line(decision.rationale or 'the handoff gave no reason.')}"]
    lines += ["", f"Decided by {decision.decided_by or 'an unknown author'} in handoff "]
    lines[-1] += f"{decision.handoff_id} ({decision.decided_at.isoformat()})."
    if decision.quote:
        lines += ["", *[f"> {q}" for q in decision.quote.splitlines() if q.strip()]]
    lines += ["", "## Decision", "", _one_line(decision.title), "", "## Consequences", ""]
    lines += _consequences(decision, log)
    lines += ["", "## Links", ""]
    for handoff_id in decision.handoffs:
        lines.append(f"- Handoff [{handoff_id}]({base}/handoffs/{handoff_id})")
    lines.append(f"- Item [{decision.item_id}]({base}/items/{decision.item_id})")
    lines += ["", _MARKER.format(item_id=decision.item_id), ""]
    return "\n".join(lines)


def _status(decision: LoggedDecision, log: dict[int, LoggedDecision]) -> list[str]:
    out: list[str] = []
    if decision.status == "superseded" and decision.superseded_by in log:
        out.append(f"Superseded by {_link(log[decision.superseded_by])}")
    elif decision.status == "superseded":
        out.append("Superseded")
    else:
        out.append("Accepted")
    out += [f"Supersedes {_link(log[n])}" for n in decision.supersedes if n in log]
    return _paragraphs(out)


def _consequences(decision: LoggedDecision, log: dict[int, LoggedDecision]) -> list[str]:
    out: list[str] = []
    for n in decision.supersedes:
        if n in log:
            out.append(f"Decision {n} ({_one_line(log[n].title)}) no longer holds.")
    if decision.superseded_at is not None:
        when = decision.superseded_at.date().isoformat()
        out.append(f"Replaced on {when}: this decision no longer holds.")
    else:
        out.append("In effect until a later handoff replaces it.")
    return _paragraphs(out)


def _link(decision: LoggedDecision) -> str:
    return f"[{decision.number}. {_one_line(decision.title)}]({adr_filename(decision)})"


def _paragraphs(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += [line, ""]
    return out[:-1]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_adr(text: str) -> AdrFields:
    """Read an ADR this module wrote; ValueError when the text is not one."""
    title, when, status, marker = (
        _TITLE_RE.search(text),
        _DATE_RE.search(text),
        _STATUS_RE.search(text),
        _MARKER_RE.search(text),
    )
    if not (title and when and status and marker):
        raise ValueError("Not an ADR exported by handoff (its header or marker is missing).")
    by = _SUPERSEDED_BY_RE.search(text)
    rationale = _RATIONALE_RE.search(text)
    author = _BY_RE.search(text)
    decided_by = author.group(1) if author else None
    stated_reason = rationale.group(1) if rationale else None
    return AdrFields(
        number=int(title.group(1)),
        title=title.group(2),
        date=date.fromisoformat(when.group(1)),
        status=status.group(1).lower(),
        item_id=marker.group(1),
        decided_by=None if decided_by == "an unknown author" else decided_by,
        rationale=None if stated_reason == "the handoff gave no reason." else stated_reason,
        superseded_by=int(by.group(1)) if by else None,
        supersedes=tuple(int(m) for m in _SUPERSEDES_RE.findall(text)),
        handoffs=tuple(_HANDOFF_RE.findall(text)),
    )
