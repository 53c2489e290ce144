"""What one declaration may hold: how many items, and how long each name and text may be.

A reviewer's edit (`PATCH`, the review form, a typed answer) and an extraction are both held to
these limits before anything is written, so one request cannot make a draft that inflates every
page and list that shows it. An edit over a limit is refused with `InvalidInput` (422, the shape
is wrong); an extraction that yields too many items is refused with `TooManyItems`, which names
the setting, so the job fails with a sentence instead of storing tens of thousands of rows.

Names (`author`, `item`, `owner`, `needed_from`, `speaker`, each ref) have the short limit
`HANDOFF_MAX_NAME_CHARS`; every other text has `HANDOFF_MAX_FIELD_CHARS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handoff.declaration import LIST_PARTS, Declaration
from handoff.errors import InvalidInput
from handoff.settings import Settings

NAME_KEYS = frozenset({"author", "item", "owner", "needed_from", "speaker", "refs"})
"""Keys whose text is a name (or, for `refs`, a list of names)."""


class TooManyItems(InvalidInput):
    """A declaration (extracted or edited) with more items than `HANDOFF_MAX_ITEMS`."""


@dataclass(frozen=True, slots=True)
class DeclarationLimits:
    max_items: int = 500
    max_name_chars: int = 200
    max_field_chars: int = 4_000

    @classmethod
    def from_settings(cls, settings: Settings) -> DeclarationLimits:
        return cls(
            max_items=settings.max_items,
            max_name_chars=settings.max_name_chars,
            max_field_chars=settings.max_field_chars,
        )


def item_count(parts: Mapping[str, Any]) -> int:
    """Items over all list parts of a declaration's JSON (or of a `Declaration`)."""
    return sum(len(parts.get(part) or []) for part in LIST_PARTS)


def check_items(count: int, limits: DeclarationLimits) -> None:
    if count > limits.max_items:
        raise TooManyItems(
            f"The declaration would hold {count:,} items; the most allowed is "
            f"{limits.max_items:,} (HANDOFF_MAX_ITEMS)."
        )


def check_declaration(decl: Declaration, limits: DeclarationLimits) -> None:
    """Refuse an extracted declaration with more items than the limit (texts are the
    extractor's, cut from a wrap already held to its own limit)."""
    check_items(item_count(decl.model_dump()), limits)


def check_patch(current: Declaration, patch: Mapping[str, Any], limits: DeclarationLimits) -> None:
    """Refuse an edit whose texts are too long or that leaves too many items, before storing."""
    check_text(patch, limits)
    parts = {p: patch[p] if p in patch else getattr(current, p) for p in LIST_PARTS}
    check_items(sum(len(v) if isinstance(v, list) else 0 for v in parts.values()), limits)


def check_text(
    value: Any, limits: DeclarationLimits, *, path: str = "", name: bool = False
) -> None:
    """Walk JSON-like data; the first text over its limit raises InvalidInput naming it."""
    if isinstance(value, str):
        limit, setting = (
            (limits.max_name_chars, "HANDOFF_MAX_NAME_CHARS")
            if name
            else (limits.max_field_chars, "HANDOFF_MAX_FIELD_CHARS")
        )
        if len(value) > limit:
            raise InvalidInput(
                f"'{path or 'the text'}' is longer than {limit:,} characters ({setting})."
            )
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            check_text(inner, limits, path=where, name=str(key) in NAME_KEYS)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            check_text(inner, limits, path=f"{path}[{i}]", name=name)
