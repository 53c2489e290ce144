"""Which ledger items and passages an answer is about: how well each fits the question's subject,
and the items that stand in when none is named outright (a decision that replaced the one asked
about, a blocker raised beside the work asked about, the latest plan for that work).

The composers (`search.compose`) decide what to say about the items chosen here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handoff.ledger.queries import ItemView
from handoff.text import overlap, stems, strong_terms
from search.index import Hit
from search.question import Question


class LedgerAccess(Protocol):
    """What the composer reads from the ledger, for one team at one moment."""

    as_of: datetime | None

    def items(
        self,
        *,
        kinds: Sequence[str] | None = None,
        states: Sequence[str] | None = None,
        ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[ItemView]: ...

    def item_ids(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        status: str | None = None,
        author: str | None = None,
        kinds: Sequence[str] | None = None,
    ) -> list[str]: ...

    def named(self, words: Sequence[str], *, kinds: Sequence[str]) -> list[str]: ...

    def names_ever(self, words: Sequence[str]) -> list[str]:
        """Names of the team's items with any of `words`, at any time (not only up to as_of)."""
        ...


def _item_words(item: ItemView, parent: ItemView | None) -> frozenset[str]:
    text = " ".join(
        # The work's own summary too: "UPS" as extracted is "the UPS onboarding screen" as said.
        [item.name, item.summary or "", " ".join(item.refs)]
        + ([parent.name, parent.summary or ""] if parent else [])
        + [e.text for e in item.events[-3:]]
    )
    return stems(text) | {t.lower() for t in item.refs}


def _matches(word: str, words: frozenset[str] | set[str]) -> bool:
    if word in words:
        return True
    return len(word) >= 3 and any(
        (w.startswith(word) or (len(w) >= 4 and word.startswith(w))) for w in words
    )


def relevance(
    q: Question, item: ItemView, parent: ItemView | None, retrieval: dict[str, float]
) -> float:
    """How well an item fits the question's subject (0 = not at all, ~1 = named outright)."""
    words = _item_words(item, parent)
    score = 0.0
    if q.refs and any(r.lower() in words or r in item.refs for r in q.refs):
        score = 1.0
    if q.subject:
        hits = sum(1 for s in q.subject if _matches(s, words))
        score = max(score, hits / len(q.subject))
    vec = max(retrieval.get(item.id, 0.0), 0.8 * retrieval.get(item.parent_id or "", 0.0))
    # One shared word of a longer subject ("data" of "data lake migration") is another subject:
    # retrieval similarity, which that one word drives, cannot lift it to a fit.
    weight = 0.35 if score >= 0.4 else 0.1
    return score + weight * vec


@dataclass
class Context:
    """One question being answered for one team: what choosing items and composing both read."""

    q: Question
    team: str
    ledger: LedgerAccess
    hits: list[Hit]
    retrieval: dict[str, float]  # item id -> 0..1 from the hybrid ranking
    parents: Callable[[Sequence[ItemView]], dict[str, ItemView]]


def _scored(ctx: Context, items: Sequence[ItemView]) -> list[tuple[float, ItemView]]:
    parents = ctx.parents(items)
    return [
        (relevance(ctx.q, it, parents.get(it.parent_id or ""), ctx.retrieval), it) for it in items
    ]


def pick(
    ctx: Context, items: Sequence[ItemView], *, threshold: float = 0.5, margin: float = 0.45
) -> list[ItemView]:
    """Items that fit the subject (all of them when the question names none), best first;
    `margin` is how far below the best fit an item may be and still be kept."""
    if not ctx.q.has_subject:
        return list(items)
    scored = [(s, it) for s, it in _scored(ctx, items) if s >= threshold]
    if not scored:
        return []
    top = max(s for s, _ in scored)
    keep = [(s, it) for s, it in scored if s >= min(top, 1.0) - margin]
    keep.sort(key=lambda p: (p[0], p[1].last_at), reverse=True)
    return [it for _, it in keep]


def text_of(item: ItemView) -> str:
    """Everything said about an item: its name, summary and every event's text."""
    return " ".join([item.name, item.summary or "", *(e.text for e in item.events)])


def related(work: Sequence[ItemView], pool: Sequence[ItemView]) -> list[ItemView]:
    """Items of `pool` written in the same handoff as a mention of one of `work` and sharing an
    identifying word with it: a decision or next step stated beside the work it is about,
    without naming it ("Picked up the quality checks ... Decision: Great Expectations over
    Soda"). Newest first."""
    out: dict[str, ItemView] = {}
    for w in work:
        handoffs = {e.handoff_id for e in w.events}
        words = strong_terms(text_of(w))
        for it in pool:
            if it.id in out or it.id == w.id:
                continue
            if any(e.handoff_id in handoffs for e in it.events) and strong_terms(it.name) & words:
                out[it.id] = it
    return sorted(out.values(), key=lambda it: it.last_at, reverse=True)


def replacements(ctx: Context, current: Sequence[ItemView]) -> list[ItemView]:
    """Current decisions that replaced an earlier one on the subject, when the new wording does
    not repeat it ("move logs to Loki", then "we're staying on Elasticsearch (reverting the Loki
    decision)" answers "what did we decide about logging?")."""
    old = pick(ctx, ctx.ledger.items(kinds=("decision",), states=("superseded",)), threshold=0.45)
    by_id = {it.id: it for it in current}
    if not old:
        return []
    # Every decision once, in memory: the chains are walked here, not one ledger read per link.
    nxt_of = {it.id: it.superseded_by for it in ctx.ledger.items(kinds=("decision",))}
    ends: dict[str, str | None] = {}  # where a chain from this id ends in `current`, if it does

    def end_of(start: str | None) -> str | None:
        path: list[str] = []
        nxt, seen = start, set()
        while nxt and nxt not in by_id and nxt not in seen and nxt not in ends:
            seen.add(nxt)
            path.append(nxt)
            if nxt not in nxt_of:
                later = ctx.ledger.items(ids=[nxt])
                nxt_of[nxt] = later[0].superseded_by if later else None
            nxt = nxt_of[nxt]
        found = ends[nxt] if nxt and nxt in ends else (nxt if nxt and nxt in by_id else None)
        for step in path:
            ends[step] = found
        return found

    out: dict[str, ItemView] = {}
    for it in old:
        found = end_of(it.superseded_by)
        if found:
            out[found] = by_id[found]
    return list(out.values())


def beside_work(ctx: Context, blockers: Sequence[ItemView]) -> list[ItemView]:
    """Blockers tied to no item, raised in a handoff whose only work is the work asked about
    ("Terraform upgrade in progress. Blocker: state bucket locked, need Chen to unlock it")."""
    if not ctx.q.has_subject or not any(not b.parent_id for b in blockers):
        return []
    asked = {w.id for w in subject_work(ctx)[:2]}
    if not asked:
        return []
    work = ctx.ledger.items(kinds=("work",), limit=400)
    out: list[ItemView] = []
    for b in blockers:
        if b.parent_id or not b.events:
            continue
        opened = b.events[0].handoff_id
        named = {w.id for w in work if any(e.handoff_id == opened for e in w.events)}
        if len(named) == 1 and named <= asked:
            out.append(b)
    return out


def drop_overtaken(ctx: Context, work: list[ItemView]) -> list[ItemView]:
    """Leave out an unfinished item when a later item, reported done, is the same work under
    another name ("Cert renewal for the ingress" in progress, then "Cert renewal done on prod")
    and fits the question as well: its old status is no longer the state of that work."""
    if len(work) < 2:
        return work
    score = {it.id: s for s, it in _scored(ctx, work)}
    done = [it for it in work if it.state == "done"]
    keep: list[ItemView] = []
    for it in work:
        overtaken = it.state != "done" and any(
            d.last_at > it.last_at
            and score[d.id] >= score[it.id] - 0.05
            and overlap(it.name, text_of(d)) >= 0.5
            and overlap(d.name, text_of(it)) >= 0.5
            for d in done
        )
        if not overtaken:
            keep.append(it)
    return keep


def subject_work(ctx: Context) -> list[ItemView]:
    """The work items the question is about, when it names one (the best fits only)."""
    return pick(
        ctx,
        ctx.ledger.items(ids=candidate_ids(ctx, ("work",)), kinds=("work",)),
        margin=0.2,
    )


def with_latest_plan(
    ctx: Context, chosen: list[ItemView], acts: Sequence[ItemView]
) -> list[ItemView]:
    """The next steps of the work asked about, as its latest handoff states them, first; a step
    from before that handoff is an older plan and is left out when a newer one exists."""
    work = subject_work(ctx)[:1]
    if not work:
        return chosen
    latest = work[0].events[-1]
    plan = [
        a for a in related(work, acts) if any(e.handoff_id == latest.handoff_id for e in a.events)
    ]
    if not plan:
        return chosen
    rest = [a for a in chosen if a.last_at >= latest.at and a not in plan]
    return plan + rest


def recorded_after(hit: Hit, since: datetime) -> bool:
    at = hit.metadata.get("recorded_at")
    if not at:
        return False
    when = datetime.fromisoformat(str(at))
    if when.tzinfo is None or since.tzinfo is None:
        return when.replace(tzinfo=None) >= since.replace(tzinfo=None)
    return when >= since


def covers(q: Question, text: str) -> bool:
    """A passage is about the question's subject: it has a ref the question names, or most of
    the subject's words (one shared word of "data lake migration" is not the same subject)."""
    if q.refs and any(r.lower().lstrip("#") in text.lower() for r in q.refs):
        return True
    if not q.subject:
        return False
    words = stems(text)
    found = sum(1 for w in q.subject if _matches(w, words))
    return found >= max(1, -(-len(q.subject) * 3 // 5))


def named_fully(ctx: Context, items: list[ItemView]) -> list[ItemView]:
    """The items whose own names have every word of the subject, when some do ("label
    exporter" is not "Zofia's exporter review"); all of `items` otherwise."""
    if not ctx.q.subject:
        return items
    full = [it for it in items if all(_matches(w, stems(it.name)) for w in ctx.q.subject)]
    # "the anomaly alerts" is the item of that very name, not "pager routing for the alerts".
    exact = [it for it in full if len(stems(it.name)) <= len(ctx.q.subject)]
    return exact or full or items


#: Every kind of ledger item: what "is it mentioned at all" looks through.
ALL_KINDS = ("work", "blocker", "decision", "action", "return")


def unknown(ctx: Context) -> bool:
    """The question names something no published handoff of the team mentions (up to the moment
    asked about): no passage and no item covers its subject. Such a question gets "no record",
    never "nothing is blocking it", which would assert a fact about work nobody reported."""
    if ctx.q.refs:
        return not any(covers(ctx.q, h.text) for h in ctx.hits)
    subject = [w for w in ctx.q.subject if len(w) >= 3 and not w.isdigit()]
    if not subject:
        return False
    texts = [h.text for h in ctx.hits]
    texts += [text_of(it) for it in ctx.ledger.items(ids=candidate_ids(ctx, ALL_KINDS))]
    if ctx.ledger.as_of is not None:
        # Asked as of a moment before the thing had its present name ("alert routing" said on
        # Friday, asked as of Thursday): it is known, and the state then answers, not "no record".
        texts += ctx.ledger.names_ever(subject)
    need = max(1, -(-len(subject) * 3 // 5))
    # A short phrase's head ("checkout" in "gift card checkout") must be there as itself: a text
    # about the loyalty card that "checks" something does not mention the gift card checkout. (A
    # longer subject is a clause, "syncing each claim as soon as it's approved", with no head.)
    head = subject[-1] if len(subject) <= 3 and _ends_on_noun_phrase(ctx.q.text) else ""

    def mentions(words: frozenset[str]) -> bool:
        found = sum(_loosely(w, words) for w in subject)
        if found < need:
            return False
        # the head said as itself, or every word of the phrase there at least loosely
        return any(w.startswith(head) for w in words) or found == len(subject)

    return not any(mentions(words) for words in map(stems, texts))


def _ends_on_noun_phrase(question: str) -> bool:
    """'what's blocking the gift card checkout?': the subject is a named thing whose last word is
    its head; 'why did we stop syncing claims as soon as they're approved?' ends on no noun."""
    return re.search(r"\b(?:the|a|an|our|their|its)\s+(?:[\w'-]+\s+){0,3}[\w'-]+\s*\??\s*$",
                     question, re.I) is not None  # fmt: skip


def _loosely(word: str, words: frozenset[str]) -> bool:
    """`_matches`, or the same first four letters of two longer words ("storage" and "store"):
    saying there is no record must not hang on how a word was inflected."""
    if _matches(word, words):
        return True
    return len(word) >= 5 and any(len(w) >= 5 and w[:4] == word[:4] for w in words)


def candidate_ids(ctx: Context, kinds: Sequence[str]) -> list[str]:
    """Item ids the retrieval found, plus items whose names contain the subject's words."""
    ids = list(ctx.retrieval)
    words = [w for w in ctx.q.subject if len(w) >= 3] + [r.lower() for r in ctx.q.refs]
    ids.extend(ctx.ledger.named(words, kinds=kinds))
    return list(dict.fromkeys(ids))
