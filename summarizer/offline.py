"""The offline extractor: rules over clauses, no model, no network. The default everywhere.

A wrap is read segment by segment (a sentence of speech, a chat message), sentence by sentence.
Each sentence is normalized (`summarizer.normalize`), cut into clauses at semicolons, commas,
dashes and conjunctions, and each clause is given the part its own words speak to
(`summarizer.rules`) or, lacking cues, the part of the label in force ("Blockers:") or of the clause
it continues. Clauses
of one idea are merged back ("X is blocked, only Marco can grant the role"), and each group becomes
an item with the sentence as its evidence, timed or attributed to its chat message.

In a chat thread the wrap's author is the one handing over; a teammate's "I'll take it" makes them
the owner of the open action they answer, and "I'll approve it" from the person a blocker waits on
becomes their next action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from handoff.declaration import (
    Blocker,
    Decision,
    Declaration,
    Evidence,
    InFlightItem,
    NextAction,
    ShippedItem,
)
from handoff.names import fold
from handoff.refs import find_refs
from ingest.text import split_sentences
from ingest.transcript import Segment, Transcript
from summarizer import owners, rules
from summarizer.base import ExtractionContext
from summarizer.blocks import read_blocks
from summarizer.clauses import clauses
from summarizer.evidence import segment_evidence
from summarizer.items import (
    dedupe_actions,
    has_content,
    last_noun_phrase,
    mentioned_item,
    split_named_items,
    split_objects,
)
from summarizer.normalize import normalize
from summarizer.people import PeopleIndex
from summarizer.returns import find_return_time

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
_ACK = re.compile(
    r"^\W*(?:thanks|thank you|thx|ty|ok|okay|cool|great|nice|\+1|ack|sounds good|lol|noted|"
    r"will do|on it|np|sure)\b[\w\s!.,]{0,20}$",
    re.I,
)
_THIRD_PERSON_BEFORE = re.compile(
    r"(?:\b(?:he|she|they)|\b[A-Z][a-z]+)\s*(?:is|'s|will\s+be|are)(?:\s+(?:out|off|away|on leave|"
    r"ooo|gone))?(?:\s+(?:until|till|from|on|for))?\s*$"
)
# What a clause said before its return time ("... i'll wire up events after back mon 10am").
_RETURN_CUE_END = re.compile(
    r"\s*(?:\b(?:and\s+)?(?:I'?ll\s+be|I'?m|I\s+am|we'?re|we'?ll\s+be)\s*)?"
    r"\b(?:back|online(?:\s+again)?|in|returning|off\s+until|out\s+until)?"
    r"(?:\s+(?:online|again))*(?:\s+(?:at|around|by|on|from))?\s*$",
    re.I,
)
_BLOCKED_SUBJECT = re.compile(
    r"^(?P<subject>.{3,80}?)\s+(?:is|are|'s|has\s+been|was|remains)\s+(?:still\s+|currently\s+|now\s+|"
    r"also\s+|totally\s+|completely\s+)?(?:blocked|stuck|on\s+hold|held\s+up|waiting\s+(?:on|for)"
    r"(?!\s+(?:a\s+|the\s+)?review))\b",
    re.I,
)
_PRONOUN_BLOCKED = re.compile(
    r"^(?P<head>.{3,120}?)\s*(?:—|–|--|,|;)\s*(?:it|this|that)(?:'s|\s+is)?\s+(?:can'?t|cannot|won'?t|"
    r"blocked|stuck|on\s+hold|waiting)\b",
    re.I,
)
_SUBJECTLESS_BLOCKER = re.compile(
    r"^(?:and\s+|but\s+|it'?s\s+|currently\s+|still\s+)*(?:blocked|stuck|waiting|on hold|held up|"
    r"pending)\b",
    re.I,
)
# "in review, waiting on Rami": a review being waited on is the review status, not a blocker.
_SAME_THING = re.compile(
    r"^\s*(?:and\s+)?(?:it|that|this)(?:'s|\s+is|\s+was|\s+has\s+been)\b", re.I
)
_OWNER_NOTE = re.compile(r"\s*\(owner:\s*([^)]+)\)")
_REVIEW_WAIT = re.compile(r"\bin\s+review\b", re.I)
_WAITING_ONLY = re.compile(r"^\s*(?:and\s+|still\s+)*waiting\s+(?:on|for)\b(?!.*\bblocked\b)", re.I)
# "Blocked: need finance's sign-off": under a blocked label, what is needed, not an item.
_NEEDS_LEAD = re.compile(r"^(?:I\s+|we\s+)?(?:need|needs|require|requires)\b", re.I)
# "waiting on X before I can start Y": the blocker names what it holds up, so it is not the item
# mentioned last.
_OWN_OBJECT = re.compile(r"\bbefore (?:I|we) can (?:start|begin)\b", re.I)
_ACTION_LEAD = re.compile(
    r"^(?:(?:next(?!\s+shift)|then|and|also|so|tomorrow|after that|later)\s*[:,]?\s+)*", re.I
)
_SPLIT_ACTIONS = re.compile(
    r",?\s+and\s+(?=(?:then\s+)?(?:I'?ll|I\s|we\s|someone|somebody|@\w|[A-Z][a-z]+\s+(?:will|to|should|"
    r"needs|can|is going))\b)|,\s+(?:and\s+)?then\s+|\s+and\s+then\s+",
)
# Meeting-minutes syntax: "[action] persia to ask ...", "ALL: please check ...", "bob: to verify".
_ACTION_LABELS = frozenset({"action", "actions", "action items", "todo", "to do"})
_EXPLICIT_OWNER = re.compile(
    r"^@?([\w.|-]+):?\s+(?:(?:and|&)\s+@?[\w.|-]+\s+)?(?:to|will|should|please|must|needs\s+to)\b",
    re.I,
)
# How many chat messages back an unowned action can still be claimed by "I'll take it".
CLAIM_WINDOW = 6


@dataclass
class _Group:
    part: str | None
    text: str
    lead_part: str | None = None
    antecedent: str | None = None


@dataclass
class _Walk:
    """What the extractor has read so far."""

    decl: Declaration
    people: PeopleIndex
    author: str | None
    section: str | None = None
    label_status: str | None = None
    action_label: bool = False  # "[action] X to ...": the first word names the owner
    blocked_label: bool = False  # "Blocked: X, needs Y": X is an item that is blocked
    stated_empty: set[str] = field(default_factory=set)
    action_at: dict[int, int] = field(default_factory=dict)  # next_actions index -> message number
    message: int = 0
    return_rest: str = ""  # what the last clause with a return time said before it
    sentence: int = 0  # sentences read so far
    listed: bool = False  # the segment is a list line: an item of its own
    blocker_sentence: int = -99  # the sentence that added the last blocker


class OfflineExtractor:
    """Rule-based extraction; fast (milliseconds) and deterministic."""

    name = "offline"

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        segments, listed = read_blocks(transcript.segments or [Segment(text=transcript.text)])
        speakers = {s.speaker for s in segments if s.speaker}
        people = PeopleIndex(vocabulary=context.vocabulary, speakers=set(speakers))
        first_speaker = next((s.speaker for s in segments if s.speaker), None)
        author = people.canonical(context.author) if context.author else first_speaker
        walk = _Walk(
            decl=Declaration(
                author=context.author,
                team=context.team,
                recorded_at=context.recorded_at,
                extractor=self.name,
            ),
            people=people,
            author=author,
        )
        previous_speaker: str | None = None
        for index, seg in enumerate(segments):
            walk.message += 1
            walk.listed = index in listed
            if seg.speaker or seg.speaker != previous_speaker:
                # A label in a chat message speaks for that message only.
                walk.section, walk.label_status = None, None
                walk.action_label = False
                walk.blocked_label = False
            previous_speaker = seg.speaker
            self._segment(walk, seg, context)
        decl = walk.decl
        decl.next_actions = dedupe_actions(decl.next_actions)
        decl.stated_empty = sorted(
            p for p in walk.stated_empty if p == "returns_at" or not getattr(decl, p)
        )
        return decl

    # -- reading ---------------------------------------------------------------------------------
    def _segment(self, walk: _Walk, seg: Segment, context: ExtractionContext) -> None:
        speaker = walk.people.canonical(seg.speaker) if seg.speaker else None
        other = bool(speaker and walk.author and fold(speaker) != fold(walk.author))
        me = speaker if speaker else walk.author
        if other and self._claim(walk, seg, speaker or ""):
            return
        if other and _ACK.match(seg.text.strip()):
            return
        prefixes = context.vocabulary.ticket_prefixes
        typed = seg.speaker is not None  # chat is typed; speech and pasted wraps may be raw ASR
        for clause in (c for s in split_sentences(seg.text) for c in clauses(s, typed=typed)):
            raw = clause.raw
            if clause.spoken:
                # A label said aloud ("blocker the token expired") covers its own clause only.
                walk.section, walk.label_status = None, None
                walk.action_label = walk.blocked_label = False
            if rules.is_instruction(raw):
                continue  # addressed to the system: content, never a command or an item
            text = normalize(clause.text, ticket_prefixes=prefixes)
            ev = segment_evidence(raw, seg)
            m = rules.LABEL_RE.match(text)
            if m:
                label = (m.group(1) or m.group(2)).lower()
                walk.action_label = label in _ACTION_LABELS
                walk.blocked_label = label == "blocked"
                part, walk.label_status = rules.LABELS.get(label, ("next_actions", None))
                if m.group(1):
                    part = {"action": "next_actions", "decision": "decisions", "blocker": "blockers",  # noqa: E501
                            "done": "shipped"}[label]  # fmt: skip
                text = text[m.end() :]
                if part == "returns_at":
                    self._return(walk, "back " + text, context, other)
                    continue
                walk.section = part
                if rules.EMPTY_BODY.match(text):
                    walk.stated_empty.add(part)
                    walk.section, walk.label_status = None, None
                    continue
            else:
                text = rules.terse_status(text)
            self._sentence(walk, text, ev, me=me, other=other, context=context)

    def _sentence(
        self,
        walk: _Walk,
        text: str,
        ev: Evidence,
        *,
        me: str | None,
        other: bool,
        context: ExtractionContext,
    ) -> None:
        walk.sentence += 1
        if self._names_resolver_of_last_blocker(walk, text, ev, me=me):
            return
        groups = self._groups(walk, text, other=other, context=context)
        if groups and groups[0].part and walk.section and groups[0].part != walk.section:
            walk.section, walk.label_status = None, None  # a new topic ends the label's reach
        for before, group in zip([None, *groups], groups, strict=False):
            if before is not None:
                group.antecedent = last_noun_phrase(before.text)
            part = group.part or walk.section
            if part is None and len(groups) == 1:
                # "the main thing is the new layout, which is done": the status came in a
                # clause that only continues the sentence
                part = rules.part_of(group.text)
            if part is None:
                continue
            self._add(walk, part, group, ev, me=me)

    def _groups(
        self, walk: _Walk, text: str, *, other: bool, context: ExtractionContext
    ) -> list[_Group]:
        """The sentence's clauses merged into groups of one idea, each with the part it speaks
        to; stated-empty parts, return times and absences are taken out on the way."""
        groups: list[_Group] = []
        for hard_index, hard in enumerate(rules.split_hard(text)):
            pieces = rules.split_soft(hard)
            skip = False
            for soft_index, (sep, piece) in enumerate(pieces):
                if skip:
                    skip = False
                    continue
                empties = rules.stated_empty(piece)
                if empties:
                    walk.stated_empty |= empties
                    continue
                if self._return(walk, piece, context, other):
                    # "Back tomorrow, 7am Pacific": the time may go on past the comma.
                    if soft_index + 1 < len(pieces):
                        longer = piece + pieces[soft_index + 1][0] + pieces[soft_index + 1][1]
                        skip = self._return_spans(walk, longer, piece, context)
                    rest = walk.return_rest
                    if not (has_content(rest, 3) and rules.part_of(rest)):
                        continue
                    piece = rest  # the clause said something before its return time
                if rules.ABSENCE_RE.match(piece):
                    continue
                part = self._piece_part(walk, piece, first=hard_index == 0 and soft_index == 0)
                listed = soft_index > 0 and _listed_item(walk, part, piece)
                boundary = (soft_index == 0 and hard_index > 0) or listed
                self._merge(groups, part, piece, sep, boundary=boundary)
        return groups

    def _piece_part(self, walk: _Walk, piece: str, *, first: bool) -> str | None:
        if not first and rules.CONTINUATION_RE.match(piece):
            return None  # "..., since X", "..., should finish overnight": part of the clause before
        own = rules.part_of(piece)
        section = walk.section
        if own is None and section in ("decisions", "blockers"):
            return None  # unlabelled follow-on in a decision or blocker is its reason or resolver
        if section is None or own is None or own == section:
            return own or section
        # Inside a labelled part only strong cues of another part win ("In flight: X, waiting on
        # James" stays in flight; "In flight: Y is blocked" is a blocker).
        if own == "blockers" and rules.STRONG_BLOCKER_RE.search(piece):
            return own
        if own == "decisions":
            return own
        if own == "next_actions" and section == "blockers" and owners.names_resolver(piece):
            return None
        if own == "next_actions" and section == "blockers" and _asks_for_action(piece):
            return own  # "Blocker: ... . Next shift, please keep watching": a new sentence's ask
        if own in ("shipped", "in_flight") and section in ("shipped", "in_flight"):
            return own
        return section

    @staticmethod
    def _merge(
        groups: list[_Group], part: str | None, piece: str, sep: str, *, boundary: bool
    ) -> None:
        joined_sep = "; " if boundary else (sep if sep else " ")
        if not groups:
            groups.append(_Group(part, piece.strip(), lead_part=part))
            return
        prev = groups[-1]
        if part is None:
            prev.text += joined_sep + piece.strip()
            return
        if prev.part is None:
            prev.part = part
            prev.lead_part = prev.lead_part or part
            prev.text += joined_sep + piece.strip()
            return
        if part == prev.part and part == "shipped" and _SAME_THING.match(piece):
            prev.text += joined_sep + piece.strip()  # "X; it's live behind the flag": same X
            return
        if part == prev.part:
            new_action = part == "next_actions" and (boundary or rules.starts_clause(piece))
            if boundary or new_action or re.match(r"\s*,?\s*(?:and|but)\b", sep):
                groups.append(_Group(part, piece.strip(), lead_part=part))
            else:
                prev.text += joined_sep + piece.strip()
            return
        if part == "shipped" and prev.part == "in_flight" and len(piece.split()) <= 3:
            prev.text += joined_sep + piece.strip()  # "upgrade in progress, staging done, ..."
            return
        resolver_talk = owners.names_resolver(piece) and not rules.SELF_RE.match(piece)
        if prev.part == "blockers" and part in ("next_actions", "in_flight") and resolver_talk:
            prev.text += joined_sep + piece.strip()
            return
        if (
            part == "blockers"
            and prev.part == "in_flight"
            and rules.status_of(prev.text) == "in_review"
            and _WAITING_ONLY.match(piece)
        ):
            prev.text += joined_sep + piece.strip()  # "in review, waiting on Rami": the review
            return
        if part == "blockers" and prev.part in ("next_actions", "in_flight") and not boundary:
            prev.part = "blockers"
            prev.text += joined_sep + piece.strip()
            return
        groups.append(_Group(part, piece.strip(), lead_part=part))

    def _return(self, walk: _Walk, text: str, context: ExtractionContext, other: bool) -> bool:
        if other:
            return False
        found = find_return_time(text, recorded_at=context.recorded_at, default_tz=context.timezone)
        if found is None:
            return False
        phrase, when = found
        idx = text.lower().find(phrase.lower())
        if idx > 0 and _THIRD_PERSON_BEFORE.search(text[:idx].rsplit(" back", 1)[0]):
            return False
        walk.decl.returns_at, walk.decl.returns_at_iso = phrase, when
        walk.return_rest = _RETURN_CUE_END.sub("", text[: max(idx, 0)]).strip(" ,;.")
        return True

    def _return_spans(
        self, walk: _Walk, longer: str, piece: str, context: ExtractionContext
    ) -> bool:
        """Take the return time from `longer` when it reaches past `piece` (one more clause)."""
        found = find_return_time(
            longer, recorded_at=context.recorded_at, default_tz=context.timezone
        )
        if found is None:
            return False
        phrase, when = found
        end = longer.lower().find(phrase.lower()) + len(phrase)
        if end > len(piece) and not longer[end:].strip(" .,;!"):
            walk.decl.returns_at, walk.decl.returns_at_iso = phrase, when
            return True  # the next clause is all return time
        return False

    # -- chat replies ------------------------------------------------------------------------
    def _claim(self, walk: _Walk, seg: Segment, speaker: str) -> bool:
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
        self._append_action(
            walk, NextAction(action=task, owner=speaker, evidence=[segment_evidence(seg.text, seg)])
        )
        return True

    def _append_action(self, walk: _Walk, action: NextAction) -> None:
        walk.decl.next_actions = [*walk.decl.next_actions, action]
        walk.action_at[len(walk.decl.next_actions) - 1] = walk.message

    # -- building items ------------------------------------------------------------------------
    def _add(self, walk: _Walk, part: str, group: _Group, ev: Evidence, *, me: str | None) -> None:
        text = group.text.strip(" ,;.")
        if not has_content(text):
            return
        decl = walk.decl
        refs = find_refs(text)
        if part == "shipped":
            for piece in split_objects(text):
                summary = re.sub(r"^(?:also|and|oh and|plus)\s+", "", piece, flags=re.I)
                decl.shipped = [
                    *decl.shipped,
                    ShippedItem(summary=summary, refs=find_refs(piece), evidence=[ev]),
                ]
        elif part == "in_flight":
            pieces = split_named_items(text)
            for n, piece in enumerate(pieces):
                self._in_flight(
                    walk,
                    piece,
                    find_refs(piece) if len(pieces) > 1 else refs,
                    ev,
                    me=me,
                    antecedent=group.antecedent if n == 0 else None,
                )
        elif part == "decisions":
            decision, rationale = rules.split_rationale(rules.decision_text(text))
            decl.decisions = [
                *decl.decisions,
                Decision(decision=decision, rationale=rationale, evidence=[ev]),
            ]
        elif part == "blockers":
            self._blocker(walk, group, text, ev, me=me)
        elif part == "next_actions":
            for action in _SPLIT_ACTIONS.split(text):
                self._action(walk, action, ev, me=me)

    def _in_flight(
        self,
        walk: _Walk,
        text: str,
        refs: list[str],
        ev: Evidence,
        *,
        me: str | None,
        antecedent: str | None = None,
    ) -> InFlightItem:
        status = walk.label_status or rules.status_of(text) or "in_progress"
        if status == "done" and walk.section != "in_flight":
            status = "in_progress"
        owner = me if re.search(r"\b(?:I|I'm|I've|my)\b", text) and me else None
        named = _OWNER_NOTE.search(text)
        if named:  # a table's owner column ("Biometric login (owner: Marisol)")
            owner = walk.people.canonical(named.group(1))
            text = (text[: named.start()] + text[named.end() :]).strip()
        name = rules.item_name(text)
        if (
            re.fullmatch(
                # a pronoun, or a bare status ("..., still in progress") that names nothing
                r"(?:it|that|this|they|those|these|it's|that's|in progress|in review|wip|"
                r"blocked|done|not started)",
                name,
                re.I,
            )
            and antecedent
        ):
            name = antecedent  # "Siobhan needs to review the migration script, it's in review"
        item = InFlightItem(
            item=name,
            status=status,  # type: ignore[arg-type]
            summary=text,
            refs=refs,
            owner=owner,
            evidence=[ev],
        )
        walk.decl.in_flight = [*walk.decl.in_flight, item]
        return item

    def _blocker(
        self, walk: _Walk, group: _Group, text: str, ev: Evidence, *, me: str | None
    ) -> None:
        decl = walk.decl
        if self._continues_last_blocker(walk, text, ev, me=me):
            return
        item_name: str | None = None
        subject = _BLOCKED_SUBJECT.match(text)
        pronoun = _PRONOUN_BLOCKED.match(text)
        if pronoun and not subject and last_noun_phrase(pronoun.group("head")):
            # "The tricky bit is the ranking experiment — it can't start until ..."
            name = last_noun_phrase(pronoun.group("head")) or ""
            created = self._in_flight(walk, name, find_refs(pronoun.group("head")), ev, me=me)
            item_name = created.item
            self._set_blocked(walk, len(decl.in_flight) - 1)
        elif (
            group.lead_part == "in_flight"
            or (subject and has_content(subject.group("subject"), 1))
            or (
                walk.blocked_label
                and not _SUBJECTLESS_BLOCKER.match(text)
                and not _NEEDS_LEAD.match(text)
            )
        ):
            head = subject.group("subject") if subject else re.split(r",|\s+(?:—|–)\s+", text)[0]
            created = self._in_flight(walk, head, find_refs(head), ev, me=me)
            item_name = created.item
            self._set_blocked(walk, len(decl.in_flight) - 1)
        elif (
            (_SUBJECTLESS_BLOCKER.match(text) or (walk.blocked_label and _NEEDS_LEAD.match(text)))
            and decl.in_flight
            and not _OWN_OBJECT.search(text)
            and not _REVIEW_WAIT.search(decl.in_flight[-1].summary or "")
            and (not walk.listed or _same_line(decl.in_flight[-1].evidence, ev))
        ):
            idx = len(decl.in_flight) - 1
            item_name = decl.in_flight[idx].item
            self._set_blocked(walk, idx)
        else:
            mentioned = mentioned_item(decl.in_flight, text)
            if mentioned is not None:
                item_name = decl.in_flight[mentioned].item
                self._set_blocked(walk, mentioned)
        needed_from = owners.resolver(
            text, people=walk.people, exclude={me or "", walk.author or ""}
        )
        walk.blocker_sentence = walk.sentence
        text = _OWNER_NOTE.sub("", text)  # the owner went to the item; the blocker is the why
        for i, old in enumerate(decl.blockers):
            if item_name and old.item and fold(old.item) == fold(item_name):
                # the same item said to be blocked twice (a table row, then a sentence on why)
                decl.blockers[i] = old.model_copy(
                    update={
                        "description": text
                        if len(old.description.split()) <= 5
                        else f"{old.description}; {text}",
                        "needed_from": old.needed_from or needed_from,
                        "evidence": [*old.evidence, ev],
                    }
                )
                return
        decl.blockers = [
            *decl.blockers,
            Blocker(description=text, item=item_name, needed_from=needed_from, evidence=[ev]),
        ]

    @staticmethod
    def _continues_last_blocker(walk: _Walk, text: str, ev: Evidence, *, me: str | None) -> bool:
        """'X is blocking Y; waiting on Priya to approve it': the second clause says who can clear
        the blocker just named in the same sentence, so it completes that blocker rather than
        becoming a new one (which would also be pinned to the wrong item)."""
        decl = walk.decl
        if not decl.blockers or not _SUBJECTLESS_BLOCKER.match(text):
            return False
        last = decl.blockers[-1]
        same_sentence = bool(last.evidence) and last.evidence[0].quote == ev.quote
        if not same_sentence or last.needed_from:
            return False
        needed_from = owners.resolver(
            text, people=walk.people, exclude={me or "", walk.author or ""}
        )
        if needed_from is None:
            return False
        decl.blockers = [
            *decl.blockers[:-1],
            last.model_copy(
                update={"description": f"{last.description}; {text}", "needed_from": needed_from}
            ),
        ]
        return True

    @staticmethod
    def _names_resolver_of_last_blocker(
        walk: _Walk, text: str, ev: Evidence, *, me: str | None
    ) -> bool:
        """'X is blocked: waiting on the review. Only Oksana in security signs it.': a sentence
        right after a blocker that names no one, saying who alone can act, completes it."""
        decl = walk.decl
        if not decl.blockers or decl.blockers[-1].needed_from:
            return False
        if walk.sentence - walk.blocker_sentence > 2 or not owners.names_resolver(text):
            return False
        if rules.part_of(text) in ("shipped", "decisions"):
            return False
        who = owners.resolver(text, people=walk.people, exclude={me or "", walk.author or ""})
        if who is None:
            return False
        last = decl.blockers[-1]
        decl.blockers = [
            *decl.blockers[:-1],
            last.model_copy(
                update={
                    "needed_from": who,
                    "evidence": [*last.evidence, ev],
                    # "X is blocked" alone, then the sentence saying why: keep the why
                    "description": text if len(last.description.split()) <= 5 else last.description,
                }
            ),
        ]
        return True

    @staticmethod
    def _set_blocked(walk: _Walk, idx: int) -> None:
        items = list(walk.decl.in_flight)
        items[idx] = items[idx].model_copy(update={"status": "blocked"})
        walk.decl.in_flight = items

    def _action(self, walk: _Walk, text: str, ev: Evidence, *, me: str | None) -> None:
        text = text.strip(" ,;.")
        if not has_content(text):
            return
        owner, how = owners.action_owner(text, people=walk.people, me=me)
        explicit = _EXPLICIT_OWNER.match(text) if walk.action_label else None
        if explicit and fold(explicit.group(1)) not in {"i", "we", "someone", "somebody"}:
            owner, how = walk.people.canonical(explicit.group(1)), "named"
        if how == "self" and me is None:
            owner = None
        action = _ACTION_LEAD.sub("", text).strip() or text
        idx = mentioned_item(walk.decl.in_flight, action)
        item = walk.decl.in_flight[idx].item if idx is not None else None
        self._append_action(walk, NextAction(action=action, item=item, owner=owner, evidence=[ev]))


def _same_line(evidence: list[Evidence], ev: Evidence) -> bool:
    """Was the item said in the sentence or list line `ev` quotes? A blocker on a line of its own
    ("- Blocked on the certificate; Hicham has to renew it") names no item; it does not block the
    item on the line before."""
    return any(e.quote == ev.quote for e in evidence)


def _listed_item(walk: _Walk, part: str | None, piece: str) -> bool:
    """A bare name after a comma under an in-flight label is another item of the list ("WIP:
    search autocomplete (70%), onboarding tooltips")."""
    return (
        walk.section == "in_flight"
        and part == walk.section
        and rules.part_of(piece) is None
        and len(piece.split()) <= 5
        and not find_refs(piece)
        and not re.search(r"\d", piece)
    )


def _asks_for_action(piece: str) -> bool:
    """A clause that asks for or commits to work: 'I'll ...', '... please ...', 'Next, X will'."""
    return bool(
        rules.SELF_RE.match(piece)
        or re.search(
            r"\bplease\b|^(?:next|then|tomorrow)\b|^(?:can|could) (?:someone|you)\b", piece, re.I
        )
    )
