"""Chat threads: a teammate's question is structure, not content.

In a thread the facts are spread over questions and answers: "anything blocking?" then "the
agency's API needs a signed agreement"; "and the A-melding submission?" then "in review, Sven has
it". Read as sentences, the question becomes an item (a blocker called "any blockers?") and the
answer loses its subject. So a question from someone other than the author is read like a stand-up
bot's question: the part it names is the default for the author's next message, and the work it
asks about is the item that answer talks about when the answer names none.

A teammate's "I'll take it" is a claim: they own the open action it answers (`claim`). A chat
handle is its author named in full ("kendra" is Kendra Flett, `same_person`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from handoff.declaration import InFlightItem, NextAction, ShippedItem
from handoff.names import fold
from ingest.transcript import Segment
from summarizer.evidence import segment_evidence
from summarizer.labels import label_part
from summarizer.normalize import normalize
from summarizer.walk import Asked, Walk

_QUESTION_LEAD = re.compile(
    r"^(?:(?:ok|okay|so|and|also|nice|great|cool|thanks|hey|hi)[,.!]?\s+)*"
    r"(?:what\s+about|how\s+about|how'?s|how\s+is|how\s+are|is|are|did|has|have|was|were|"
    r"what'?s\s+left\s+(?:on|for|in)|what'?s\s+(?:happening|up)\s+with|how\s+far\s+along\s+is|"
    r"where\s+(?:are|is)\s+we\s+(?:on|with)|what'?s\s+the\s+(?:status|state)\s+(?:of|on)|"
    r"status\s+(?:of|on)|any\s+news\s+on|any\s+update\s+on)?\s*",
    re.I,
)
_QUESTION_TAIL = re.compile(
    r"\s*(?:done|finished|shipped|merged|ready|live|going|coming\s+along|doing|in|out|"
    r"still\s+\w+|yet|now|then)?\s*\??\s*$",
    re.I,
)
_NOT_TOPIC = re.compile(
    r"^(?:it|that|this|they|them|he|she|you|we|anything|everything|something|anyone|someone|"
    r"who|what|when|where|why|how)\b",
    re.I,
)


_DECIDE_ON = re.compile(
    r"^(?:(?:ok|okay|so|and|also)[,.]?\s+)*(?:did|have|has)\s+(?:we|you|they)\s+"
    r"(?:(?:decide|decided|agree|agreed|settle|settled)\s+(?:on|about)|pick|picked|choose|chose)"
    r"\s+(?:a|an|the)?\s*(.{3,60})$",
    re.I,
)


def question(text: str) -> Asked | None:
    """The question a chat message asks, or None when the message is not a question."""
    text = " ".join(text.split())
    if not text.endswith("?") or len(text.split()) > 14:
        return None
    body = text.rstrip("?").strip()
    decided = _DECIDE_ON.match(body)
    if decided:  # "did we decide on the SMS provider?": the answer is that decision
        return Asked(part="decisions", topic=re.sub(r"^(?:the|our)\s+", "", decided.group(1)))
    part = label_part(body)
    topic = None
    if part in (None, "in_flight", "shipped", "blockers"):
        core = _QUESTION_TAIL.sub("", _QUESTION_LEAD.sub("", body, count=1)).strip(" ,")
        core = re.sub(r"^(?:the|our|your)\s+", "", core, flags=re.I)
        words = core.split()
        if (
            1 <= len(words) <= 6
            and not _NOT_TOPIC.match(core)
            and not re.search(r"\bI\b", core)
            and label_part(core) is None  # "any blockers?" asks about a part, not a work item
        ):
            topic = core
            # "is the fare sync done?": the answer's own words say how it stands ("not yet");
            # "is the payout scheduler still stuck?" keeps its part
            part = part if part == "blockers" else None
    return Asked(part=part, topic=topic)


def answer_items(
    asked: Asked,
    in_flight: list[InFlightItem],
    shipped: list[ShippedItem],
    *,
    flight_before: int,
    shipped_before: int,
) -> tuple[list[InFlightItem], list[ShippedItem]]:
    """The items an answer added, named after the work the question asked about when the answer
    named none of its own ("in review, Sven has it" after "and the A-melding submission?")."""
    topic = asked.topic
    new_flight = in_flight[flight_before:]
    new_shipped = shipped[shipped_before:]
    if not topic or not (new_flight or new_shipped):
        return in_flight, shipped
    key = {w for w in fold(topic).split() if len(w) > 3} or set(fold(topic).split())
    if any(key <= set(fold(i.item).split()) for i in new_flight):
        return in_flight, shipped  # the answer names the work itself
    if new_flight:
        # "no, half of it. Bank staff import works, agency staff doesn't": every status the
        # answer gives is about the one item asked about
        order = ("blocked", "in_review", "in_progress", "not_started")
        status = min(
            (i.status for i in new_flight), key=lambda s: order.index(s) if s in order else 9
        )
        merged = new_flight[0].model_copy(
            update={
                "item": topic,
                "status": status,
                "evidence": [e for i in new_flight for e in i.evidence],
            }
        )
        return [*in_flight[:flight_before], merged], shipped
    if len(new_shipped) != 1:
        return in_flight, shipped
    done = new_shipped[0]
    if key <= set(fold(done.summary).split()):
        return in_flight, shipped
    summary = f"{topic}: {done.summary}"
    return in_flight, [*shipped[:shipped_before], done.model_copy(update={"summary": summary})]


# "handed to you, Rauf", "it's yours from tomorrow": the work asked about changes hands.
_HANDED = re.compile(
    r"\b(?:hand(?:ed|ing)?(?:\s+it)?(?:\s+over)?\s+to\s+(?:you|@?(?P<to>[A-Z][\w'-]+))|"
    r"(?:it'?s|it\s+is)\s+(?:all\s+)?yours)\b(?:\s*,\s*@?(?P<named>[A-Z][\w'-]+))?",
)


def handed_over(text: str, *, asker: str | None) -> str | None:
    """Who an answer hands the asked-about work to: the person named, else the one who asked."""
    m = _HANDED.search(text)
    if not m:
        return None
    return m.group("to") or m.group("named") or asker


# "@ingrid can you open a ticket?", "Sam, could you ...?": a request, not a question to answer.
REQUEST = re.compile(
    r"^@|^[A-Z][\w'-]+\s*,\s*(?:can|could|would|will|please)\b|"
    r"\b(?:can|could|would|will)\s+(?:you|someone|somebody|anyone)\b|\bplease\b",
    re.I,
)


def read_answer(walk: Walk, seg: Segment, asked: Asked, *, read: Callable[[], None]) -> None:
    """The author's answer to a teammate's question: the question's part is the default (`read`
    reads the message with it), and the work it asked about is the item when the answer names
    none; "handed to you, Rauf" gives that work to its new owner."""
    decl = walk.decl
    receiver = handed_over(seg.text, asker=walk.asker) if asked.topic else None
    if asked.topic and receiver:
        item = InFlightItem(
            item=asked.topic,
            status="in_progress",
            owner=walk.people.canonical(receiver),
            summary=seg.text,
            evidence=[segment_evidence(seg.text, seg)],
        )
        decl.in_flight = [*decl.in_flight, item]
        return
    flight, shipped, blocked = len(decl.in_flight), len(decl.shipped), len(decl.blockers)
    decided = len(decl.decisions)
    walk.section, walk.soft = asked.part, asked.part is not None
    read()
    walk.soft = False
    if asked.part == "decisions" and asked.topic:
        _decides_topic(walk, asked.topic, decided)
        return
    if asked.part == "blockers" and asked.topic and len(decl.blockers) > blocked:
        _blocks_topic(walk, asked.topic, blocked)
        return
    decl.in_flight, decl.shipped = answer_items(
        asked, decl.in_flight, decl.shipped, flight_before=flight, shipped_before=shipped
    )


def _blocks_topic(walk: Walk, topic: str, first: int) -> None:
    """'what about the payout scheduler, still stuck?' 'yes, the certs expired': the answer's
    blockers hold up the work asked about, which is in flight and blocked."""
    decl = walk.decl
    known = next((i for i in decl.in_flight if fold(i.item) == fold(topic)), None)
    if known is None:
        evidence = decl.blockers[first].evidence
        decl.in_flight = [
            *decl.in_flight,
            InFlightItem(item=topic, status="blocked", summary=topic, evidence=evidence),
        ]
    else:
        decl.in_flight = [
            i.model_copy(update={"status": "blocked"}) if i is known else i for i in decl.in_flight
        ]
    decl.blockers = [
        b if n < first or b.item else b.model_copy(update={"item": topic})
        for n, b in enumerate(decl.blockers)
    ]


def _decides_topic(walk: Walk, topic: str, first: int) -> None:
    """'did we decide on the SMS provider?' 'yes, Magti, because ...': the decision is about
    what was asked ("SMS provider: Magti"), not a bare "yes, Magti"."""
    decl = walk.decl
    key = {w for w in fold(topic).split() if len(w) > 3}
    decl.decisions = [
        d
        if n < first or key <= set(fold(d.decision).split())
        else d.model_copy(update={"decision": f"{topic}: {_YES.sub('', d.decision)}"})
        for n, d in enumerate(decl.decisions)
    ]


_YES = re.compile(r"^(?:yes|yeah|yep|yup|we did|we have)\b[,.:;]?\s*", re.I)


_CLAIM = re.compile(
    r"^(?:(?:ok|okay|sure|yes|yep|yeah|ack|np|no problem|sounds good|got it|will do)[,!.]?\s*)*"
    r"(?:I'?ll|I\s+will|I\s+can|I'?m\s+on\s+it|on\s+it|will\s+do|I'?ve\s+got\s+(?:it|this)|"
    r"I\s+got\s+(?:it|this)|mine|leave\s+it\s+with\s+me|happy\s+to)\b",
    re.I,
)
_CLAIM_STRIP = re.compile(
    r"^(?:(?:ok|okay|sure|yes|yep|yeah|ack|np|no problem|sounds good|got it)[,!.]?\s*)*"
    r"(?:I'?ll|I\s+will|I\s+can|happy\s+to)\s+",
    re.I,
)
# How many chat messages back an unowned action can still be claimed by "I'll take it".
CLAIM_WINDOW = 6


def same_person(speaker: str, author: str) -> bool:
    """A chat handle and the author's full name: "kendra" or "kendra.flett" is Kendra Flett."""
    said, full = fold(speaker).replace(".", " ").replace("_", " ").split(), fold(author).split()
    return said == full or (len(said) == 1 and bool(full) and said[0] == full[0])


def claim(walk: Walk, seg: Segment, speaker: str) -> bool:
    """A teammate's "I'll take it": they own the open action they answer, or the task they name."""
    text = " ".join(seg.text.split())
    if not _CLAIM.match(text):
        return False
    decl = walk.decl
    for i in range(len(decl.next_actions) - 1, -1, -1):
        action = decl.next_actions[i]
        if walk.message - walk.action_at.get(i, -99) > CLAIM_WINDOW:
            break
        if action.owner is None or fold(action.owner) == fold(speaker):
            updated = action.model_copy(
                update={
                    "owner": speaker,
                    "evidence": [*action.evidence, segment_evidence(seg.text, seg)],
                }
            )
            decl.next_actions = [*decl.next_actions[:i], updated, *decl.next_actions[i + 1 :]]
            return True
    task = _CLAIM_STRIP.sub("", normalize(text)).strip(" .!")
    if len(task.split()) < 2 or re.fullmatch(
        r"(?:take|do|handle|grab)\s+(?:it|that|this)\b.*", task, re.I
    ):
        return True  # a bare "on it" with nothing open to claim: nothing to record
    append_action(
        walk, NextAction(action=task, owner=speaker, evidence=[segment_evidence(seg.text, seg)])
    )
    return True


def append_action(walk: Walk, action: NextAction) -> None:
    walk.decl.next_actions = [*walk.decl.next_actions, action]
    walk.action_at[len(walk.decl.next_actions) - 1] = walk.message
