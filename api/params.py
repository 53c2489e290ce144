"""Parameter and body types the OpenAPI document describes exactly as the routes read them.

Pydantic reads a number as a Unix time where a datetime is expected (`as_of=0.5`), which the
document (`format: date-time`) does not allow: `IsoDateTime` takes only ISO-8601 text, so a
request the document calls invalid is refused (422) and one it calls valid is read.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Header
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from handoff.declaration import Blocker, Decision, InFlightItem, NextAction, ShippedItem
from handoff.store import Handoff

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T t].*)?")


def _iso_only(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not _ISO.fullmatch(text):
            raise ValueError(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "must be an ISO-8601 date and time, e.g. 2026-11-20T09:00:00+08:00"
        ) from None


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
"""A datetime given as ISO-8601 text (never a number)."""

PartName = Literal["shipped", "in_flight", "decisions", "blockers", "next_actions"]


class DeclarationPatch(BaseModel):
    """The body of `PATCH /api/handoffs/{id}`: the declaration's parts to replace, at least one.

    An empty list states the part empty. The team is not here: a handoff never moves team.
    Unknown fields are refused (422), as the document says (`additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    author: str | None = None
    recorded_at: IsoDateTime | None = None
    shipped: list[ShippedItem] | SkipJsonSchema[None] = None
    in_flight: list[InFlightItem] | SkipJsonSchema[None] = None
    decisions: list[Decision] | SkipJsonSchema[None] = None
    blockers: list[Blocker] | SkipJsonSchema[None] = None
    next_actions: list[NextAction] | SkipJsonSchema[None] = None
    returns_at: str | None = Field(
        default=None, description="When the author is back, as said: 'tomorrow 9am SGT'."
    )
    returns_at_iso: IsoDateTime | None = None
    stated_empty: list[PartName] | SkipJsonSchema[None] = None

    def changes(self) -> dict[str, Any]:
        """The fields sent, as JSON values (what the store's edit takes)."""
        return self.model_dump(mode="json", exclude_unset=True)


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag from GET /api/handoffs/{id}: the write applies only to that "
        "version, else 412. Without it the write applies to whatever is current.",
    ),
]


def etag(h: Handoff) -> str:
    """The handoff's version as a strong entity tag (it names the stored record's version)."""
    return f'"{h.version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header names: None for no header or `*` (any version); a
    value that is none of our tags names no version (-1), so the write is refused with 412."""
    if if_match is None or not if_match.strip() or if_match.strip() == "*":
        return None
    for tag in if_match.split(","):
        value = tag.strip().removeprefix("W/").strip('"')
        if value.isascii() and value.isdigit() and len(value) < 12:
            return int(value)
    return -1
