"""Questions over the published state of a team's work, answered with citations.

A follow-up ("and who owns it?") is read in the context of its conversation: the earlier
questions, oldest first. The API takes them in the request; the CLI keeps them on disk
(`api.cli.conversations`).

Every answered question is logged for the query-usage metric (`handoff.metrics.questions`):
who asked, when, whether it was answered, how many citations; the answer carries the row's
`question_id`, which a followed citation link names.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from api.usecases.teams import team_name
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.metrics.questions import citation_followed, record_question
from search.answer import Turn


def ask(
    svc: Services,
    question: str,
    *,
    team: str | None,
    as_of: datetime | None = None,
    conversation: Sequence[Turn] = (),
    asker: Actor | None = None,
    via: str = "api",
) -> dict[str, Any]:
    """Answer from the team's published handoffs, with citations. `conversation` is the
    earlier questions of the same conversation (strings or {"question": ...}); `asker` who
    asked (the question is logged under their name; an operator without one)."""
    slug = team_name(svc, team)
    result = dict(svc.answerer.ask(question, team=slug, as_of=as_of, conversation=conversation))
    result["question_id"] = log_question(svc, slug, result, asker=asker, via=via)
    return result


def ask_stream(
    svc: Services,
    question: str,
    *,
    team: str | None,
    as_of: datetime | None = None,
    conversation: Sequence[Turn] = (),
    asker: Actor | None = None,
) -> Iterator[dict[str, Any]]:
    """The same answer as events: {"type": "token", "text"}..., then {"type": "done", ...};
    the question is logged when the answer is complete."""
    slug = team_name(svc, team)
    for event in svc.answerer.stream(question, team=slug, as_of=as_of, conversation=conversation):
        if event.get("type") == "done":
            event = {
                **event,
                "question_id": log_question(svc, slug, event, asker=asker, via="stream"),
            }
        yield event


def log_question(
    svc: Services, team: str, answer: dict[str, Any], *, asker: Actor | None, via: str
) -> int:
    who = asker or Actor.operator()
    with svc.store.session() as session:
        return record_question(
            session, team=team, answer=answer, asker_id=who.user_id, asker=who.name, via=via
        )


def follow_citation(svc: Services, team: str, question_id: int) -> bool:
    """Count one followed citation link of a team's question (False: no such question)."""
    with svc.store.session() as session:
        return citation_followed(session, team=team, question_id=question_id)
