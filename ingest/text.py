"""Plain text wraps: a pasted or typed wrap becomes a transcript of sentences (no times)."""

from __future__ import annotations

import re

from ingest.transcript import Segment, Transcript

# A sentence ends at . ! ? (not inside numbers like 2.5 or abbreviations like e.g.) or a line break.
# A line break also ends one when the next line is a label of a few words ("vault upgrade:
# blocked"), when the line it ends is a short note (typed wraps are lists; hard-wrapped prose has
# long lines), or when the next line starts with a capital and this one does not end mid-phrase.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"')\]]?\s+(?=\S)|\n\s*\n|"
    r"\n(?=\s*[-*•»›→\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]|\s*\d{1,2}[.)]\s|"
    # less common list markers ("+ done", "~ half way", "= decided", "! stuck", "> next")
    r"\s*[+~=!>‣◦▪]\s|"
    # lettered items ("a) finished: ...", "b) in progress: ...")
    r"\s*[a-zA-Z]\)\s|"
    r"\s*\w[\w .&/-]{0,30}:\s)"
)
_SHORT_LINE = re.compile(
    r"^(?:([^\n]{1,50})\n(?=\s*\S)|"
    r"([^\n]*[^\n\s,;:(&+/-](?<!\band)(?<!\bor)(?<!\bthe)(?<!\bto)(?<!\bof))\n(?=\s*[A-Z]))",
    re.MULTILINE,
)
_CLOCK_ABBREV = re.compile(r"\b[ap]\.m\.$", re.IGNORECASE)
# After "a.m."/"p.m." a sentence goes on when the next word is lowercase, a zone ("IST") or a
# place followed by "time" ("Madrid time").
_CLOCK_NEXT = re.compile(r"[a-z]|[A-Z]{2,5}\b|[A-Z][\w ]{1,20}?\s+time\b")
_LIST_NUMBER = re.compile(r"\d{1,3}\.")
_LIST_ITEM = re.compile(r"\d{1,2}\)\s")
_ABBREV = re.compile(
    r"\b(?:e\.g|i\.e|etc|vs|approx|Mr|Ms|Mrs|Dr|St|No|Sr|Sra|Srta|Jr|Prof|Mt|Capt|Sgt|Fr|Mme|Mlle)\.$",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """Sentences of a wrap, keeping bullet lines and `Label: ...` lines apart."""
    parts: list[str] = []
    start = 0
    text = _SHORT_LINE.sub(lambda m: (m.group(1) or m.group(2)) + "\n\n", text)
    for m in _SENTENCE_END.finditer(text):
        piece = text[start : m.start() + (1 if text[m.start() : m.start() + 1] in "\"')]" else 0)]
        if _ABBREV.search(text[start : m.start()].rstrip()) and not _LIST_ITEM.match(
            text[m.end() :]
        ):
            continue  # "e.g. the", "No. 5" (but "No. 4) Any decisions?" is an answer, then a line)
        if _LIST_NUMBER.fullmatch(piece.strip()):
            continue  # "2. What are you still on?": a numbered line's marker, not a sentence
        before, after = text[start : m.start()].rstrip(), text[m.end() :]
        if _CLOCK_ABBREV.search(before) and _CLOCK_NEXT.match(after):
            continue  # "back at nine a.m. Madrid time" is one sentence
        if before.count("(") > before.count(")") and after[:1].islower():
            continue  # "recipe(s?) to use libvirt": punctuation inside parentheses
        if before.endswith(("...", "…")) and after[:1].islower():
            continue  # "the breakwater light... half of it": a pause, not a sentence end
        parts.append(piece)
        start = m.end()
    parts.append(text[start:])
    return [p.strip() for p in (" ".join(x.split()) for x in parts) if p.strip()]


def transcript_from_text(text: str) -> Transcript:
    """A transcript whose segments are the text's sentences."""
    segments = [Segment(text=s) for s in split_sentences(text)]
    return Transcript(
        text=" ".join(text.split()), segments=segments, engine="text", source_kind="text"
    )
