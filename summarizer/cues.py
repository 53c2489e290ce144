"""Small cues the clause walk consults about a piece of a sentence: details of an item said of
its parts, replies to an offer, and when a stand-up question's part beats an answer's own words.

Kept apart from `summarizer.offline` so the walk stays readable; each is a single judgement with
its reason beside it.
"""

from __future__ import annotations

import re

from summarizer import owners

# How an item stands, said of its parts: "half of them load", "the XLSX ones fail".
DETAIL = re.compile(
    r"^(?:(?:half|some|most|all|none|one|two|three|a few|many|\d+)\s+of\s+(?:them|these|those|it)|"
    r"(?:the\s+)?[\w-]+\s+ones|"
    # "70%, the sunrise ramp is left": what remains of the item
    r"(?:the\s+)?(?:[\w-]+\s+){1,3}(?:is|are)\s+(?:left|remaining|still\s+to\s+do|to\s+go)$)\b",
    re.I,
)
# "We now discount only ...", "Claims now go over in one batch", "Instead, ...": what holds
# from now on, said right after a decision
NEW_COURSE = re.compile(
    # ("off now, see you Monday" is the author leaving, not what holds now)
    r"^(?!(?:I'?m\s+|I\s+am\s+)?(?:off|out|away|done|signing|logging|heading|offline|back)\b)"
    r"(?:(?:[\w'-]+\s+){1,3}now\b|now\s+(?:we|it|they)\b|instead\b|from now on\b|"
    r"going forward\b)",
    re.I,
)
BLOCKED_WORDS = re.compile(r"\b(?:blocked|blocking|stuck|waiting|on hold|held up)\b", re.I)


_ACK = (
    r"(?:please do|will do|sounds good|thanks|thank you|go ahead|perfect|great|ok|okay|noted|"
    r"sure|yes please|cool|nice)"
)
# "thanks, please do": replies to an offer, one or several
ACK_SENTENCE = re.compile(rf"{_ACK}(?:[\s,.!]+{_ACK})*", re.I)


def weaker_than_question(section: str | None, own: str, piece: str, clause: str) -> bool:
    """Does a stand-up question's part win over what an answer's own words suggest? Only where
    those words are weak evidence: "Blockers?" "only Ernesto can whitelist us" names who acts, not
    an action; "Decisions?" "we dropped MARC export" is a past-tense decision, not shipped work."""
    if section == "blockers" and own == "next_actions":
        return owners.names_resolver(piece)
    if section == "decisions" and own == "next_actions":
        # "Anything decided?" "Tractors will carry the boxes, because the road washed out": a
        # plan given with its reason is the decision
        return _REASONED.search(clause) is not None
    return section == "decisions" and own == "shipped"


_REASONED = re.compile(r"\b(?:because|since|so that|as|given that)\b", re.I)
