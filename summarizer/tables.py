"""Tables pasted into a wrap: which column holds what, and each row as the labelled line the
clause rules read ("| Ledger export | In review | Dana |" -> "In review: Ledger export (owner:
Dana)"). Split from `summarizer.blocks`, which finds the rows and keeps the header.
"""

from __future__ import annotations

import re

from summarizer import rules
from summarizer.labels import label_for, label_part
from summarizer.markers import EMOJI_LEAD, emoji_label, strip_symbol

_CHECKBOX = re.compile(r"\[(?P<mark>[ xX✓✔]?)\]|(?P<box>[☐☑☒✅])", re.I)


# A note that states the course itself ("we'll run it ourselves", "going with X"), not a reason.
_SAYS_THE_CALL = re.compile(
    r"^(?:we|we'?ll|we\s+will|we'?re|we\s+are|I'?ll|going\s+with|go\s+with|use|keep|stay)\b",
    re.I,
)


def table_cells(line: str) -> list[str]:
    """The cells of one "| a | b |" row, trimmed."""
    return [c.strip() for c in line.strip().strip("|").split("|")]


def row_width(cells: list[str]) -> int:
    """The column count of rows the sentence splitter ran together with no rule line to count
    them by ("| Dept | Tonight | | LX | cue 47 fixed |"): the narrowest width whose row edges all
    fall on the empty cell between two rows; the whole run when none does."""
    n = len(cells)
    for width in range(2, n):
        if (n + 1) % (width + 1) == 0 and all(
            not cells[k].strip() for k in range(width, n, width + 1)
        ):
            return width
    return n


def row_line(cells: list[str], header: list[str]) -> str | None:
    """A table row as a labelled line: the header names the columns; the status (or type)
    column gives the label, the item column the name, an owner column the owner of a next
    action, and the notes follow."""
    cols = columns(header)
    get = lambda key: cells[cols[key]] if key in cols and cols[key] < len(cells) else ""  # noqa: E731
    item, status, owner, notes = get("item"), get("status"), get("owner"), get("notes")
    if not item:
        return None
    if len(owner.split()) > 3:
        # "| Who / what |" holding a sentence ("Renata at the agent can release them"): what it
        # says is a note on the row, not an owner's name
        notes, owner = (f"{owner}; {notes}" if notes else owner), ""
    checked = _CHECKBOX.fullmatch(get("check") or status)
    if checked:
        # "[x]" is done; "[ ]" is open work, whose notes may say more ("still waiting")
        done = (checked.group("mark") or "").strip() or checked.group("box") in ("☑", "✅")
        status = "done" if done else "in progress"
        if not done and rules.part_of(notes or "") == "blockers":
            status = "blocked"  # "[ ] | permit extension | promised to sign — still waiting"
    ticket = get("ticket")
    if ticket and ticket not in item:
        item = f"{item} ({ticket})"  # "| PAY-2 | Ledger export |": the name, with its ref
    aside = re.search(r"\s*\(([^)]{2,80})\)\s*$", status)
    if aside:  # "Blocked (waiting on legal)": the status, and why
        notes = f"{aside.group(1)}; {notes}" if notes else aside.group(1)
        status = status[: aside.start()]
    status_text = EMOJI_LEAD.sub("", strip_symbol(status)).strip()
    status_text = re.sub(r"\s*[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?$", "", status_text)
    # a short cell is a label ("WIP", "In review"); a longer one is read by its words ("half
    # done, CSV works, XLSX doesn't")
    short = len(status_text.split()) <= 3
    part = (label_part(status_text) if short else None) or rules.part_of(f"it is {status_text}")
    if not short and not notes:
        notes = status_text
    lead = EMOJI_LEAD.match(status)
    if part is None and lead:
        part = label_part(emoji_label(lead.group(0)))
    tail = f" ({notes})" if notes else ""
    if part == "next_actions":
        return f"Next: {owner} to {item[:1].lower()}{item[1:]}" if owner else f"Next: {item}"
    if part == "returns_at":
        return f"Back {item}"
    if part == "decisions" and notes and _SAYS_THE_CALL.match(notes):
        # "| status page | decided | we'll run it ourselves |": the note is the decision
        return f"Decision: {notes} ({item})"
    if part == "decisions":
        return f"Decision: {item}, because {notes}" if notes else f"Decision: {item}"
    if part == "blockers" and re.fullmatch(r"(?:blockers?|impediments?|risks?)", status_text, re.I):
        return f"Blockers: {item}, {notes}" if notes else f"Blockers: {item}"  # a row of its kind
    if part == "blockers":
        who = f" (owner: {owner})" if owner else ""
        if not notes and not re.fullmatch(r"(?:blocked|stuck|on hold)", status_text, re.I):
            notes = status_text  # "| waiting for discs |": the state says what it waits for
        if notes and re.match(r"(?:stuck|blocked|on hold|held up)\b", notes, re.I):
            return f"{item}{who} is {notes}"  # "stuck on the bank's sandbox" says it already
        return f"{item}{who} is blocked: {notes}" if notes else f"{item}{who} is blocked"
    if part == "shipped":
        return f"Shipped: {item}"
    if part == "in_flight":
        who = f" (owner: {owner})" if owner else ""
        return f"{label_for(part, status_text)}: {item}{who}{tail}"
    return f"{item}: {status_text}{tail}" if status_text else item


def columns(header: list[str]) -> dict[str, int]:
    """Which column holds what, from the header's words."""
    names = {
        "item": (
            "item",
            "component",
            "task",
            "work",
            "what",
            "name",
            "project",
            "feature",
            "summary",
            "title",
            "area",
            "deliverable",
            "story",
            "epic",
            "workstream",
            "job",
            "jobs",
            "activity",
            "piece",
            "thing",
            "topic",
        ),
        "status": ("status", "state", "type", "kind", "stage", "stands", "progress", "where"),
        "ticket": ("ticket", "id", "#", "key", "issue", "jira", "ref"),
        "owner": ("owner", "who", "assignee", "person", "dri"),
        "notes": ("notes", "note", "detail", "details", "comment", "comments", "context"),
    }
    cols: dict[str, int] = {}
    if header and not header[0].strip():
        cols["check"] = 0  # "| | Job | Note |": a column of checkboxes, unnamed
    for key, words in names.items():
        for i, cell in enumerate(header):
            if any(w in cell.split() for w in words) and i not in cols.values():
                cols[key] = i
                break
    cols.setdefault("item", next((i for i in range(len(header)) if i not in cols.values()), 0))
    if "status" not in cols and "notes" not in cols:
        # a two-column table ("| Area | Where it stands |"): the other column says how it stands
        rest = [i for i in range(len(header)) if i not in cols.values()]
        if rest:
            cols["status"] = rest[0]
    return cols
