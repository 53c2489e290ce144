"""BM25 over the field documents, in memory, per team: the lexical half of hybrid retrieval.

An inverted index (term -> postings) so a query only scores the documents that share a term with
it; rank-bm25 scores every document per query term, which is too slow at 100k documents.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from handoff.text import stem, terms

K1 = 1.2
B = 0.75


def tokens(text: str) -> list[str]:
    return [stem(t) for t in terms(text)]


@dataclass
class _TeamIndex:
    postings: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    lengths: dict[str, int] = field(default_factory=dict)
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    total_len: int = 0
    #: handoff id -> its documents, so removing a handoff does not scan every document.
    by_handoff: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: (recorded_ts, doc id) sorted, for time windows; None after a change until asked again.
    by_time: list[tuple[float, str]] | None = None
    times: list[float] = field(default_factory=list)


class LexicalIndex:
    """BM25 per team. Thread-safe; filled in bulk from the vector store, kept in step by adds."""

    def __init__(self) -> None:
        self._teams: dict[str, _TeamIndex] = {}
        self._lock = threading.Lock()

    def has(self, team: str) -> bool:
        return team in self._teams

    def meta(self, team: str, doc_id: str) -> dict[str, Any] | None:
        """A document's metadata (with "_text"), when the team is loaded and has it."""
        idx = self._teams.get(team)
        return idx.meta.get(doc_id) if idx is not None else None

    def ids_between(self, team: str, lo: float, hi: float) -> list[str] | None:
        """The team's documents recorded within [lo, hi] (None when the team is not loaded)."""
        with self._lock:
            idx = self._teams.get(team)
            if idx is None:
                return None
            if idx.by_time is None:  # sorted once after changes, then bisected
                idx.by_time = sorted(
                    (float(m.get("recorded_ts") or 0.0), d) for d, m in idx.meta.items()
                )
                idx.times = [t for t, _ in idx.by_time]
            start = bisect.bisect_left(idx.times, lo)
            stop = bisect.bisect_right(idx.times, hi)
            return [d for _, d in idx.by_time[start:stop]]

    def reset(self, team: str | None = None) -> None:
        with self._lock:
            if team is None:
                self._teams.clear()
            else:
                self._teams.pop(team, None)

    def load(self, team: str, docs: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        idx = _TeamIndex()
        for doc_id, text, meta in docs:
            self._add(idx, doc_id, text, meta)
        with self._lock:
            self._teams[team] = idx

    def add(self, team: str, doc_id: str, text: str, meta: dict[str, Any]) -> None:
        with self._lock:
            idx = self._teams.get(team)
            if idx is not None:
                self._remove(idx, doc_id)
                self._add(idx, doc_id, text, meta)

    def remove_where(self, team: str, keep: Callable[[dict[str, Any]], bool]) -> None:
        with self._lock:
            idx = self._teams.get(team)
            if idx is None:
                return
            for doc_id in [d for d, m in idx.meta.items() if not keep(m)]:
                self._remove(idx, doc_id)

    def remove_handoffs(self, team: str, handoff_ids: Iterable[str]) -> None:
        """Drop every document of these handoffs (what `remove_where` on handoff_id does)."""
        with self._lock:
            idx = self._teams.get(team)
            if idx is None:
                return
            for handoff_id in handoff_ids:
                for doc_id in list(idx.by_handoff.get(handoff_id, ())):
                    self._remove(idx, doc_id)

    @staticmethod
    def _add(idx: _TeamIndex, doc_id: str, text: str, meta: dict[str, Any]) -> None:
        toks = tokens(text)
        for t in toks:
            idx.postings[t][doc_id] = idx.postings[t].get(doc_id, 0) + 1
        idx.lengths[doc_id] = len(toks)
        idx.total_len += len(toks)
        idx.meta[doc_id] = meta
        idx.by_handoff[str(meta.get("handoff_id"))].add(doc_id)
        idx.by_time = None

    @staticmethod
    def _remove(idx: _TeamIndex, doc_id: str) -> None:
        if doc_id not in idx.lengths:
            return
        meta = idx.meta.pop(doc_id, {})
        text = meta.get("_text")
        # A document's own terms are where its postings are; scan them all only without its text.
        for t in set(tokens(text)) if isinstance(text, str) else list(idx.postings):
            posting = idx.postings.get(t)
            if posting is not None and doc_id in posting:
                del posting[doc_id]
                if not posting:
                    del idx.postings[t]
        idx.total_len -= idx.lengths.pop(doc_id)
        idx.by_time = None
        owned = idx.by_handoff.get(str(meta.get("handoff_id")))
        if owned is not None:
            owned.discard(doc_id)
            if not owned:
                del idx.by_handoff[str(meta.get("handoff_id"))]

    def search(
        self,
        team: str,
        query: str,
        *,
        k: int = 40,
        accept: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[tuple[str, float, dict[str, Any]]]:
        idx = self._teams.get(team)
        if idx is None or not idx.lengths:
            return []
        n = len(idx.lengths)
        avg = idx.total_len / n
        scores: dict[str, float] = defaultdict(float)
        for t in set(tokens(query)):
            posting = idx.postings.get(t)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc_id, tf in posting.items():
                norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * idx.lengths[doc_id] / avg))
                scores[doc_id] += idf * norm
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        out: list[tuple[str, float, dict[str, Any]]] = []
        for doc_id, score in ranked:
            meta = idx.meta[doc_id]
            if accept is None or accept(meta):
                out.append((doc_id, score, meta))
                if len(out) >= k:
                    break
        return out
