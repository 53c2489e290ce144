"""The questions log: one row per question asked over a team's handoffs, for the query-usage
metric (asked per day, answered vs "no record", citations followed).

A question is "answered" when its answer cites at least one handoff and does not open by saying
that nothing answers it; otherwise it is "no record". The text of the question is not kept: the
metric needs none of it. Following a citation (the link in the answer) adds one to `followed`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from handoff.models import Base, utcnow

#: How the offline composer says there is no record (it may still cite nearby passages).
_NO_RECORD = re.compile(r"^(Nothing in team \S+ published handoffs answers|No handoff mentions)")


class QuestionRecord(Base):
    __tablename__ = "questions_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    asker_id: Mapped[str | None] = mapped_column(String(32))
    asker: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(20))  # api | stream | cli
    intent: Mapped[str | None] = mapped_column(String(40))
    answered: Mapped[bool] = mapped_column(Boolean)
    citations: Mapped[int] = mapped_column(Integer, default=0)
    followed: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index("ix_questions_log_team_asked", "team", "asked_at"),
        Index("ix_questions_log_asker", "asker_id", "asked_at", "team"),
    )


def is_answered(answer: Mapping[str, Any]) -> bool:
    """Whether an answer is one (it cites something and does not say there is no record)."""
    text = str(answer.get("answer") or "")
    return bool(answer.get("citations")) and _NO_RECORD.match(text) is None


def record_question(
    session: Session,
    *,
    team: str,
    answer: Mapping[str, Any],
    asker_id: str | None,
    asker: str,
    via: str,
) -> int:
    """Log one answered question in the caller's transaction; its id (the answer carries it,
    so a followed citation can be counted against it)."""
    row = QuestionRecord(
        team=team,
        asked_at=utcnow(),
        asker_id=asker_id,
        asker=asker[:200],
        via=via,
        intent=str(answer.get("intent"))[:40] if answer.get("intent") else None,
        answered=is_answered(answer),
        citations=len(answer.get("citations") or ()),
        followed=0,
    )
    session.add(row)
    session.flush()
    return int(row.id)


def citation_followed(session: Session, *, team: str, question_id: int) -> bool:
    """Count one followed citation of a team's question; False when there is no such question
    in the team (a stale or foreign link counts nothing)."""
    result = session.execute(
        update(QuestionRecord)
        .where(QuestionRecord.id == question_id, QuestionRecord.team == team)
        .values(followed=QuestionRecord.followed + 1)
    )
    return bool(getattr(result, "rowcount", 0))
