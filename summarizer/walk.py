"""What the offline extractor has read so far, shared by the modules that fill its parts."""

from __future__ import annotations

from dataclasses import dataclass, field

from handoff.declaration import LIST_PARTS, Declaration
from summarizer.people import PeopleIndex


@dataclass
class Asked:
    """A teammate's question: the part it names and the work it asks about."""

    part: str | None
    topic: str | None


@dataclass
class Group:
    """Clauses of one idea, with the part they speak to."""

    part: str | None
    text: str
    lead_part: str | None = None
    antecedent: str | None = None


@dataclass
class Walk:
    """What the extractor has read so far."""

    decl: Declaration
    people: PeopleIndex
    author: str | None
    section: str | None = None
    label_status: str | None = None
    action_label: bool = False  # "[action] X to ...": the first word names the owner
    blocked_label: bool = False  # "Blocked: X, needs Y": X is an item that is blocked
    stated_empty: set[str] = field(default_factory=set)
    action_at: dict[int, int] = field(default_factory=dict)  # next_actions index -> message number
    message: int = 0
    return_rest: str = ""  # what the last clause with a return time said before it
    sentence: int = 0  # sentences read so far
    listed: bool = False  # the segment is a list line: an item of its own
    blocker_sentence: int = -99  # the sentence that added the last blocker
    blocker_message: int = -99  # the segment (chat message, list line) it was in
    blocker_items: int = -1  # how many items the declaration held once it was read
    spoken: bool = False  # the clause was cut from a recognizer's unpunctuated run
    previous_text: str = ""  # the sentence before the one being read ("... waits on them")
    current_text: str = ""
    label_sentence: int = -99  # the sentence whose own label set `section`
    decision_sentence: int = -99  # the sentence that added the last decision
    changing: bool = False  # the last decision was announced as a change, its content to follow
    soft: bool = False  # the section is a question's default: a clause's own part wins
    asked: Asked | None = None  # a teammate's question the author's next message answers
    asker: str | None = None
    # how many items each part held when the previous and this sentence began
    previous_start: dict[str, int] | None = None
    sentence_start: dict[str, int] | None = None


def item_count(decl: Declaration) -> int:
    """Items of every list part: what tells whether anything was read since a given clause."""
    return sum(len(getattr(decl, part)) for part in LIST_PARTS)
