"""A sentence that takes back the one before it ("Switching to coir pots. Actually no, scrap
that, we stay with peat"): what the earlier sentence added is dropped, and the correction is read
as that part unless its own words say another.

Why here and not in `summarizer.normalize`: a correction inside one sentence is rewritten there,
before any part is read; one that opens the next sentence can only undo what the walk already
added, so the walk has to remember where each sentence began.
"""

from __future__ import annotations

import re

from handoff.declaration import LIST_PARTS
from summarizer.walk import Walk

# "Actually no, scrap that, ...", "wait no, ...", "No wait — ...", "Scratch that: ..."
_RETRACTS_LAST = re.compile(
    r"^(?:(?:actually|oh|sorry|hmm|um|uh)[,.]?\s+)*(?:(?:no|nope)[,.!]?\s+)?"
    r"(?:(?:scratch|scrap|strike|forget|ignore)\s+that|wait(?:,?\s+no)|no,?\s+wait|"
    r"(?:I\s+)?take\s+(?:that|it)\s+back|(?<=actually,\s)no|(?<=actually\s)no)\b[,.;:!—–-]?\s*",
    re.I,
)


def opens_with_retraction(text: str) -> bool:
    return _RETRACTS_LAST.match(text) is not None


def counts(walk: Walk) -> dict[str, int]:
    return {part: len(getattr(walk.decl, part)) for part in LIST_PARTS}


def begin_sentence(walk: Walk) -> None:
    """Remember where the previous and this sentence began."""
    walk.previous_start, walk.sentence_start = walk.sentence_start, counts(walk)


def take_back(walk: Walk, text: str) -> tuple[str, str | None]:
    """The sentence without its retraction, and the part of what the previous sentence said
    (now dropped), when the sentence opens by taking that back; else the text and None."""
    m = _RETRACTS_LAST.match(text)
    if m is None or not text[m.end() :].strip() or walk.previous_start is None:
        return text, None
    dropped: list[str] = []
    for part, start in walk.previous_start.items():
        items = getattr(walk.decl, part)
        if len(items) > start:
            setattr(walk.decl, part, items[:start])
            dropped.append(part)
    walk.sentence_start = counts(walk)
    return text[m.end() :], dropped[0] if len(dropped) == 1 else None
