"""Work that is partly done or only mitigated is one item in flight, never something shipped.

"The exporter: the schema part is done, the migration part isn't" and "the importer is mitigated
(we pinned the old rate) but the real fix is still open" read, clause by clause, as a shipped part
plus a stray fragment. Said about one piece of work, they mean that work is in progress. This
module rewrites such a line to say so before the clause rules read it, keeping any label in front.
"""

from __future__ import annotations

import re

from summarizer import rules, status_words

# "<part> done, <other part> isn't": a done clause, then another subject with a negation.
_PARTLY_DONE = re.compile(
    r"\b(?:done|works?|working|finished|complete[d]?|migrated|merged|is\s+in|are\s+in|built|"
    r"shipped|landed)\b[^.;]{0,40}?(?:,|;|\bbut\b)\s*(?:but\s+)?(?:the\s+)?"
    r"(?!sorry\b|not\b|I\b)[\w-]+(?:\s+[\w-]+){0,4}?\s+(?:isn'?t|is\s+not|aren'?t|are\s+not|don'?t|"
    r"doesn'?t|hasn'?t|haven'?t|is\s+still\s+(?:open|to\s+do|missing))"
    r"(?:\s+(?:yet|done|finished|there|working|wired|in))?\s*(?:[.,;)]|$)",
    re.I,
)
_MITIGATED = re.compile(
    r"^(?P<subject>.{3,80}?)\s+(?:is|are|was|were|has\s+been|have\s+been|'s)\s+(?:now\s+|only\s+)?"
    r"(?:mitigated|paused|patched\s+over|worked\s+around|stop-?gapped|on\s+pause|parked)\b",
    re.I,
)
_STILL_OPEN = re.compile(
    r"\b(?:still\s+open|not\s+(?:done|fixed|dropped|closed)|isn'?t\s+(?:done|fixed)|remains\s+open|"
    r"left\s+open|still\s+(?:needs|to\s+do|pending)|but\s+not\s+dropped|real\s+fix)\b",
    re.I,
)
# "Item: detail", "Item, detail", "Item (detail)", "Item - detail": the work named first.
_NAMED_FIRST = re.compile(r"^(?P<item>[^:,(–—]{3,60}?)\s*(?:[:,(]|\s[-–—]\s)\s*(?P<rest>.+)$")
_STATUS_WORD = re.compile(r"^(?:in\s+progress|wip|ongoing|in\s+flight)\b[\s,:;-]*", re.I)


def one_item(line: str) -> str:
    """The line, or "Label: item is in progress" when it says the item is partly done or only
    mitigated and still open."""
    label = rules.LABEL_RE.match(line)
    lead, body = (line[: label.end()], line[label.end() :]) if label else ("", line)
    if label and rules.LABELS.get(label.group(2).lower() if label.group(2) else "", ("",))[0] in (
        "decisions",
        "blockers",
        "next_actions",
        "returns_at",
    ):
        return line
    mitigated = _MITIGATED.match(body)
    if mitigated and _STILL_OPEN.search(body[mitigated.end() :]):
        return _in_progress(lead, mitigated.group("subject"))
    named = _NAMED_FIRST.match(body)
    if named is None or _PARTLY_DONE.search(named.group("item")):
        return _ongoing_clause(line) if _PARTLY_DONE.search(body) else line
    rest = _STATUS_WORD.sub("", named.group("rest")).strip()
    if _PARTLY_DONE.search(rest):
        return _in_progress(lead, named.group("item").strip())
    return line


def _in_progress(lead: str, item: str) -> str:
    """Under an in-flight label, the label and the item; otherwise a sentence, so no label is
    left in force for the lines after it."""
    label = rules.LABEL_RE.match(lead)
    part = rules.LABELS.get((label.group(2) or "").lower(), ("",))[0] if label else ""
    if part == "in_flight" and "review" not in lead.lower():
        return f"{lead}{item}"
    return f"{item} is in progress"


def _ongoing_clause(line: str) -> str:
    """'The first table is migrated; the second is not, so the migration is still in progress':
    no item named first, but one clause says what is in progress; that clause is the item."""
    for clause in re.split(r"[,;]\s*", line):
        clause = re.sub(r"^(?:so|and|but|which\s+means)\s+", "", clause.strip(), flags=re.I)
        if status_words.status_of(clause) == "in_progress" and not _PARTLY_DONE.search(clause):
            return clause
    return line
