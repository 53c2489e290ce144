"""Sentences for text a recognizer wrote without punctuation or case.

An offline recognizer (pocketsphinx) emits one lowercase run with no punctuation: "so today i
merged the login fix pr forty two and the search indexer is still in review waiting on dana no
blockers i'll pick up the cache work tomorrow back at nine am london time". The rules read
sentences and clauses, so such a run is cut into clauses first, at the places speech marks a new
one:
- a hesitation ("um", "uh") or a discourse marker ("also", "and then", "oh and", "next", "so yeah");
- a new subject once the clause so far already has its verb: "i ...", "we ...", "there's ...", a
  noun phrase followed by its verb ("the index rebuild is ..."), a name followed by a modal
  ("diego will ...");
- a stated-empty part ("no blockers", "nothing shipped") and a return time ("back monday at nine");
- a part word used as a spoken label ("blocker the api token expired" -> "Blocker: the api ...").
Then each clause is given the case the rules expect: "i" as "I", and a lowercase word in the slot
of a person ("need selin to", "with femi", "petro please") capitalized as a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handoff.text import WEEKDAYS
from summarizer.people import NOT_NAMES


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_PUNCT = re.compile(r"[.,;:!?—–()\[\]]|\s-\s")
_FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "hmm"})
_MARKERS = frozenset({"also", "anyway", "plus", "alright", "right", "okay", "ok"})
_MARKER_PAIRS = frozenset(
    {("and", "then"), ("oh", "and"), ("so", "yeah"), ("yeah", "so"), ("and", "also"), ("so", "um")}
)
_TIME_WORDS = _wordset(
    "tomorrow today tonight week month sprint morning afternoon evening later next this then"
) | frozenset(WEEKDAYS)
_SUBORDINATE = _wordset(
    "and but or because since so that when if until as before after which who what where cause "
    "once while than though although unless whether how why think guess say said hope know mean "
    "whatever till"
)
_SUBJECTS = _wordset("i i'll i'm i've we we've we're we'll there's someone somebody")
_FUTURE_TIME = _wordset("tomorrow tonight week next later then") | frozenset(WEEKDAYS)
_NOT_CONTENT = _wordset(
    "um umm uh uhh uhm erm er hmm so yeah hey oh and then also anyway okay ok alright right well "
    "there's basically"
)
_BLOCKER_QUALIFIERS = _wordset("one a the no main big only any another my our real")
_INJECTION = re.compile(
    r"^(?:ignore|disregard|forget|override) (?:previous|prior|the|all|your|"
    r"everything|above|earlier)\b"
)
# "i'm about halfway", "i'm maybe a third through" is the status of the clause before.
_STATUS_AFTER_IM = _wordset(
    "about maybe like roughly almost nearly halfway probably kind sort mostly around"
)
# "sorry i mean", "the only blocker is we need": the subject goes on the clause before.
_SHIFTS = _wordset("day night morning evening late early next incoming")
_ASKS = _wordset("please will should can could needs has must")
_INVERTED_MODALS = _wordset("can could would will")
_NO_CUT_BEFORE_SUBJECT = _wordset("sorry mean wait actually no rather is was decided")
_REASON_VERBS = _wordset("need needs can't cannot have still are")
_BLOCKED_WORDS = _wordset("blocked stuck hold waiting")
_DETERMINERS = _wordset("the our my this their")
_PREPOSITIONS = _wordset(
    "for of in on with to at from by about into than like over under between via per"
)
_NP_VERBS = _wordset(
    "is are was were has have had keeps kept got gets needs hasn't haven't isn't aren't wasn't "
    "went still broke failed should will must can't won't"
)
_IRREGULAR_PAST = _wordset("got bought sent built made put found took brought left set")
_VERBISH = _wordset(
    "is are was were be been has have had got gets get did does do done went go goes keeps kept "
    "will would should can could need needs must merged shipped live deployed released started "
    "finished expanded answered closed sent moved made broke failed took please keep"
)
_MODAL_AFTER_NAME = re.compile(
    # "greta in facilities is the one who can": where the person sits may come first
    r"^(?:(?:in|from|at)\s+(?:the\s+)?[a-z-]+\s+)?"
    r"(?:will|please|is going to|is gonna|needs to|has to|should|can|could|is on|owns|takes|"
    r"is the one|is the only)\b"
)
_BACK_FOLLOW = _wordset(
    "tomorrow today tonight on at in online next around by from early first late after this"
) | frozenset(WEEKDAYS)
_BACK_NOT_AFTER = _wordset(
    "be i'm im am rolled roll get got come coming came go going went call calling write bring "
    "push pushed scale scaled set sent send fall fell dial i'll"
)
_EMPTY_STARTS = re.compile(
    r"^(?:no (?:blockers?|decisions?|calls|next steps|follow ups)|nothing(?:'s)? (?:blocking|"
    r"blocked|shipped|is blocking|in the way)|didn't ship|did not ship|haven't shipped)\b"
)
_LABEL_WORDS = re.compile(
    r"^(blockers?|next steps|next up|next|decisions?|shipped|done|in review|in progress)\s+"
    r"(?!(?:is|are|was|were|for|on|week|month|sprint|shift|time|"
    + "|".join(WEEKDAYS)
    + r"|to|of|the\s+\w+\s+is)\b)",
)
_THERE_BLOCKER = re.compile(
    r"^(?:(?:there's|there is|the|one|my|our)\s+)?(?:(?:one|a|only one|just one|another|main|big|"
    r"only)\s+)*blockers?\s+(?:is\s+)?"
)
_LEAD_FILLER = re.compile(r"^(?:(?:um+|uh+|so|and|okay|ok|yeah|also|well)\s+)+")
_COMMON = _wordset(
    "team finance legal marketing security design product support engineering ops infra "
    "someone somebody everyone anyone people them us me you him her they it what there "
    "review approval data access everything nothing that this then now today tomorrow also "
    "call shift duty week day night time one ones thing things side end part work job jobs stuff "
    "build release test tests fix change nodes "
    "just still really the a an and or but so to is are was were be will can should please "
    "going need needs has have had who which from with on in for of at by"
)
#: Role nouns a spoken name may follow ("their support lead kofi can", "the cargo clerk jimmy
#: has to"): the person holding the role.
_ROLE_NOUN_WORDS = [
    *("lead", "manager", "officer", "admin", "administrator", "engineer", "contact", "liaison"),
    *("owner", "director", "head", "coordinator", "dispatcher", "sysadmin", "inspector"),
    *("clerk", "agent", "rep", "representative"),
]
# A lowercase word where speech puts a person: "need selin to", "with femi", "petro please".
_NAME_SLOT = re.compile(
    r"(?:(?<=\bneed )|(?<=\bneeds )|(?<=\bask )|(?<=\bping )|(?<=\bonly )|(?<=\bit's )|"
    r"(?<=\bwaiting on )|(?<=\bwaiting for )|(?<=\bwith )|(?<=\bfrom )|(?<=\btell )|"
    r"(?<=\bthat's ))(?P<a>[a-z][a-z'-]{2,})(?=\s+(?:to|has|who|from|can|will|is|in)\b|$)|"
    r"(?:^|(?<=\bnext )|(?<=\bthen )|(?<=\band )|(?<=\bso )|(?<=\bsteps )|(?<=\bnext up )"
    # "only their support lead kofi can": the person holding the role
    + "".join(rf"|(?<=\b{noun} )" for noun in _ROLE_NOUN_WORDS)
    + r")"
    r"(?P<b>[a-z][a-z'-]{2,})"
    r"(?=\s+(?:(?:in|from|at)\s+[a-z-]+\s+)?(?:will|please|is going to|is gonna|needs to|"
    r"has to|should|can|could|owns|is on|hasn't|hasnt|haven't|didn't|won't|"
    # "next declan merges the alerts": a name, then what they do
    r"is the|[a-z]{3,}(?<!s)s\s+(?:the|a|an|it|them|this|that|our|his|her))\b)|"
    r"\b(?P<c>[a-z]{3,})(?='s\s+(?:call|decision|sign-?off|approval|team)\b)"
)


@dataclass(frozen=True, slots=True)
class Clause:
    """A piece of the original text (for evidence) and the text the rules read."""

    raw: str
    text: str
    spoken: bool = False  # cut from an unpunctuated run


def unpunctuated(sentence: str) -> bool:
    """A run with no sentence punctuation and (almost) no capitals: a recognizer's raw output."""
    words = sentence.split()
    if len(words) < 5 or _PUNCT.search(sentence):
        return False
    capitals = sum(1 for w in words if w[:1].isupper())
    return capitals <= max(1, len(words) // 20)


def clauses(sentence: str, *, typed: bool = False) -> list[Clause]:
    """The sentence as clauses; punctuated or typed text (a chat message) is returned whole, for
    the rules split it. A recognizer's segment ends at a pause, so each is cut on its own."""
    if typed or not unpunctuated(sentence):
        return [Clause(raw=sentence, text=sentence)]
    sentence = _REPAIRED.sub(r"\1", sentence)  # "we decided to um to publish": one "to"
    words = sentence.split()
    cuts = _lone_labels_joined(words, _boundaries([w.lower() for w in words]))
    out: list[Clause] = []
    for start, end in zip(cuts, [*cuts[1:], len(words)], strict=False):
        raw = " ".join(words[start:end])
        out.append(Clause(raw=raw, text=_spoken_label(truecase(raw)), spoken=True))
    return out


#: A part's word said on its own before what it labels ("blocked the barge isn't loading").
_LONE_LABELS = frozenset({"blocked", "blocker", "blockers", "shipped", "decided", "decisions"})


def _lone_labels_joined(words: list[str], cuts: list[int]) -> list[int]:
    """Cuts, less those after a clause that is only a part's word: "blocked" cut off by the new
    subject after it labels that clause rather than being a clause of its own."""
    kept = cuts[:1]
    for start in cuts[1:]:
        said = [w.lower().strip(",.") for w in words[kept[-1] : start] if w.lower() not in _FILLERS]
        if not (len(said) == 1 and said[0] in _LONE_LABELS):
            kept.append(start)
    return kept


def _boundaries(words: list[str]) -> list[int]:
    cuts = [0]
    has_verb = False
    content = 0  # words in the clause so far that are not fillers or markers
    for i, w in enumerate(words):
        # A long verbless stretch is a clause of its own, unless it is a topic put first ("the
        # offline cache for articles i haven't started that yet").
        topic = next((x for x in words[cuts[-1] : i] if x not in _NOT_CONTENT), "") in _DETERMINERS
        long_enough = content >= 4 and not topic
        if i and content and _cut_before(words, i, has_verb=has_verb or long_enough):
            start = i
            while (
                start - 1 > cuts[-1]
                and words[start - 1] in _FUTURE_TIME
                and words[i] in _SUBJECTS
                and words[start - 2] not in _PREPOSITIONS | {"until", "till", "since", "before"}
            ):
                start -= 1  # "tomorrow i'll ...": the time goes with what follows
            if words[i] in ("someone", "somebody") and words[start - 1] in _INVERTED_MODALS:
                start -= 1  # "can someone ...": the question starts at its modal
            if start > cuts[-1]:
                cuts.append(start)
                has_verb = False
                content = sum(1 for x in words[start:i] if x not in _NOT_CONTENT)
        if w not in _NOT_CONTENT:
            content += 1
        if w in _VERBISH or w.endswith(("n't", "'s", "'re", "'ll")) or _past(w):
            has_verb = True
        if _EMPTY_STARTS.match(" ".join(words[max(cuts[-1], i - 2) : i + 1])):
            has_verb = True
    return cuts


def _cut_before(words: list[str], i: int, *, has_verb: bool) -> bool:
    w, prev = words[i], words[i - 1]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if w in _FILLERS:
        # "we ordered from uh alpine rescue": a pause inside a phrase is no clause's end
        return prev not in _FILLERS | _PREPOSITIONS | _DETERMINERS | {"a", "an", "and", "or"}
    if (w, nxt) in _MARKER_PAIRS:
        return True
    if w == "and" and nxt in ("i'll", "we'll", "someone", "somebody", "i'm", "i've", "we're"):
        return True  # "... waiting on finance and i'll chase it monday": a new action
    if w == "we" and nxt in ("decided", "agreed", "chose") and has_verb:
        return True  # "... who handles that we decided to ...": the decision starts anew
    if w in ("decisions", "decision") and nxt in _SUBJECTS | {"we're", "um", "uh"}:
        return True  # "blockers none decisions we're keeping ...": a spoken label
    if w == "and" and nxt in _DETERMINERS and has_verb and _noun_phrase_subject(words, i + 1):
        return True  # "i merged the fix and the indexer is in review"
    if (prev, w) in _MARKER_PAIRS:
        return False
    if w in _MARKERS and prev not in _SUBORDINATE | _SUBJECTS:  # not "we also finished"
        return w not in ("right", "okay", "ok") or nxt == "so"
    if w == "next" and nxt not in _TIME_WORDS | {"to", "one", "shift"}:
        return prev not in _DETERMINERS | {"a", "is", "for", "until", "by", "no", "any"}
    if w in ("blocker", "blockers") and prev not in _BLOCKER_QUALIFIERS:
        return True
    if (
        w in ("decisions", "decision", "blocked")
        and nxt in ("none", "nothing", "no", "zero")
        and prev not in ("no", "any", "nothing")
    ):
        return True  # "... still open decisions none today blocked no blockers"
    if _spoken_part_word(words, i, has_verb=has_verb):
        return True
    if _EMPTY_STARTS.match(" ".join(words[i : i + 3])) or _INJECTION.match(f"{w} {nxt}"):
        return True
    if w == "back" and nxt in _BACK_FOLLOW:
        return prev not in _BACK_NOT_AFTER
    if w == "online" and nxt in ("again", "at", "from", "tomorrow", "on"):
        return prev not in _BACK_NOT_AFTER | {"back"}
    if w in _SHIFTS and nxt == "shift" and i + 2 < len(words) and words[i + 2] in _ASKS:
        return True  # "... day shift please silence it": the shift is addressed
    if w in ("i", "we") and nxt in _REASON_VERBS and _BLOCKED_WORDS & set(words[max(0, i - 8) : i]):
        return False  # "x is blocked we need finance to ...": the reason stays with its blocker
    if prev in ("blocker", "blockers") and w in _DETERMINERS:
        return False  # "one blocker the backup job keeps failing": the label's own clause
    return has_verb and _new_subject(words, i)


# Words that say more about a verb than a spoken label would ("we shipped", "is blocked").
_LABEL_NOT_AFTER = _SUBJECTS | _wordset(
    "is are was were be been being it's that's also just still now currently got get has have "
    "had not never finally already totally completely it they he she who which and partly mostly"
)


def _spoken_part_word(words: list[str], i: int, *, has_verb: bool) -> bool:
    """'... for the kiosk squad shipped the menu sync', '... bigger ones fail decided we go
    with ...', '... and yeah blocked on the landlord portal': a part's word said as a label
    after a finished clause, not as that clause's verb."""
    w, prev = words[i], words[i - 1]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if not has_verb or prev in _LABEL_NOT_AFTER:
        return False
    if w == "blocked":
        # "... shipped nothing today blocked the barge isn't loading": a label before a clause
        return nxt in ("on", "by") or nxt in _DETERMINERS
    if w == "decided":
        return nxt in ("we", "to", "that", "on")
    if w == "shipped":
        return nxt in _DETERMINERS | {"a", "an"}
    return False


_ROLE_NOUNS = _wordset(" ".join(_ROLE_NOUN_WORDS))


def _past(word: str) -> bool:
    return len(word) > 4 and word.endswith("ed") and word not in ("need", "speed", "feed")


# A word said again after a filler, or a short function word said twice: a speaker's restart.
_REPAIRED = re.compile(
    r"\b(\w+)(?:\s+(?:um+|uh+|uhm|erm|er|eh|euh))+\s+\1\b|"
    r"\b(?=(to|the|a|with|we|i|and|is|it|on|for|of)\s+\2\b)\w+\s+",
    re.I,
)
#: Words for parties and roles: "only the divisional engineer can", "the press office can" say
#: who acts, and never start a new clause as a name would.
_PARTY_WORDS = _wordset(
    " ".join(_ROLE_NOUN_WORDS) + " office desk team unit department crew committee board "
    "council ministry service support staff people company vendor supplier contractor"
)


def _new_subject(words: list[str], i: int) -> bool:
    w, prev = words[i], words[i - 1]
    if w in _SUBJECTS:
        if prev in _SUBORDINATE or prev in _NO_CUT_BEFORE_SUBJECT or _relative(words, i):
            return False
        nxt = words[i + 1] if i + 1 < len(words) else ""
        return not (w == "i'm" and nxt in _STATUS_AFTER_IM)
    if w in _DETERMINERS and prev not in _PREPOSITIONS | _SUBORDINATE | {"is", "was"}:
        return _noun_phrase_subject(words, i)
    if (
        w not in _COMMON
        and w not in NOT_NAMES
        and w not in _PARTY_WORDS
        and len(w) > 2
        and w.isalpha()
    ):
        rest = " ".join(words[i + 1 : i + 7])
        return (
            bool(_MODAL_AFTER_NAME.match(rest))
            and prev not in _DETERMINERS
            and prev not in _PREPOSITIONS
            and prev not in ("only", "just", "and", "or")
            and prev not in _ROLE_NOUNS  # "only their support lead kofi can": who holds it
        )
    return False


def _relative(words: list[str], i: int) -> bool:
    """'the new toboggan we ordered from ...': a subject right after a noun phrase, with a verb
    in the past, says which thing; the noun phrase's own verb is still to come."""
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if words[i] not in ("we", "i", "they") or not (_past(nxt) or nxt in _IRREGULAR_PAST):
        return False
    before = words[max(0, i - 4) : i]
    lead = max((k for k, x in enumerate(before) if x in _DETERMINERS | {"a", "an"}), default=-1)
    return lead >= 0 and not any(x in _VERBISH for x in before[lead + 1 :])


def _noun_phrase_subject(words: list[str], i: int) -> bool:
    """Does the noun phrase at i have its own verb a few words on ('the index rebuild is ...')?"""
    ahead = words[i + 1 : i + 13]
    for j, word in enumerate(ahead):
        if word in _NP_VERBS:
            return True
        after_prep = j > 0 and ahead[j - 1] in ("for", "of", "on", "in", "across", "at", "from")
        if (word in _DETERMINERS and not after_prep) or word in _SUBORDINATE:
            return False
        if word in _PREPOSITIONS - {"for", "of", "on", "in", "across", "at", "from", "between"}:
            return False
    return False


def truecase(text: str) -> str:
    """'i' as 'I' and a lowercase word in a person's slot as a name."""
    text = re.sub(r"\bi(?=\b|')", "I", text)

    def cap(m: re.Match[str]) -> str:
        word = m.group(0)
        if word in _COMMON or word in NOT_NAMES or word in _VERBISH:
            return word
        return word[:1].upper() + word[1:]

    return _NAME_SLOT.sub(cap, text)


def _spoken_label(text: str) -> str:
    """'blocker the token expired' -> 'Blocker: the token expired'; 'blockers none' likewise."""
    text = _LEAD_FILLER.sub("", text)
    m = _THERE_BLOCKER.match(text)
    if m and m.end() < len(text):
        return "Blocker: " + text[m.end() :]
    m = _LABEL_WORDS.match(text)
    if m and not m.group(1).startswith("next"):
        return f"{m.group(1)}: {text[m.end() :]}"
    if m and re.match(r"(?:none|nothing)\b", text[m.end() :]):
        return f"{m.group(1)}: {text[m.end() :]}"
    return text
