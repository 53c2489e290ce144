"""The offline composer: complete, readable answers from the ledger's state and retrieved facts,
every sentence citing the handoff it came from. No model, so no invention: each sentence is built
from a stored item or a quoted passage. Which items an answer is about is `search.selection`'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from handoff.ledger.cues import CHANGE_RE, says_owner_change
from handoff.ledger.queries import EventView, ItemView
from search.index import Hit
from search.selection import (
    Context,
    beside_work,
    candidate_ids,
    covers,
    drop_overtaken,
    named_fully,
    pick,
    recorded_after,
    related,
    replacements,
    subject_work,
    text_of,
    unknown,
    with_latest_plan,
)

STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "in_review": "in review",
    "blocked": "blocked",
    "done": "done",
}
MAX_LISTED = 8


def _when(at: datetime) -> str:
    return f"{at:%A} {at.day} {at:%b}"


@dataclass
class Draft:
    """An answer being written: sentences with [n] markers and the citations they point to."""

    sentences: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def cite_event(self, ev: EventView, item: ItemView | None = None) -> int:
        return self._cite(
            handoff_id=ev.handoff_id,
            author=ev.author,
            recorded_at=str((ev.detail or {}).get("said_at") or ev.at.isoformat()),
            quote=ev.quote or ev.text,
            kind=item.kind if item else None,
            item_id=item.id if item else None,
            start_s=ev.start_s,
        )

    def cite_hit(self, hit: Hit) -> int:
        m = hit.metadata
        return self._cite(
            handoff_id=str(m.get("handoff_id")),
            author=m.get("author") or None,
            recorded_at=m.get("recorded_at") or None,
            quote=str(m.get("quote") or hit.text),
            kind=m.get("kind"),
            item_id=m.get("item_id"),
            start_s=m.get("start_s"),
        )

    def _cite(self, **c: Any) -> int:
        key = (str(c["handoff_id"]), str(c["quote"]))
        if key not in self._seen:
            self.citations.append(c)
            self._seen[key] = len(self.citations)
        return self._seen[key]

    def say(self, sentence: str, *refs: int) -> None:
        marks = "".join(f"[{n}]" for n in dict.fromkeys(refs))
        sentence = sentence.strip()
        if not sentence.endswith((".", "?", "!")):
            sentence += "."
        self.sentences.append(f"{sentence[:-1]} {marks}{sentence[-1]}" if marks else sentence)

    def result(self) -> dict[str, Any]:
        return {"answer": " ".join(self.sentences), "citations": self.citations}


# -- composing per intent -----------------------------------------------------------------------
def _latest(item: ItemView, *actions: str) -> EventView | None:
    evs = [e for e in item.events if not actions or e.action in actions]
    return evs[-1] if evs else None


def _label(item: ItemView, parents: dict[str, ItemView]) -> str:
    parent = parents.get(item.parent_id or "")
    return parent.name if parent else ""


_NOBODY_CLAUSE = re.compile(
    r"[,;]\s*(?:and\s+|but\s+)?(?=(?:I\s+have\s+|we\s+have\s+)?(?:no\s+idea|nobody|no\s+one|"
    r"no-one|not\s+sure\s+who|I\s+don'?t\s+know|we\s+don'?t\s+know)\b)",
    re.I,
)


def _without_nobody(name: str) -> str:
    """A cleared blocker's words without "..., and no one has said who creates those": someone
    did clear it, so that clause is stale."""
    text = name.rstrip(". ")
    return _NOBODY_CLAUSE.split(text, maxsplit=1)[0].rstrip(" ,;") or text


def _described(b: ItemView) -> str:
    """A blocker's words, less the clauses naming someone it no longer waits on: after a
    re-routing the first person must not read as the one to ask."""
    gone = {
        w.lower()
        for e in b.events
        if e.action == "rerouted"
        for w in str(e.detail.get("previously") or "").split()
    } - {w.lower() for w in (b.needed_from or "").split()}
    text = _without_nobody(b.name) if b.state == "resolved" else b.name.rstrip(". ")
    if not gone:
        return text
    parts = re.split(r"(,\s*(?:and|but|so)?\s*|;\s*|\s+and\s+)", text)
    kept = [_without_person(p, gone) for p in parts[::2]]
    return ", ".join(k.strip() for k in kept if k and k.strip()) or text


def _without_person(clause: str, gone: set[str]) -> str | None:
    """The clause less "on Arjun" when the blocker no longer waits on Arjun ("still waiting for
    the security-group rule" keeps what it waits for); None when the person is its subject."""

    def said(text: str) -> bool:
        return bool(gone & {w.lower().strip(".,'s") for w in text.split()})

    if not said(clause):
        return clause
    names = "|".join(re.escape(w) for w in sorted(gone, key=len, reverse=True) if len(w) > 1)
    if not names:
        return None
    stripped = re.sub(rf"\s*\b(?:on|from|with|by)\s+(?:{names})(?:'s)?\b", "", clause, flags=re.I)
    return stripped if stripped != clause and not said(stripped) else None


def _who_clears(d: Draft, b: ItemView) -> str:
    """ "; X can clear it", with "now" and the citation when the wraps re-routed it to X."""
    if not b.needed_from:
        return "; nobody was named to clear it"
    moved = _latest(b, "rerouted")
    if moved is None or moved.detail.get("needed_from") != b.needed_from:
        return f"; {b.needed_from} can clear it"
    n = d.cite_event(moved, b)
    return f"; {b.needed_from} can clear it now (re-routed to them on {_when(moved.at)} [{n}])"


def _blocker_sentence(d: Draft, b: ItemView, parents: dict[str, ItemView]) -> None:
    opened = _latest(b, "opened") or b.events[0]
    latest = _latest(b, "opened", "mentioned") or opened
    refs = [d.cite_event(opened, b)]
    if latest is not opened:
        refs.append(d.cite_event(latest, b))
    about = _label(b, parents)
    who = _who_clears(d, b)
    since = f" (raised by {opened.author or 'the author'} on {_when(opened.at)}"
    since += f", still open on {_when(latest.at)})" if latest is not opened else ")"
    text = _described(b)
    d.say(f"{about + ' is blocked: ' if about else 'Blocked: '}{text}{who}{since}", *refs)


def _resolved_sentence(d: Draft, b: ItemView) -> None:
    ev = _latest(b, "resolved")
    if ev is None:
        return
    n = d.cite_event(ev, b)
    if ev.detail.get("because") == "replaced":
        d.say(
            f"The earlier blocker ({_described(b)}) no longer applies since {_when(ev.at)}: a "
            f'later decision replaced that work: "{(ev.quote or ev.text).rstrip(". ")}"',
            n,
        )
        return
    # Who cleared it is whom the wrap names; its author only reported it.
    by = ev.detail.get("resolved_by")
    who = f" by {by}" if by else ""
    if ev.author and ev.author != by:
        who += f" (reported by {ev.author})"
    d.say(
        f"The earlier blocker ({_without_nobody(b.name)}) was cleared on {_when(ev.at)}{who}: "
        f'"{(ev.quote or ev.text).rstrip(". ")}"',
        n,
    )


def blockers(ctx: Context, d: Draft) -> None:
    open_items = ctx.ledger.items(kinds=("blocker",), states=("open",), limit=400)
    chosen = (pick(ctx, open_items) or beside_work(ctx, open_items))[:MAX_LISTED]
    parents = ctx.parents(chosen)
    for b in chosen:
        _blocker_sentence(d, b, parents)
    if chosen:
        return
    subject = ctx.q.subject_text or " ".join(ctx.q.refs)
    if not ctx.q.has_subject:
        d.say(
            f"Nothing is blocking team {ctx.team} right now: no open blockers in the "
            "published handoffs"
        )
        return
    cleared = pick(ctx, ctx.ledger.items(kinds=("blocker",), states=("resolved",), limit=200))
    work = pick(ctx, ctx.ledger.items(ids=candidate_ids(ctx, ("work",)), kinds=("work",)))
    d.say(f"Nothing is blocking {subject} now: no open blocker on it in the published handoffs")
    for b in cleared[:2]:
        _resolved_sentence(d, b)
    if work:
        _status_sentence(d, work[0], ctx.parents(work[:1]))


def who_can(ctx: Context, d: Draft) -> None:
    open_items = ctx.ledger.items(kinds=("blocker",), states=("open",), limit=400)
    items = pick(ctx, open_items) or beside_work(ctx, open_items)
    if not items:
        # Cleared since: the one the wraps named can still do it ("who can grant the access?").
        cleared = pick(ctx, ctx.ledger.items(kinds=("blocker",), states=("resolved",), limit=200))
        if not any(b.needed_from for b in cleared):
            blockers(ctx, d)
            return
        items = [b for b in cleared if b.needed_from][:2]
    parents = ctx.parents(items)
    for b in items[:MAX_LISTED]:
        ev = _latest(b, "opened", "mentioned") or b.events[-1]
        n = d.cite_event(ev, b)
        about = _label(b, parents)
        text = _described(b)
        what = f"the blocker on {about} ({text})" if about else f"the blocker: {text}"
        if b.needed_from:
            moved = _latest(b, "rerouted")
            now = ""
            if moved is not None and moved.detail.get("needed_from") == b.needed_from:
                n_moved = d.cite_event(moved, b)
                now = f" (re-routed to {b.needed_from} on {_when(moved.at)} [{n_moved}])"
            d.say(f"{b.needed_from} can clear {what}{now}", n)
        else:
            d.say(f"Nobody was named who can clear {what}", n)
        if b.state == "resolved":
            _resolved_sentence(d, b)


def _status_sentence(d: Draft, it: ItemView, parents: dict[str, ItemView]) -> None:
    ev = _latest(it) or it.events[-1]
    n = d.cite_event(ev, it)
    if it.state == "done" and ev.detail.get("shipped"):
        # A shipped entry's name is cut from its sentence; the sentence itself reads better.
        d.say(f"Done (per {ev.author or 'the author'}, {_when(ev.at)}): {ev.text.rstrip('. ')}", n)
        return
    status = STATUS_WORDS.get(it.state, it.state)
    owner = f", {it.owner} on it" if it.owner and it.state != "done" else ""
    verb = "was done" if it.state == "done" else f"is {status}"
    summary = (it.summary or "").rstrip(". ")
    tail = f": {summary}" if summary and summary.lower() != it.name.lower() else ""
    d.say(f"{it.name} {verb} (per {ev.author or 'the author'}, {_when(ev.at)}{owner}){tail}", n)


def status(ctx: Context, d: Draft) -> None:
    if not ctx.q.has_subject and ctx.q.people:
        working_on(ctx, d)
        return
    if not ctx.q.has_subject:
        items = ctx.ledger.items(
            kinds=("work",),
            states=("in_progress", "in_review", "blocked", "not_started"),
            limit=MAX_LISTED,
        )
        if not items:
            d.say(f"Nothing is in flight for team {ctx.team} in the published handoffs")
        for it in items:
            _status_sentence(d, it, {})
        return
    work = pick(ctx, ctx.ledger.items(ids=candidate_ids(ctx, ("work",)), kinds=("work",)))
    work = drop_overtaken(ctx, work)
    for it in work[:3]:
        _status_sentence(d, it, {})
        for b in ctx.ledger.items(kinds=("blocker",), states=("open",), limit=400):
            if b.parent_id == it.id:
                _blocker_sentence(d, b, {it.id: it})
    if not work:
        blockers_open = pick(ctx, ctx.ledger.items(kinds=("blocker",), states=("open",), limit=400))
        for b in blockers_open[:3]:
            _blocker_sentence(d, b, ctx.parents([b]))
        if not blockers_open:
            general(ctx, d)


def decisions(ctx: Context, d: Draft) -> None:
    pool = ctx.ledger.items(kinds=("decision",), states=("current",), limit=300)
    chosen = pick(ctx, pool, threshold=0.45)
    if not ctx.q.has_subject:
        chosen = chosen[:MAX_LISTED]
    elif not chosen:
        chosen = replacements(ctx, pool) or related(subject_work(ctx)[:2], pool)
    chosen = _why_dropped(ctx, chosen)
    if _dropped_passage(ctx, d, chosen):
        return
    for it in chosen[:5]:
        ev = _latest(it, "decided", "mentioned") or it.events[0]
        n = d.cite_event(ev, it)
        rationale = next(
            (e.detail.get("rationale") for e in reversed(it.events) if e.detail.get("rationale")),
            None,
        )
        why = f", because {str(rationale).rstrip('. ')}" if rationale else ""
        replaced = next(
            (e.detail.get("supersedes") for e in it.events if e.detail.get("supersedes")), None
        )
        note = " This replaced an earlier decision on the same subject." if replaced else ""
        d.say(
            f"Decided by {ev.author or 'the author'} on {_when(ev.at)}: "
            f"{it.name.rstrip('. ')}{why}.{note}",
            n,
        )
    if not chosen:
        general(ctx, d, kinds=("decision", "chunk"))


_WHY_DROPPED = re.compile(
    r"\bwhy\b.*\b(?:drop|dropped|stop|stopped|abandon|abandoned|ditch|ditched|scrap|scrapped|"
    r"cancel|cancell?ed|back(?:ed)? out|move away|moved away|give up|gave up|no longer)\b",
    re.I,
)


def _why_dropped(ctx: Context, chosen: list[ItemView]) -> list[ItemView]:
    """'Why did we stop X?': the decision that changed course answers, never the one it
    replaced (whose reason is why X was chosen in the first place)."""
    if not _WHY_DROPPED.search(ctx.q.text):
        return chosen
    changes = [it for it in chosen if CHANGE_RE.search(text_of(it))]
    return sorted(changes, key=lambda it: it.events[-1].at, reverse=True)[:1] or chosen


# A passage that says an option went, and why: "we took it off the edge ... could not work".
_WENT_RE = re.compile(
    r"\b(?:t(?:ake|ook|aking|aken)\s+(?:it|that|this|them)\s+(?:off|out\s+of)|"
    r"(?:could\s+not|couldn'?t|can'?t|cannot|won'?t|didn'?t|does\s*n[o']t)\s+work|"
    r"(?:ruled|taken)\s+out|dropped|abandoned|scrapped|ditched)\b",
    re.I,
)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")


def _dropped_passage(ctx: Context, d: Draft, chosen: list[ItemView]) -> bool:
    """'Why was X abandoned?' when no stored decision says it changed course: the latest
    passage on the subject, said after the decision found, that says the option went (and why)
    answers, rather than the earlier decision's reason for choosing it."""
    if not _WHY_DROPPED.search(ctx.q.text) or not chosen or CHANGE_RE.search(text_of(chosen[0])):
        return False
    since = chosen[0].events[0].at
    hits = [
        h
        for h in ctx.hits
        if h.metadata.get("kind") == "chunk"
        and covers(ctx.q, h.text)
        and _WENT_RE.search(h.text)
        and recorded_after(h, since)
    ]
    if not hits:
        return False
    hit = max(hits, key=lambda h: str(h.metadata.get("recorded_at")))
    sentences = _SENTENCE_END.split(hit.text)
    first = next(i for i, s in enumerate(sentences) if _WENT_RE.search(s) or covers(ctx.q, s))
    quote = " ".join(sentences[first : first + 3]).rstrip(". ")  # the change, then its why
    at = _when(datetime.fromisoformat(str(hit.metadata["recorded_at"])))
    d.say(f'{hit.metadata.get("author") or "A handoff"} on {at}: "{quote}"', d.cite_hit(hit))
    return True


def _handed_over_sentence(d: Draft, it: ItemView, ev: EventView, n: int) -> None:
    """The owner after a hand-over the ledger read (`handed_over`), and who handed it over."""
    giver = ev.detail.get("previously") or ev.author or "its owner"
    said = ev.detail.get("said_at")
    when = _when(datetime.fromisoformat(str(said))) if said else _when(ev.at)
    start = f", from {_when(ev.at)}" if said else ""
    d.say(
        f"{it.owner} owns {it.name}: {giver} handed it over (per {ev.author or 'the author'}, "
        f"{when}{start}); it is {STATUS_WORDS.get(it.state, it.state)}",
        n,
    )


def owner(ctx: Context, d: Draft) -> None:
    # An owner question is about one thing: only the items that fit about as well as the best.
    work = pick(
        ctx, ctx.ledger.items(ids=candidate_ids(ctx, ("work",)), kinds=("work",)), margin=0.2
    )
    work = named_fully(ctx, work)
    acts = pick(ctx, ctx.ledger.items(kinds=("action",), states=("open",), limit=300))
    handovers = [a for a in acts if a.owner and says_owner_change(a.name)]
    for it in work[:3]:
        ev = _latest(it) or it.events[-1]
        # A handover said in (or after) the latest handoff on the work is its news.
        current = (it.owner or ev.author or "").split(" ")[0].lower()
        moved = next(
            (
                a
                for a in handovers
                if a.last_at >= ev.at and (a.owner or "").split(" ")[0].lower() != current
            ),
            None,
        )
        if moved is not None:
            hev = _latest(moved) or moved.events[-1]
            d.say(
                f"{moved.owner} is taking over {it.name} (per {hev.author or 'the author'}, "
                f'{_when(hev.at)}: "{moved.name.rstrip(". ")}")',
                d.cite_event(hev, moved),
            )
        n = d.cite_event(ev, it)
        who = it.owner or ev.author or "nobody named"
        if ev.action == "handed_over" and not moved:
            _handed_over_sentence(d, it, ev, n)
            continue
        d.say(
            f"{'Before that, ' if moved else ''}{who} "
            f"{'owned' if moved else 'owns'} {it.name} (per {ev.author or 'the author'}, "
            f"{_when(ev.at)}); it is {STATUS_WORDS.get(it.state, it.state)}",
            n,
        )
    # Without a work item, a named next step is the nearest thing to an owner.
    for a in [] if work else acts[:3]:
        ev = _latest(a) or a.events[-1]
        if a.owner:
            d.say(f"Next up for {a.owner}: {a.name.rstrip('. ')}", d.cite_event(ev, a))
    if not work and not acts:
        # No owned work fits: quote what the handoffs say about it (a rota, a person's role)
        # rather than answer about blockers nobody asked about.
        general(ctx, d)


def working_on(ctx: Context, d: Draft) -> None:
    if not ctx.q.people:
        status(ctx, d)
        return
    person = ctx.q.people[0]
    first = person.split()[0].lower()
    since = (ctx.ledger.as_of or datetime.now().astimezone()) - timedelta(days=14)
    ids = ctx.ledger.item_ids(since=since, author=person, kinds=("work",))
    items = [
        it
        for it in ctx.ledger.items(ids=ids, kinds=("work",))
        if it.state != "done"
        and (
            not it.owner
            or it.owner.lower().startswith(first)
            or any((e.author or "").lower().startswith(first) for e in it.events[-1:])
        )
    ]
    for it in items[:MAX_LISTED]:
        _status_sentence(d, it, {})
    if not items:
        d.say(f"No open work by {person} is in the published handoffs of the last two weeks")


# Said among next steps but not one: a return ("back Monday ten"), news of who does what now.
_NOT_AN_ACTION_RE = re.compile(
    r"^\W*(?:i'?m\s+)?back\b|\bback (?:on )?(?:tomorrow|mon|tue|wed|thu|fri|sat|sun)\w*\b|"
    r"\bturns out\b|\bon (?:\w+ )?leave\b",
    re.I,
)


def _is_action(a: ItemView) -> bool:
    return not _NOT_AN_ACTION_RE.search(a.name) and not says_owner_change(a.name)


def next_actions(ctx: Context, d: Draft) -> None:
    acts = ctx.ledger.items(kinds=("action",), states=("open",), limit=300)
    if ctx.q.people:
        acts = [a for a in acts if _is_action(a)]
    chosen = pick(ctx, acts)
    if ctx.q.has_subject:
        chosen = with_latest_plan(ctx, chosen, acts)
    if ctx.q.people:
        first = ctx.q.people[0].split()[0].lower()
        # Someone's next actions are their own: another person's would pad the answer.
        chosen = [a for a in chosen if (a.owner or "").lower().startswith(first)]
        if not chosen:
            d.say(f"No next action for {ctx.q.people[0]} is in the published handoffs")
            return
    if not ctx.q.has_subject and chosen:
        newest = max(a.last_at for a in chosen)
        chosen = [a for a in chosen if newest - a.last_at <= timedelta(days=1)]
    for a in chosen[:MAX_LISTED]:
        ev = _latest(a) or a.events[-1]
        who = f"{a.owner}: " if a.owner else ""
        d.say(
            f"Next, {who}{a.name.rstrip('. ')} (from {ev.author or 'the author'}'s handoff "
            f"of {_when(ev.at)})",
            d.cite_event(ev, a),
        )
    if not chosen:
        general(ctx, d, kinds=("next_action", "chunk"))


def shipped(ctx: Context, d: Draft) -> None:
    until = ctx.q.until or ctx.ledger.as_of
    since = ctx.q.since or ((until or datetime.now().astimezone()) - timedelta(days=7))
    ids = ctx.ledger.item_ids(since=since, until=until, status="done", kinds=("work",))
    items = pick(ctx, ctx.ledger.items(ids=ids, kinds=("work",)))
    window = ctx.q.window or "in the last week"
    for it in items[:MAX_LISTED]:
        ev = (
            next(
                (
                    e
                    for e in reversed(it.events)
                    if e.status == "done" and (since is None or e.at >= since)
                ),
                None,
            )
            or it.events[-1]
        )
        d.say(
            f"Shipped {_when(ev.at)} ({ev.author or 'the author'}): "
            f"{(ev.text or it.name).rstrip('. ')}",
            d.cite_event(ev, it),
        )
    if not items:
        d.say(f"Nothing was reported shipped {window} in the published handoffs")


def returns(ctx: Context, d: Draft) -> None:
    people = ctx.q.people
    items = ctx.ledger.items(kinds=("return",), limit=200)
    if people:
        firsts = {p.split()[0].lower() for p in people}
        items = [it for it in items if it.name.split()[0].lower() in firsts] if items else []
    for it in items[:MAX_LISTED]:
        ev = _latest(it, "returns")
        if ev is None:
            continue
        iso = ev.detail.get("returns_at_iso")
        exact = ""
        if iso:
            at = datetime.fromisoformat(str(iso))
            exact = f" ({at:%A} {at.day} {at:%b} at {at:%H:%M} {at.tzname() or ''})".replace(
                " )", ")"
            )
        d.say(
            f"{it.name} is back {ev.text.rstrip('. ')}{exact}, per the handoff of {_when(ev.at)}",
            d.cite_event(ev, it),
        )
    if not d.sentences:
        who = people[0] if people else "anyone"
        d.say(f"No handoff says when {who} is back")


def general(ctx: Context, d: Draft, *, kinds: Sequence[str] | None = None) -> None:
    """No ledger fact fits: quote the best passages, as a fallback answer."""
    hits = [h for h in ctx.hits if kinds is None or h.metadata.get("kind") in kinds]
    if ctx.q.has_subject:
        hits = [h for h in hits if covers(ctx.q, h.text)]
    if ctx.q.since is not None:
        # "this week", "yesterday": passages from that window come first.
        since = ctx.q.since
        hits.sort(key=lambda h: not recorded_after(h, since))
    for h in hits[:3]:
        quote = str(h.metadata.get("quote") or h.text).rstrip(". ")
        d.say(
            f"{h.metadata.get('author') or 'A handoff'} on "
            f'{_when(datetime.fromisoformat(str(h.metadata["recorded_at"])))}: "{quote}"',
            d.cite_hit(h),
        )


COMPOSERS: dict[str, Callable[[Context, Draft], None]] = {
    "blockers": blockers,
    "who_can": who_can,
    "status": status,
    "decisions": decisions,
    "owner": owner,
    "working_on": working_on,
    "next": next_actions,
    "shipped": shipped,
    "returns": returns,
    "general": status,
}


def nothing_found(ctx: Context, d: Draft) -> None:
    when = f" as of {_when(ctx.ledger.as_of)}" if ctx.ledger.as_of else ""
    d.say(f"Nothing in team {ctx.team}'s published handoffs answers that{when}")
    near = ctx.hits[:2]
    if near:
        d.say("Nearby, in case it helps")
        for h in near:
            quote = str(h.metadata.get("quote") or h.text).rstrip(". ")
            d.say(f'"{quote}" ({h.metadata.get("author") or "unknown"})', d.cite_hit(h))


def _asked_about(question: str) -> str:
    """The thing a question names, in its words ("the returns portal"), for saying there is no
    record of it: the subject's stems would lose words that double as question words."""
    # "... as of 3 December?", "... on Tuesday?": when, not what
    question = re.sub(
        r"\s+(?:as of|on|at|by)\s+(?:\w+day\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+\w+|\w+day|"
        r"\w+\s+\d{1,2}(?:st|nd|rd|th)?)\s*(?=\??\s*$)",
        "",
        question,
        flags=re.I,
    )
    m = re.search(r".*\b(?:the|about|of|for|on)\s+(?:the\s+)?([^?]+?)\s*\??\s*$", question)
    if m is None:
        return ""
    thing = re.sub(r"\s+(?:now|then|yet|any ?more|still|so far)$", "", m.group(1), flags=re.I)
    return thing if 0 < len(thing.split()) <= 8 else ""


#: Intents about a thing the question names: one no handoff mentions has no record.
ABOUT_A_THING = ("blockers", "who_can", "status", "decisions", "owner", "next", "general")


def compose(ctx: Context) -> dict[str, Any]:
    d = Draft()
    if ctx.q.intent in ABOUT_A_THING and unknown(ctx):
        when = f" up to {_when(ctx.ledger.as_of)}" if ctx.ledger.as_of else ""
        subject = _asked_about(ctx.q.text) or ctx.q.subject_text or " ".join(ctx.q.refs)
        d.say(
            f"No handoff mentions {subject}: there is no record of it in team {ctx.team}'s "
            f"published handoffs{when}"
        )
        return d.result()
    COMPOSERS.get(ctx.q.intent, status)(ctx, d)
    if not d.citations:
        d = Draft(sentences=[s for s in d.sentences if re.match(r"(Nothing|No )", s)])
        if not d.sentences:
            nothing_found(ctx, d)
    return d.result()
