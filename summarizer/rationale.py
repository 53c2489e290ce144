"""A decision's reason: where "we chose X because Y" splits into the choice and why, including
the weak connectives ("as", "for", "so") that count only before a clause, a judged clause with no
connective ("X over Y, simpler ops") and unpunctuated speech ("settled on X weekly ones were too
late"). Split from `summarizer.rules`, which keeps the part cues."""

from __future__ import annotations

import re

_RATIONALE_SPLIT = re.compile(
    r"\s*[,;:]?\s*\b(?:because(?: of)?|since|as|the reason being|reason being|mainly because|given|"
    r"partly because|largely because|given that|due to|so that|so|for|which means|otherwise|"
    r"in case)\b\s+"
    r"|\s+(?:—|–|--|-)\s+|\s*;\s+|:\s+",
    re.I,
)
_WEAK_CONNECTIVES = frozenset({"as", "for", "so"})
_EVALUATIVE = re.compile(
    r"\b(?:too|better|worse|simpler|easier|harder|cheaper|faster|slower|safer|less|more|only|"
    r"would|can'?t|doesn'?t|didn'?t|wasn'?t|isn'?t|breaks?|broke|risk|needed|required|matches)\b|"
    r"\w+er\b",
    re.I,
)


# "..., annual plans were confusing customers": a clause with its own subject and verb.
_OWN_CLAUSE = re.compile(
    r"^(?:[\w'-]+\s+){1,3}(?:was|were|is|are|had|kept|would|could|wasn'?t|weren'?t|isn'?t|"
    r"aren'?t|won'?t|can'?t|"
    # "..., growers asked for it", "..., the vendor limits us to that": who wanted or forced it
    r"asked|wanted|requested|insisted|complained|prefer(?:s|red)?|limits?|limited|"
    r"requires?|required|demanded|mandates?|mandated|told|found|showed|"
    # "..., the hockey tournament needs the ice", "..., the vet says they're getting fat"
    r"needs?|says|said|wants|has|have|keeps|broke|ran)\b",
    re.I,
)


def split_rationale(text: str) -> tuple[str, str | None]:
    """('we chose X', 'Y') from 'we chose X because Y', 'X instead of Z since Y',
    'X; Z was too slow', 'X, simpler ops'."""
    # A strong connective ("because", "since", a dash) wins over a weak one ("as", "for", "so")
    # wherever it is: "chose Redis for the counters because Y" gives its reason after "because".
    matches = list(_RATIONALE_SPLIT.finditer(text))
    strong = [m for m in matches if m.group(0).strip(" ,;:").lower() not in _WEAK_CONNECTIVES]
    for m in strong or matches:
        word = m.group(0).strip(" ,;:").lower()
        head, tail = text[: m.start()], text[m.end() :]
        if len(head.split()) < 1 or len(tail.split()) < 1:
            continue
        # "as"/"for"/"so" count only before a clause ("kept X as the backend" is not a reason).
        purpose = word == "so" and m.group(0).startswith(",") and len(tail.split()) >= 3
        if (
            word in _WEAK_CONNECTIVES
            and not purpose
            and (
                len(tail.split()) < 2
                or not re.match(
                    r"(?:it|we|they|the|this|that|there|our|[a-z]+ (?:is|are|was|were|has|have|can"
                    r"|would))\b",
                    tail,
                    re.I,
                )
            )
        ):
            continue  # "..., growers asked for it": "for" before a pronoun is no reason
        return head.strip(" ,;"), tail.strip(" ,;.") or None
    # No connective: "X over Y, simpler ops" / "X rather than Y, Y would mean ..."
    pieces = re.split(r",\s+", text, maxsplit=1)
    judged = len(pieces) == 2 and bool(
        _EVALUATIVE.search(pieces[1]) or _OWN_CLAUSE.match(pieces[1])
    )
    if judged and len(pieces[1].split()) <= 20:
        return pieces[0].strip(), pieces[1].strip(" .")
    # Unpunctuated speech: "settled on X weekly ones were too late" (a judged clause after X)
    judged_clause = _JUDGED_CLAUSE.match(text)
    if judged_clause:
        return judged_clause.group("decision").strip(), judged_clause.group("reason").strip(" .")
    return text.strip(" ,;."), None


_JUDGED_CLAUSE = re.compile(
    r"^(?P<decision>.{8,}?)\s+(?P<reason>(?:(?!the\b|a\b)[\w-]+\s+){1,2}(?:was|were|is|are|"
    r"would be|'s|kept)\s+(?:way\s+|much\s+|far\s+)?(?:too|more|less|a lot|cheaper|faster|slower|"
    r"simpler|easier|harder|safer|better|worse|breaking|failing)\b.*)$",
    re.I,
)


# "Decided: we keep the original tint. The ministry wants it archival.": who wanted or forced it.
_WHO_WANTED = re.compile(
    r"^(?:the\s+|our\s+|their\s+)?(?:[\w'-]+\s+){0,2}(?:wants?|needs?|requires?|insists?|"
    r"insisted|asked\s+for|demands?|demanded|prefers?|preferred|mandates?|complained)\b",
    re.I,
)


def is_reason(sentence: str) -> bool:
    """Does a sentence after a decision say who wanted or forced it (its reason)?"""
    return _WHO_WANTED.match(sentence.strip()) is not None and not re.match(
        r"(?:I|we|you)\b", sentence.strip(), re.I
    )
