"""Answering a question from the current state of the work, with citations.

    question -> understand (intent, subject, people, window, follow-up context)
             -> hybrid retrieval (BM25 + vectors, team and time filtered)
             -> ledger items the hits point to, in their state as of the moment asked about
             -> the offline composer, or an LLM writing from those facts only

The answer is a dict: {"answer", "citations": [{handoff_id, author, recorded_at, quote, kind,
item_id, start_s}], "intent", "understood"}.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.ledger.queries import ItemView, Snapshot, read_items
from search.compose import compose
from search.index import FieldIndex, Hit
from search.question import Question, understand
from search.retrieve import Filters, hybrid_search
from search.selection import Context

if TYPE_CHECKING:
    from search.llm import LLMAnswerer

SessionFactory = Callable[[], AbstractContextManager[Session]]
PEOPLE_TTL_S = 10.0
Turn = str | dict[str, Any]


@dataclass
class SqlLedger:
    """The composer's view of one team's ledger as of a moment (implements `LedgerAccess`)."""

    session: SessionFactory
    team: str
    as_of: datetime | None
    #: The team's current ledger in memory; used for questions about now (no `as_of`).
    snapshot: Snapshot | None = None

    def items(
        self,
        *,
        kinds: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[ItemView]:
        with self.session() as s:
            if self.as_of is None and self.snapshot is not None:
                return self.snapshot.items(
                    s, kinds=kinds, states=states, ids=ids, limit=limit, refresh=False
                )
            return read_items(
                s, self.team, kinds=kinds, states=states, ids=ids, as_of=self.as_of, limit=limit
            )

    def item_ids(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        author: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[str]:
        q = (
            select(LedgerEvent.item_id)
            .distinct()
            .join(LedgerItem, LedgerItem.id == LedgerEvent.item_id)
            .where(LedgerEvent.team == self.team)
        )
        if since is not None:
            q = q.where(LedgerEvent.at >= since)
        top = (
            min(t for t in (until, self.as_of) if t is not None) if (until or self.as_of) else None
        )
        if top is not None:
            q = q.where(LedgerEvent.at <= top)
        if status:
            q = q.where(LedgerEvent.status == status)
        if author:
            first = author.split()[0]
            q = q.where(LedgerEvent.author.ilike(f"{first}%"))
        if kinds:
            q = q.where(LedgerItem.kind.in_(tuple(kinds)))
        with self.session() as s:
            return [str(i) for i in s.scalars(q.limit(500))]

    def named(self, words: Sequence[str], *, kinds: Sequence[str]) -> list[str]:
        words = [w for w in words if w][:6]
        if not words:
            return []
        q = select(LedgerItem.id).where(
            LedgerItem.team == self.team,
            LedgerItem.kind.in_(tuple(kinds)),
            or_(*[LedgerItem.key.like(f"%{w.lstrip('#')}%") for w in words]),
        )
        if self.as_of is not None:
            q = q.where(LedgerItem.first_at <= self.as_of)
        with self.session() as s:
            return [str(i) for i in s.scalars(q.order_by(LedgerItem.last_at.desc()).limit(60))]

    def names_ever(self, words: Sequence[str]) -> list[str]:
        words = [w for w in words if w][:6]
        if not words:
            return []
        q = select(LedgerItem.name).where(
            LedgerItem.team == self.team,
            or_(*[LedgerItem.key.like(f"%{w}%") for w in words]),
        )
        with self.session() as s:
            return [str(n) for n in s.scalars(q.limit(60))]


class Answerer:
    """Questions in, cited answers out; offline unless an `LLMAnswerer` is given."""

    def __init__(
        self,
        *,
        index: FieldIndex,
        session: SessionFactory,
        people: Callable[[str], list[str]],
        timezone: str = "UTC",
        llm: LLMAnswerer | None = None,
    ) -> None:
        self.index = index
        self.session = session
        self.people = people
        self.timezone = timezone
        self.llm = llm
        self._snapshots: dict[str, Snapshot] = {}
        self._people_cache: dict[str, tuple[Any, float, list[str]]] = {}
        self._snapshots_lock = threading.Lock()

    def _people(self, team: str) -> list[str]:
        """The team's people, asked again when its ledger changed or after `PEOPLE_TTL_S` (a
        draft by a new author changes no ledger): listing them scans every handoff."""
        snapshot = self.snapshot(team)
        with self.session() as s:
            snapshot.refresh(s)
        key = snapshot.version
        cached = self._people_cache.get(team)
        now = time.monotonic()
        if cached is not None and cached[0] == key and now - cached[1] < PEOPLE_TTL_S:
            return cached[2]
        people = self.people(team)
        self._people_cache[team] = (key, now, people)
        return people

    def snapshot(self, team: str) -> Snapshot:
        """The team's current ledger, kept in memory between questions (see `Snapshot`)."""
        with self._snapshots_lock:
            if team not in self._snapshots:
                self._snapshots[team] = Snapshot(team)
            return self._snapshots[team]

    def understand(
        self,
        question: str,
        *,
        team: str,
        as_of: datetime | None,
        conversation: Sequence[Turn] = (),
    ) -> Question:
        people = self._people(team)
        previous: Question | None = None
        for turn in conversation:
            text = (
                turn if isinstance(turn, str) else str(turn.get("question") or turn.get("q") or "")
            )
            if text.strip():
                previous = understand(
                    text, people=people, as_of=as_of, timezone=self.timezone, previous=previous
                )
        return understand(
            question, people=people, as_of=as_of, timezone=self.timezone, previous=previous
        )

    def retrieve(self, q: Question, *, team: str, k: int = 30) -> list[Hit]:
        text = q.text
        if q.inherited.get("subject"):
            text = f"{text} {q.inherited['subject']}"
        window_bound = q.intent == "shipped"
        filters = Filters(
            team=team,
            until=q.as_of,
            since=q.since if window_bound else None,
        )
        return hybrid_search(self.index, text, filters, k=k)

    def context(self, q: Question, *, team: str) -> Context:
        hits = self.retrieve(q, team=team)
        retrieval: dict[str, float] = {}
        top = hits[0].score if hits else 1.0
        for h in hits:
            item_id = h.metadata.get("item_id")
            if item_id and item_id not in retrieval:
                retrieval[str(item_id)] = h.score / top if top else 0.0
        snapshot = self.snapshot(team)
        if q.as_of is None:
            with self.session() as s:
                snapshot.refresh(s)  # once per question; the composer reads it several times
        ledger = SqlLedger(self.session, team, q.as_of, snapshot)

        def parents(items: Sequence[ItemView]) -> dict[str, ItemView]:
            ids = sorted({it.parent_id for it in items if it.parent_id})
            return {p.id: p for p in ledger.items(ids=ids)} if ids else {}

        return Context(
            q=q, team=team, ledger=ledger, hits=hits, retrieval=retrieval, parents=parents
        )

    def ask(
        self,
        question: str,
        *,
        team: str,
        as_of: datetime | None = None,
        conversation: Sequence[Turn] = (),
    ) -> dict[str, Any]:
        started = time.perf_counter()
        q = self.understand(question, team=team, as_of=as_of, conversation=conversation)
        ctx = self.context(q, team=team)
        result = compose(ctx)
        if self.llm is not None:
            result = self.llm.answer(q, result, ctx.hits)
        result["intent"] = q.intent
        result["understood"] = _understood(q)
        result["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return result

    def stream(
        self,
        question: str,
        *,
        team: str,
        as_of: datetime | None = None,
        conversation: Sequence[Turn] = (),
    ) -> Iterator[dict[str, Any]]:
        """{"type": "token", "text"} pieces, then {"type": "done", **answer}."""
        q = self.understand(question, team=team, as_of=as_of, conversation=conversation)
        ctx = self.context(q, team=team)
        offline = compose(ctx)
        if self.llm is not None:
            final: dict[str, Any] | None = None
            for event in self.llm.stream(q, offline, ctx.hits):
                if event["type"] == "done":
                    final = event
                else:
                    yield event
            result = {k: v for k, v in (final or offline).items() if k != "type"}
        else:
            for word in offline["answer"].split(" "):
                yield {"type": "token", "text": word + " "}
            result = offline
        result["intent"] = q.intent
        result["understood"] = _understood(q)
        yield {"type": "done", **result}


def _understood(q: Question) -> dict[str, Any]:
    return {
        "intent": q.intent,
        "subject": q.subject_text or None,
        "refs": list(q.refs),
        "people": list(q.people),
        "as_of": q.as_of.isoformat() if q.as_of else None,
        "since": q.since.isoformat() if q.since else None,
        "until": q.until.isoformat() if q.until else None,
        "follow_up": q.follow_up,
        "inherited": q.inherited or None,
    }
