"""Team names are slugs: one rule that every entry point (HTTP, CLI, import, vocabulary) applies.

A team's name ends up in URLs, in queries and, historically, in folder names; a slug of lowercase
letters, digits, `-` and `_` can do none of those any harm. The check is a full match on ASCII
only, so look-alike separators (`∕`, `／`), NUL bytes and dots are refused rather than cleaned up:
cleaning would let two different inputs name the same team.
"""

from __future__ import annotations

import re

from handoff.errors import InvalidInput

TEAM_MAX_LENGTH = 64
_SLUG = re.compile(r"[a-z0-9_-]{1,64}", re.ASCII)


def validate_team(value: str) -> str:
    """`value` itself when it is a valid team slug; InvalidInput with one sentence otherwise."""
    if not isinstance(value, str) or _SLUG.fullmatch(value) is None:
        shown = repr(value)[:80]
        raise InvalidInput(
            f"The team name {shown} is not valid: use 1 to {TEAM_MAX_LENGTH} lowercase letters, "
            "digits, '-' or '_'."
        )
    return value
