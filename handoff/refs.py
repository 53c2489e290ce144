"""Normalized references: pull requests and issues as `#1842`, tickets as `BILL-412`, URLs as given.

Both extraction and the item ledger match work by its refs, so the normal form is defined once.
Spoken forms ("PR sixty six oh one") are turned into digits by the extractor before they get here.
"""

from __future__ import annotations

import re

URL_RE = re.compile(r"https?://[^\s<>()\"']+[^\s<>()\"'.,;:!?]")
_PR_RE = re.compile(
    r"(?:\b(?:PR|MR|pull\s+request|merge\s+request|issue|bug)\s*(?:number\s*|no\.?\s*)?#?\s*(\d{1,7})\b)"
    r"|(?:(?<![\w&])#(\d{1,7})\b)",
    re.IGNORECASE,
)
# Ticket keys: an uppercase project key, a dash, a number (JIRA-style). Common false friends that
# look like keys (ISO-8601, UTF-8, SHA-256, ...) are excluded.
_TICKET_RE = re.compile(r"\b([A-Z][A-Z0-9]{1,9})[-‐–](\d{1,6})\b")
_NOT_TICKETS = frozenset(
    {"ISO", "UTF", "SHA", "MD", "RFC", "TLS", "SSL", "HTTP", "COVID", "GMT", "UTC"}
)


def find_refs(text: str) -> list[str]:
    """Every ref in the text, normalized, in order of first appearance, without duplicates."""
    found: list[tuple[int, str]] = []
    for m in URL_RE.finditer(text):
        found.append((m.start(), m.group(0)))
    url_spans = [m.span() for m in URL_RE.finditer(text)]

    def in_url(pos: int) -> bool:
        return any(a <= pos < b for a, b in url_spans)

    for m in _PR_RE.finditer(text):
        if not in_url(m.start()):
            found.append((m.start(), f"#{int(m.group(1) or m.group(2))}"))
    for m in _TICKET_RE.finditer(text):
        if not in_url(m.start()) and m.group(1) not in _NOT_TICKETS:
            found.append((m.start(), f"{m.group(1)}-{int(m.group(2))}"))
    seen: set[str] = set()
    out: list[str] = []
    for _, ref in sorted(found):
        if ref not in seen:
            seen.add(ref)
            out.append(ref)
    return out


def normalize_ref(ref: str) -> str:
    """One ref in normal form; a string that is not recognizably a ref is returned trimmed."""
    refs = find_refs(ref)
    return refs[0] if refs else ref.strip()


def strip_refs(text: str) -> str:
    """The text with its pull request, issue and ticket refs blanked out: names are matched apart
    from refs, which are tracked on their own."""
    text = _PR_RE.sub(" ", text)
    return _TICKET_RE.sub(lambda m: m.group(0) if m.group(1) in _NOT_TICKETS else " ", text)
