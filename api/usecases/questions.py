"""Questions over the published state of a team's work, answered with citations.

A follow-up ("and who owns it?") is read in the context of its conversation: the earlier
questions, oldest first. The API takes them in the request; the CLI keeps them on disk
(`api.cli.conversations`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from api.usecases.teams import team_name
from api.wiring.services import Services
from search.answer import Turn


def ask(
    svc: Services,
    question: str,
    *,
    team: str | None,
    as_of: datetime | None = None,
    conversation: Sequence[Turn] = (),
) -> dict[str, Any]:
    """Answer from the team's published handoffs, with citations. `conversation` is the
    earlier questions of the same conversation (strings or {"question": ...})."""
    return dict(
        svc.answerer.ask(
            question, team=team_name(svc, team), as_of=as_of, conversation=conversation
        )
    )


def ask_stream(
    svc: Services,
    question: str,
    *,
    team: str | None,
    as_of: datetime | None = None,
    conversation: Sequence[Turn] = (),
) -> Iterator[dict[str, Any]]:
    """The same answer as events: {"type": "token", "text"}..., then {"type": "done", ...}."""
    return svc.answerer.stream(
        question, team=team_name(svc, team), as_of=as_of, conversation=conversation
    )
