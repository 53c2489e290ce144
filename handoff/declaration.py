"""The declaration: the structured handoff that every stage of the product produces or reads.

The field names and shapes are a public contract (CLI output, HTTP API, evaluation files), so they
live in one place. Everything here is plain data: extraction fills it, the review flow edits it,
`handoff.missing` computes the flags from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["not_started", "in_progress", "in_review", "blocked", "done"]
STATUSES: tuple[str, ...] = ("not_started", "in_progress", "in_review", "blocked", "done")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Evidence(_Model):
    """Where a field came from: the words, and the moment in the clip (or the chat message)."""

    quote: str
    start_s: float | None = None
    end_s: float | None = None
    speaker: str | None = None
    at: datetime | None = Field(
        default=None, description="Timestamp of the chat message the quote came from."
    )
    supported: bool = Field(
        default=True, description="False when the quote could not be found in the transcript."
    )
    clip: str | None = Field(
        default=None,
        description="The recording the quote is in when it is not the handoff's own clip (a "
        "spoken follow-up answer); start_s and end_s are times in it.",
    )


class PartItem(_Model):
    """What every item of a list part has: the words it came from."""

    evidence: list[Evidence] = Field(default_factory=list)


class ShippedItem(PartItem):
    summary: str
    refs: list[str] = Field(default_factory=list)


class InFlightItem(PartItem):
    item: str
    status: Status = "in_progress"
    summary: str | None = None
    refs: list[str] = Field(default_factory=list)
    owner: str | None = None


class Decision(PartItem):
    decision: str
    rationale: str | None = None
    item: str | None = None


class Blocker(PartItem):
    description: str
    item: str | None = None
    needed_from: str | None = None
    why_blocking: str | None = None


class NextAction(PartItem):
    action: str
    item: str | None = None
    owner: str | None = None


class MissingFlag(_Model):
    field: str
    reason: str
    question: str | None = Field(
        default=None, description="A short follow-up question the author can answer."
    )


class Declaration(_Model):
    """A structured handoff. Lists are empty both when a part was stated empty and when it was never
    mentioned; `stated_empty` tells the two apart so that only silence is flagged."""

    author: str | None = None
    team: str | None = None
    recorded_at: datetime | None = None
    shipped: list[ShippedItem] = Field(default_factory=list)
    in_flight: list[InFlightItem] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    blockers: list[Blocker] = Field(default_factory=list)
    next_actions: list[NextAction] = Field(default_factory=list)
    returns_at: str | None = None
    returns_at_iso: datetime | None = None
    missing: list[MissingFlag] = Field(default_factory=list)
    stated_empty: list[str] = Field(
        default_factory=list,
        description="Parts the author explicitly said are empty ('no blockers'); never flagged.",
    )
    extractor: str | None = Field(
        default=None, description="Which extractor produced the draft, e.g. 'offline' or 'llm:...'."
    )

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON form (ISO-8601 datetimes)."""
        return self.model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class Part:
    """One list part of the declaration, as code that handles every part alike sees it: the
    index writing a document per item, the LLM extractor grounding the model's items, the ledger
    naming them, the evaluation matching them to gold ones."""

    #: The declaration's field ("blockers"), also the start of an item's field path.
    name: str
    #: The model of one item (`Blocker`).
    model: type[PartItem]
    #: The item field that says what the item is ("description"): its name, its matching text.
    text: str
    #: The item field that names a person ("needed_from"), or None for parts that name nobody.
    people: str | None

    def where(self, index: int) -> str:
        """The field path of one item, as flags, edits and the ledger write it: "blockers[0]"."""
        return f"{self.name}[{index}]"

    def items(self, declaration: Declaration) -> list[PartItem]:
        """The part's items in `declaration` (a copy: add to the declaration's own list)."""
        return list(getattr(declaration, self.name))


#: The list parts in the declaration's order. Adding a part here is how every walker learns it.
PARTS: tuple[Part, ...] = (
    Part("shipped", ShippedItem, text="summary", people=None),
    Part("in_flight", InFlightItem, text="item", people="owner"),
    Part("decisions", Decision, text="decision", people=None),
    Part("blockers", Blocker, text="description", people="needed_from"),
    Part("next_actions", NextAction, text="action", people="owner"),
)
PART_BY_NAME: dict[str, Part] = {part.name: part for part in PARTS}
#: The parts of a declaration a wrap must speak to. A part never mentioned is flagged missing.
LIST_PARTS: tuple[str, ...] = tuple(part.name for part in PARTS)
REQUIRED_PARTS: tuple[str, ...] = (*LIST_PARTS, "returns_at")


def declaration_schema() -> dict[str, Any]:
    """JSON Schema of the declaration, as printed by `handoff schema`."""
    return Declaration.model_json_schema()
