"""Hybrid retrieval: BM25 and vectors fused by reciprocal rank, filtered by team and time, boosted
by recency. Open state is boosted later, from the ledger, where the current state lives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from search.index import FieldIndex, Hit

RRF_K = 60
HALF_LIFE_DAYS = 14.0


@dataclass(frozen=True, slots=True)
class Filters:
    team: str
    until: datetime | None = None
    since: datetime | None = None
    kinds: Sequence[str] | None = None


def _where(f: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if f.until is not None:
        clauses.append({"recorded_ts": {"$lte": f.until.timestamp()}})
    if f.since is not None:
        clauses.append({"recorded_ts": {"$gte": f.since.timestamp()}})
    if f.kinds:
        clauses.append({"kind": {"$in": list(f.kinds)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _accept(f: Filters) -> Any:
    lo = f.since.timestamp() if f.since else -math.inf
    hi = f.until.timestamp() if f.until else math.inf
    kinds = set(f.kinds) if f.kinds else None

    def accept(meta: dict[str, Any]) -> bool:
        ts = float(meta.get("recorded_ts") or 0.0)
        return lo <= ts <= hi and (kinds is None or meta.get("kind") in kinds)

    return accept


def hybrid_search(index: FieldIndex, query: str, filters: Filters, *, k: int = 30) -> list[Hit]:
    """The best `k` documents for the query: RRF over both rankings, times a recency factor."""
    depth = max(k, 40)
    accept = _accept(filters)
    vector = index.vector_search(
        query, team=filters.team, where=_where(filters), k=depth, accept=accept
    )
    lexical = index.lexical_search(query, team=filters.team, accept=accept, k=depth)
    fused: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for ranking in (vector, lexical):
        for rank, hit in enumerate(ranking):
            fused[hit.id] = fused.get(hit.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            if hit.id not in best or hit.similarity is not None:
                best[hit.id] = hit
    ref_ts = (filters.until.timestamp() if filters.until else None) or max(
        (float(h.metadata.get("recorded_ts") or 0.0) for h in best.values()), default=0.0
    )
    out: list[Hit] = []
    for doc_id, score in fused.items():
        hit = best[doc_id]
        age_days = max(0.0, ref_ts - float(hit.metadata.get("recorded_ts") or 0.0)) / 86400
        recency = 0.5 ** (age_days / HALF_LIFE_DAYS)
        out.append(
            Hit(
                hit.id,
                hit.text,
                hit.metadata,
                score * (0.75 + 0.25 * recency),
                similarity=hit.similarity,
            )
        )
    out.sort(key=lambda h: h.score, reverse=True)
    return out[:k]
