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

from handoff.declaration import (
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
from summarizer import chat, owners, rules, status_words
from summarizer.base import ExtractionContext
from summarizer.blockers import (
    OWNER_NOTE,
    add_blocker,
    continues_last_blocker,
    gives_why,
    names_resolver_of_last_blocker,
    nobody_for_last_blocker,
)
from summarizer.blocks import read_blocks
from summarizer.changes import announces_change, continues_change
from summarizer.clauses import clauses
from summarizer.cues import (
    ACK_SENTENCE,
    DETAIL,
    NEW_COURSE,
    weaker_than_question,
)
from summarizer.evidence import segment_evidence
from summarizer.groups import merge_piece
from summarizer.items import (
    ASIDE,
    HANDLE_WORKS,
    PART_OF_ITEM,
    SOMEONE_ON_IT,
    asks_for_action,
    dedupe_actions,
    has_content,
    last_noun_phrase,
    listed_item,
    mentioned_item,
    split_named_items,
    split_objects,
)
from summarizer.labels import LabelClassifier
from summarizer.normalize import normalize
from summarizer.people import PeopleIndex
from summarizer.rationale import is_reason, split_rationale
from summarizer.retractions import begin_sentence, take_back
from summarizer.returns import find_return_time
from summarizer.walk import Asked, Group, Walk

_ACK = re.compile(
    r"^\W*(?:thanks|thank you|thx|ty|ok|okay|cool|great|nice|\+1|ack|sounds good|lol|noted|"
    r"will do|on it|np|sure|please do|go ahead|perfect)\b[\w\s!.,]{0,20}$",
    re.I,
)
_THIRD_PERSON_BEFORE = re.compile(
    r"(?:\b(?:he|she|they)|\b[A-ZÀ-Þ][a-zß-ÿ]+)\s*(?:is|'s|will\s+be|are)"
    r"(?:\s+(?:out|off|away|on leave|"
    r"ooo|gone))?(?:\s+(?:until|till|from|on|for))?\s*$"
)
# What a clause said before its return time ("... i'll wire up events after back mon 10am").
_RETURN_CUE_END = re.compile(
    r"\s*(?:\b(?:and\s+)?(?:I'?ll\s+be|I'?m|I\s+am|we'?re|we'?ll\s+be)\s*)?"
    r"\b(?:back|online(?:\s+again)?|in|returning|off\s+until|out\s+until)?"
    r"(?:\s+(?:online|again))*(?:\s+(?:at|around|by|on|from))?\s*$",
    re.I,
)
_ACTION_LEAD = re.compile(
    r"^(?:(?:next(?!\s+shift)|then|and|also|so|tomorrow|after that|later)\s*[:,]?\s+)*", re.I
)
_SPLIT_ACTIONS = re.compile(
    r",?\s+and\s+(?=(?:then\s+)?(?:I'?ll|I\s|we\s|someone|somebody|@\w|[A-ZÀ-Þ][a-zß-ÿ]+\s+(?:will|to|should|"
    r"needs|can|is going))\b)|,\s+(?:and\s+)?then\s+|\s+and\s+then\s+",
)
# Meeting-minutes syntax: "[action] persia to ask ...", "ALL: please check ...", "bob: to verify".
_ACTION_LABELS = frozenset({"action", "actions", "action items", "todo", "to do"})
_EXPLICIT_OWNER = re.compile(
    r"^@?([\w.|-]+):?\s+(?:(?:and|&)\s+@?[\w.|-]+\s+)?(?:to|will|should|please|must|needs\s+to)\b",
    re.I,
)


# A list line that names a piece of work: a few words that start like a noun phrase (not a
# greeting, a question, a person's aside, a date or a sign-off).
_LISTED_WORK = re.compile(
    r"^(?!(?:hi|hello|hey|thanks|thank|ok|okay|yes|no|so|and|but|also|I|I'm|I've|we|we're|you|"
    r"he|she|they|it|it's|there|this|that|today|tomorrow|yesterday|back|off|see|cheers|bye|"
    r"note|fyi|ps|btw)\b)"
    r"(?!(?-i:[A-ZÀ-Þ][\w'’-]+)(?:\s+(?-i:[A-ZÀ-Þ][\w'’-]+)){0,2}\W*$)"  # a name alone
    r"(?!(?-i:[A-ZÀ-Þ][a-zß-ÿ'’-]+)\s*(?:,|—|–|·|/|\|)\s)"  # "Renata, bike-share": who and where
    r"(?=\S)[^?]{6,140}$",
    re.I,
)


# Someone said to be partway through the work, after its name.
_PERSON_ON_IT = re.compile(
    r"(?:[—–,;:(]\s*|\s-\s)(?-i:([A-ZÀ-Þ][a-zß-ÿ]+))(?:'s|’s|\s+is)\s+(?:halfway|half\s+way|"
    r"on\s+it|still\s+on\s+it|doing\s+it|working\s+on\s+it|mid-?way|nearly\s+done|almost\s+done|"
    r"finishing\s+it)\b",
    re.I,
)


class OfflineExtractor:
    """Rule-based extraction; fast (milliseconds) and deterministic."""

    name = "offline"

    def __init__(self, *, label_classifier: LabelClassifier | None = None) -> None:
        # Headings the phrase table does not know go to this nearest-example classifier when a
        # caller supplies one (it needs an embedding model; the default path stays model-free).
        self.label_classifier = label_classifier

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        segments, listed, fresh, soft = read_blocks(
            transcript.segments or [Segment(text=transcript.text)],
            classifier=self.label_classifier,
        )
        speakers = {s.speaker for s in segments if s.speaker}
        people = PeopleIndex(vocabulary=context.vocabulary, speakers=set(speakers))
        first_speaker = next((s.speaker for s in segments if s.speaker), None)
        author = people.canonical(context.author) if context.author else first_speaker
        walk = Walk(
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
            if seg.speaker or seg.speaker != previous_speaker or index in fresh:
                # A label in a chat message speaks for that message only.
                walk.section, walk.label_status = None, None
                walk.action_label = False
                walk.blocked_label = False
            walk.soft = False
            if soft and index in soft:
                walk.section, walk.soft = soft[index], True
            previous_speaker = seg.speaker
            self._segment(walk, seg, context)
        decl = walk.decl
        decl.next_actions = dedupe_actions(decl.next_actions)
        decl.stated_empty = sorted(
            p for p in walk.stated_empty if p == "returns_at" or not getattr(decl, p)
        )
        return decl

    # -- reading ---------------------------------------------------------------------------------
    def _segment(self, walk: Walk, seg: Segment, context: ExtractionContext) -> None:
        speaker = walk.people.canonical(seg.speaker) if seg.speaker else None
        other = bool(speaker and walk.author and not chat.same_person(speaker, walk.author))
        me = speaker if speaker else walk.author
        if other and chat.claim(walk, seg, speaker or ""):
            return
        if other and _ACK.match(seg.text.strip()):
            return
        if other and not chat.REQUEST.search(seg.text):
            asked = chat.question(seg.text)
            if asked is not None:  # "anything blocking?": structure for the answer, not content
                walk.asked, walk.asker = asked, speaker
                return
        if not other and walk.asked is not None:
            asked, walk.asked = walk.asked, None
            self._answer(walk, seg, context, asked)
            return
        prefixes = context.vocabulary.ticket_prefixes
        typed = seg.speaker is not None  # chat is typed; speech and pasted wraps may be raw ASR
        if walk.soft and walk.section and rules.EMPTY_BODY.match(seg.text):
            walk.stated_empty.add(walk.section)  # "anything else blocking?" "nope"
            return
        for clause in (c for s in split_sentences(seg.text) for c in clauses(s, typed=typed)):
            raw = clause.raw
            walk.spoken = clause.spoken
            if clause.spoken and not walk.soft:
                # A label said aloud ("blocker the token expired") covers its own clause only; a
                # template question's default covers its whole answer (an answer typed without a
                # full stop reads like a recognizer's run).
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
                walk.section, walk.soft = part, False
                walk.label_sentence = walk.sentence + 1
                if rules.EMPTY_BODY.match(text):
                    walk.stated_empty.add(part)
                    walk.section, walk.label_status = None, None
                    continue
            else:
                text = status_words.terse_status(text)
            self._sentence(walk, text, ev, me=me, other=other, context=context)

    def _answer(self, walk: Walk, seg: Segment, context: ExtractionContext, asked: Asked) -> None:
        """The author's answer to a teammate's question (`summarizer.chat.read_answer`)."""
        chat.read_answer(walk, seg, asked, read=lambda: self._segment(walk, seg, context))

    def _sentence(
        self,
        walk: Walk,
        text: str,
        ev: Evidence,
        *,
        me: str | None,
        other: bool,
        context: ExtractionContext,
    ) -> None:
        walk.sentence += 1
        walk.previous_text, walk.current_text = walk.current_text, text
        begin_sentence(walk)
        text, retracted = take_back(walk, text)  # "Actually no, scrap that, ...": the last undone
        lead = rules.REASON_LEAD.match(text)
        # "Decision: weekly payouts. Why: the banks batch on Fridays.", or a sentence saying who
        # wanted it ("... we keep the original tint. The ministry wants it archival.")
        implied = (
            walk.sentence - walk.decision_sentence == 1
            and is_reason(text)
            and rules.part_of(text) in (None, "in_flight")  # "... wants it untouched"
        )
        if (lead or implied) and walk.decl.decisions and walk.decl.decisions[-1].rationale is None:
            last = walk.decl.decisions[-1]
            why = text[lead.end() if lead else 0 :].strip(" .")
            walk.decl.decisions = [
                *walk.decl.decisions[:-1],
                last.model_copy(update={"rationale": why, "evidence": [*last.evidence, ev]}),
            ]
            return
        if continues_change(walk, text, ev) or self._decision_goes_on(walk, text, ev):
            return
        if ASIDE.match(text):
            return  # "for context, the numbers look odd because ...": background, not a part
        if ACK_SENTENCE.fullmatch(text.strip(" .!")):
            return  # "please do. also we decided ...": a reply to an offer, not an action
        if names_resolver_of_last_blocker(walk, text, ev, me=me):
            return
        if nobody_for_last_blocker(walk, text, ev):
            return
        groups = self._groups(walk, text, other=other, context=context)
        if not any(g.part or walk.section for g in groups) and gives_why(walk, text, ev, me=me):
            return  # "Stock count: can't begin. The scanners haven't come back from repair."
        if groups and groups[0].part and walk.section and groups[0].part != walk.section:
            walk.section, walk.label_status = None, None  # a new topic ends the label's reach
        for before, group in zip([None, *groups], groups, strict=False):
            if before is not None:
                group.antecedent = last_noun_phrase(before.text)
            part = group.part or walk.section or retracted
            if part is None and len(groups) == 1:
                # "the main thing is the new layout, which is done": the status came in a
                # clause that only continues the sentence
                part = rules.part_of(group.text)
            if part is None and walk.listed and before is None and _LISTED_WORK.match(group.text):
                # a list line about a piece of work that says neither done, planned, decided nor
                # blocked is work in hand: a status update lists what is open
                part = "in_flight"
            if part is None:
                continue
            self._add(walk, part, group, ev, me=me)

    @staticmethod
    def _decision_goes_on(walk: Walk, text: str, ev: Evidence) -> bool:
        """'Decided: the 24-hour discount is off. We now discount only half-empty sailings,
        because ...': the sentence after a decision that says what holds now is that decision's
        new course, and its reason is the decision's reason."""
        decisions = walk.decl.decisions
        if not decisions or walk.sentence - walk.decision_sentence != 1:
            return False
        if not NEW_COURSE.match(text):
            return False
        course, why = split_rationale(text.strip(" ."))
        if rules.part_of(course) == "blockers":
            return False  # "We now wait on legal": a blocker said after the decision
        last = decisions[-1]
        walk.decl.decisions = [
            *decisions[:-1],
            last.model_copy(
                update={
                    "decision": f"{last.decision.rstrip(' .')}; {course}",
                    "rationale": last.rationale or why,
                    "evidence": [*last.evidence, ev],
                }
            ),
        ]
        return True

    def _groups(
        self, walk: Walk, text: str, *, other: bool, context: ExtractionContext
    ) -> list[Group]:
        """The sentence's clauses merged into groups of one idea, each with the part it speaks
        to; stated-empty parts, return times and absences are taken out on the way."""
        groups: list[Group] = []
        for hard_index, hard in enumerate(rules.split_hard(text)):
            partial = rules.PARTIAL_RE.search(hard)
            if partial and not rules.stated_empty(hard) and rules.part_of(hard) != "blockers":
                # "iOS works, Android doesn't": one item in progress, never shipped work
                merge_piece(groups, "in_flight", hard, "; ", boundary=hard_index > 0)
                continue
            pieces = rules.split_soft(hard)
            skip_to = -1
            for soft_index, (sep, piece) in enumerate(pieces):
                if soft_index <= skip_to:
                    continue
                empties = rules.stated_empty(piece)
                if walk.section == "decisions" and "decisions" not in empties:
                    empties = set()  # "Decision: no deploys on Friday" is a decision, not "none"
                if empties:
                    walk.stated_empty |= empties
                    continue
                if self._return(walk, piece, context, other):
                    # "Back tomorrow, 7am Pacific": the time may go on past the comma.
                    # "Back Monday at eight, no, half eight, Oslo time": it may go on for several
                    for last in range(len(pieces) - 1, soft_index, -1):
                        longer = piece + "".join(
                            a + b for a, b in pieces[soft_index + 1 : last + 1]
                        )
                        if self._return_spans(walk, longer, piece, context):
                            skip_to = last
                            break
                    rest = walk.return_rest
                    if not (has_content(rest, 3) and rules.part_of(rest)):
                        continue
                    piece = rest  # the clause said something before its return time
                if rules.ABSENCE_RE.match(piece) or rules.WHEREABOUTS_RE.match(piece):
                    continue
                if rules.REVERSAL_RE.match(piece):
                    # "we undid yesterday's call. Back to X, because Y": what follows is the
                    # decision now in force
                    walk.section, walk.soft, walk.label_status = "decisions", False, None
                    continue
                part = self._piece_part(
                    walk, piece, first=hard_index == 0 and soft_index == 0, clause=hard
                )
                listed = soft_index > 0 and not walk.soft and listed_item(walk.section, part, piece)
                boundary = (soft_index == 0 and hard_index > 0) or listed
                merge_piece(groups, part, piece, sep, boundary=boundary)
        return groups

    def _piece_part(self, walk: Walk, piece: str, *, first: bool, clause: str) -> str | None:
        if not first and rules.CONTINUATION_RE.match(piece):
            return None  # "..., since X", "..., should finish overnight": part of the clause before
        if not first and DETAIL.match(piece):
            return None  # "the import; half of them load, the XLSX ones fail": how it stands
        own = rules.part_of(piece)
        section = walk.section
        if walk.soft and own is not None:
            # a question's part is only the default for an answer, unless the answer's own cue
            # is weaker than the question (`weaker_than_question`)
            return section if weaker_than_question(section, own, piece, clause) else own
        if own is None and walk.soft:
            if first and section == "next_actions" and re.match(r"^[^:]{3,60}:\s+\S", piece):
                return "in_flight"  # "What's next?" "The webhook handler: parsing works, ..."
            return section  # "anything blocking?" "the sandbox certs expired": the answer
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
        if (
            section == "decisions"
            and own == "next_actions"
            and first
            and walk.sentence != walk.label_sentence
        ):
            return own  # "Decision: X. Tomáš merges it after review.": a new sentence's act
        if own == "next_actions" and section == "blockers" and owners.names_resolver(piece):
            return None
        if own == "next_actions" and section == "blockers" and asks_for_action(piece):
            return own  # "Blocker: ... . Next shift, please keep watching": a new sentence's ask
        if own in ("shipped", "in_flight") and section in ("shipped", "in_flight"):
            return own
        return section

    def _return(self, walk: Walk, text: str, context: ExtractionContext, other: bool) -> bool:
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
        self, walk: Walk, longer: str, piece: str, context: ExtractionContext
    ) -> bool:
        """Take the return time from `longer` when it reaches past `piece` (one more clause)."""
        found = find_return_time(
            longer, recorded_at=context.recorded_at, default_tz=context.timezone
        )
        if found is None:
            return False
        phrase, when = found
        end = longer.lower().find(phrase.lower()) + len(phrase)
        tail = phrase.lower().rstrip(" .,;!")[-12:]
        if longer.lower().rstrip(" .,;!").endswith(tail):
            end = len(longer)  # a corrected time ("eight, no, half eight") reads to the end
        if end > len(piece) and not longer[end:].strip(" .,;!"):
            walk.decl.returns_at, walk.decl.returns_at_iso = phrase, when
            return True  # the next clause is all return time
        return False

    # -- chat replies ------------------------------------------------------------------------
    # -- building items ------------------------------------------------------------------------
    def _add(self, walk: Walk, part: str, group: Group, ev: Evidence, *, me: str | None) -> None:
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
            decision, rationale = split_rationale(rules.decision_text(text))
            decl.decisions = [
                *decl.decisions,
                Decision(decision=decision, rationale=rationale, evidence=[ev]),
            ]
            walk.decision_sentence = walk.sentence
            announces_change(walk)
        elif part == "blockers":
            add_blocker(
                walk,
                group,
                text,
                ev,
                me=me,
                make_item=lambda name, refs: self._in_flight(walk, name, refs, ev, me=me),
            )
        elif part == "next_actions":
            if continues_last_blocker(walk, text, ev, me=me):
                return
            for action in _SPLIT_ACTIONS.split(text):
                self._action(walk, action, ev, me=me)

    def _in_flight(
        self,
        walk: Walk,
        text: str,
        refs: list[str],
        ev: Evidence,
        *,
        me: str | None,
        antecedent: str | None = None,
    ) -> InFlightItem:
        said = status_words.status_of(text)
        # "WIP: the reader pilot, in review with Montse": the item's own words say more than a
        # generic label
        status = said if said in ("in_review", "blocked") else walk.label_status or said
        status = status or "in_progress"
        if status == "done" and walk.section != "in_flight":
            status = "in_progress"
        owner = me if re.search(r"\b(?:I|I'm|I've|my)\b", text) and me else None
        handle = HANDLE_WORKS.match(text)
        if handle:  # "@kai is rewriting the parser": kai's item
            owner = walk.people.canonical(handle.group(1))
        on_it = _PERSON_ON_IT.search(text)
        if on_it and owner is None:  # "flying rig inspection — Brett's halfway": Brett's item
            owner = walk.people.canonical(on_it.group(1))
        named = OWNER_NOTE.search(text)
        if named:  # a table's owner column ("Biometric login (owner: Marisol)")
            owner = walk.people.canonical(named.group(1))
            text = (text[: named.start()] + text[named.end() :]).strip()
        name = rules.item_name(text)
        if (PART_OF_ITEM.fullmatch(name) or SOMEONE_ON_IT.match(text)) and walk.decl.in_flight:
            # "the schema part is done, the migration part isn't", "Sneha is reviewing": a part
            # of the item just named, or who is on it
            last = walk.decl.in_flight[-1]
            partial = last.status != "blocked" and not SOMEONE_ON_IT.match(text)
            status = "in_progress" if partial else last.status
            walk.decl.in_flight = [
                *walk.decl.in_flight[:-1],
                last.model_copy(update={"status": status, "evidence": [*last.evidence, ev]}),
            ]
            return walk.decl.in_flight[-1]
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

    def _action(self, walk: Walk, text: str, ev: Evidence, *, me: str | None) -> None:
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
        chat.append_action(walk, NextAction(action=action, item=item, owner=owner, evidence=[ev]))
