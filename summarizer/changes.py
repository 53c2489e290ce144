"""A decision announced as a change of plan, whose content the next sentences give.

"Wall texts: change of plan. The venue reminded us nothing adhesive may touch the plaster, so the
vinyl lettering is off. Texts go on printed foam boards." The label says a decision changed; the
next sentence gives the reason and what was dropped, the one after it what holds now. Read as
one decision, the reason belongs to the new course, which is what a later "why did we drop the
vinyl lettering?" must find.
"""

from __future__ import annotations

import re

from handoff.declaration import Evidence
from summarizer.rationale import split_rationale
from summarizer.walk import Walk

_BARE_CHANGE = re.compile(
    r"^(?:(?:a\s+)?change\s+of\s+plans?|plans?\s+changed|(?:a\s+)?new\s+plan|u-?turn|"
    r"different\s+plan|plan\s+b)\W*$",
    re.I,
)
# "<why>, so the vinyl lettering is off": the reason, then what it drops
_WHY_SO_DROPPED = re.compile(
    r"^(?P<why>.{8,}?),?\s+so\s+(?P<dropped>.+?\b(?:is|are|'s)\s+(?:now\s+)?(?:off|out|dropped|"
    r"cancell?ed|scrapped|gone|dead)\b.*)$",
    re.I,
)


def announces_change(walk: Walk) -> None:
    """Note whether the decision just added only says that a plan changed."""
    last = walk.decl.decisions[-1]
    walk.changing = bool(
        _BARE_CHANGE.match(last.decision) or (last.rationale and _BARE_CHANGE.match(last.rationale))
    )


def continues_change(walk: Walk, text: str, ev: Evidence) -> bool:
    """Complete a decision announced as a change with the sentence after it; False when the
    sentence is not its continuation."""
    decisions = walk.decl.decisions
    labelled = walk.label_sentence == walk.sentence  # "Next: ..." speaks for itself
    if not walk.changing or not decisions or labelled or walk.sentence - walk.decision_sentence > 1:
        walk.changing = False
        return False
    last = decisions[-1]
    said = text.strip(" .")
    dropped = _WHY_SO_DROPPED.match(said)
    if dropped:
        # the reason and what it drops; what holds now may follow
        update = {"decision": dropped.group("dropped"), "rationale": dropped.group("why")}
    else:
        walk.changing = False
        course, why = split_rationale(said)
        before = "" if _BARE_CHANGE.match(last.decision) else last.decision.rstrip(" .:")
        kept = None if _is_marker(last.rationale) else last.rationale
        update = {"decision": f"{course}; {before}" if before else course, "rationale": why or kept}
    decisions[-1] = last.model_copy(update={**update, "evidence": [*last.evidence, ev]})
    walk.decision_sentence = walk.sentence
    return True


def _is_marker(text: str | None) -> bool:
    return bool(text and _BARE_CHANGE.match(text))
