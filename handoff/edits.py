"""Applying a reviewer's edit to a declaration, and keeping the list of what was masked: the
pure parts of `handoff.store`'s edits (no session, no transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from handoff.declaration import LIST_PARTS, Declaration
from handoff.errors import InvalidInput
from handoff.missing import with_flags


def patched(current: Declaration, patch: dict[str, Any], *, team: str) -> Declaration:
    """`current` with the parts in `patch` replaced, validated, its flags recomputed.

    An empty list is the reviewer stating the part empty (not flagged); a non-empty one takes that
    statement back. Raises `InvalidInput` on anything the schema refuses."""
    data = current.model_dump(mode="json")
    stated_empty = set(current.stated_empty)
    for key, value in patch.items():
        if key == "team" and value != team:
            raise InvalidInput("A handoff cannot be moved to another team.")
        if key in LIST_PARTS:
            if not isinstance(value, list):
                raise InvalidInput(f"'{key}' must be a list.")
            if value:
                stated_empty.discard(key)
            else:
                stated_empty.add(key)
        data[key] = value
    if "stated_empty" not in patch:
        data["stated_empty"] = sorted(stated_empty)
    try:
        return with_flags(Declaration.model_validate(data))
    except ValidationError as exc:
        raise InvalidInput(validation_sentence(exc)) from exc


def with_masked(
    current: list[dict[str, Any]] | None, new: Iterable[dict[str, Any]]
) -> list[dict[str, Any]] | None:
    """What was masked so far plus `new`, each entry once (re-running extraction finds the same
    secrets again); None while nothing was."""
    out = list(current or [])
    out.extend(entry for entry in new if entry not in out)
    return out or None


def validation_sentence(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"Invalid value at '{where}': {first['msg']}."
