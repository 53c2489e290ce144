"""Team names: the one rule every entry point applies before a team reaches storage.

A team name travels into database rows, index filters and (historically) folder names, so it is a
slug — lowercase letters, digits, `-` and `_`, 1 to 64 characters — checked at the boundary of the
domain: the store, the vocabulary, the HTTP models and the CLI all call `validate_team`. Nothing on
disk is named after a team any more; the rule keeps the name inert wherever it goes.
"""

from __future__ import annotations

import re

from handoff.errors import InvalidInput

TEAM_PATTERN = r"^[a-z0-9_-]{1,64}$"
"""The slug rule, also given to FastAPI and pydantic so OpenAPI documents it."""

_TEAM_RE = re.compile(r"[a-z0-9_-]{1,64}")

HANDOFF_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""Ids a client may choose for imported handoffs (history from elsewhere); servers use uuid hex."""

_HANDOFF_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def validate_team(value: str) -> str:
    """The team name itself when it is a slug; else InvalidInput with one sentence."""
    if not isinstance(value, str) or not _TEAM_RE.fullmatch(value):
        raise InvalidInput(
            "A team name is 1 to 64 lowercase letters, digits, '-' or '_' (for example 'payments')."
        )
    return value


def validate_handoff_id(value: str) -> str:
    """A client-chosen handoff id when it is safe to store; else InvalidInput with one sentence."""
    if not isinstance(value, str) or not _HANDOFF_ID_RE.fullmatch(value):
        raise InvalidInput("A handoff id is 1 to 64 letters, digits, '-' or '_'.")
    return value
