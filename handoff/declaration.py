"""The declaration: the structured handoff that every stage of the product produces or reads.

The field names and shapes are a public contract (CLI output, HTTP API, evaluation files), so they
live in one place. Everything here is plain data: extraction fills it, the review flow edits it,
`handoff.missing` computes the flags from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["not_started", "in_progress", "in_review", "blocked", "done"]
STATUSES: tuple[str, ...] = ("not_started", "in_progress", "in_review", "blocked", "done")

#: The parts of a declaration a wrap must speak to. A part never mentioned is flagged missing.
LIST_PARTS: tuple[str, ...] = ("shipped", "in_flight", "decisions", "blockers", "next_actions")
REQUIRED_PARTS: tuple[str, ...] = (*LIST_PARTS, "returns_at")


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


class _Part(_Model):
    evidence: list[Evidence] = Field(default_factory=list)


class ShippedItem(_Part):
    summary: str
    refs: list[str] = Field(default_factory=list)


class InFlightItem(_Part):
    item: str
    status: Status = "in_progress"
    summary: str | None = None
    refs: list[str] = Field(default_factory=list)
    owner: str | None = None


class Decision(_Part):
    decision: str
    rationale: str | None = None
    item: str | None = None


class Blocker(_Part):
    description: str
    item: str | None = None
    needed_from: str | None = None
    why_blocking: str | None = None


class NextAction(_Part):
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


# The part name -> item model, used by edits and by the LLM's structured output.
PART_MODELS: dict[str, type[_Part]] = {
    "shipped": ShippedItem,
    "in_flight": InFlightItem,
    "decisions": Decision,
    "blockers": Blocker,
    "next_actions": NextAction,
}


def declaration_schema() -> dict[str, Any]:
    """JSON Schema of the declaration, as printed by `handoff schema`."""
    return Declaration.model_json_schema()
