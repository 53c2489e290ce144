"""Spoken wraps into text rules can read: fillers out, self-corrections applied, numbers as digits.

People speak their wraps, so a recognizer's text has fillers ("um", "you know"), false starts
("the, the cache"), self-corrections ("X is merged — no sorry, X is still in review": the correction
wins), and numbers as words ("PR sixty six oh one", "OPS seven seventy", "half past eight"). Each
function here is a general rewrite of one phenomenon; `normalize` applies them in order. The
original sentence is kept by the caller as evidence; only the rules see the rewritten text.
"""

from __future__ import annotations

import re

from word2number import w2n

_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred", "thousand"}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TEENS, *_TENS, *_SCALES], key=len, reverse=True))
# A run of number words ("sixty six oh one", "three hundred and four", "twenty-one").
_RUN = rf"(?:(?:{_NUMBER_WORD})(?:(?:\s+and)?[\s-]+(?:{_NUMBER_WORD}))*)\b"

_FILLERS = re.compile(
    r"(?:(?<=^)|(?<=[\s,.;:—–-]))(?:um+|uh+|uhm+|erm+|er|ah+|hmm+|you know|i mean(?= the| it| we)|"
    r"like(?=,)|sort of|kind of|basically|literally|okay so|ok so|alright so|right so|so yeah|"
    r"yeah so|let me think|where do i start|anyway)(?=[\s,.;:!?]|$)[,]?",
    re.IGNORECASE,
)
_REPEAT = re.compile(r"\b(\w+)(?:,?\s+\1\b)+", re.IGNORECASE)
# "X — no sorry, Y", "X, no wait, Y", "X — actually no, Y", "X, I mean Y", "X, scratch that, Y"
_MARKERS = (
    r"(?:no,?\s+sorry|sorry,?\s+no|no,?\s+wait|wait,?\s+no|actually,?\s+no|no,?\s+actually|"
    r"scratch that|correction|or rather|sorry,?\s+i\s+mean|i\s+mean|no\s+no|sorry)"
)
# Without punctuation before it, a marker that is also an ordinary word ("the spelling correction",
# "sorry for the noise") does not retract anything; the unambiguous ones still do.
_BARE_MARKERS = (
    r"(?:no,?\s+sorry|sorry,?\s+no|no,?\s+wait|wait,?\s+no|actually,?\s+no|no,?\s+actually|"
    r"scratch that|or rather|sorry,?\s+i\s+mean|no\s+no|"
    r"sorry(?=,?\s+(?:it'?s|it\s+is|that'?s|they'?re|it\s+was)\b))"
)
_CORRECTION = re.compile(
    rf"(?:\s*(?:[—–]|--)\s*(?:well|{_MARKERS})|(?:,\s*|\.\s+){_MARKERS}|\s+{_BARE_MARKERS})\b"
    rf"[,:]?\s*",
    re.IGNORECASE,
)
_PRONOUN_START = re.compile(r"^(?:that|it|this)(?:'s|\s+is|\s+was)\s+", re.IGNORECASE)
_REF_WORDS = re.compile(
    rf"\b(PR|MR|pull\s+request|merge\s+request|issue|bug|ticket|incident|case)(\s+(?:number\s+|no\.?\s+)?)"
    rf"({_RUN})",
    re.IGNORECASE,
)


def _digits_spoken(words: list[str]) -> str | None:
    """Digits of an identifier read out in groups: 'sixty six oh one' -> '6601'."""
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in _TENS:
            if (
                i + 1 < len(words)
                and words[i + 1] in _UNITS
                and words[i + 1] not in ("zero", "oh", "o")
            ):
                out.append(str(_TENS[w] + _UNITS[words[i + 1]]))
                i += 2
                continue
            out.append(str(_TENS[w]))
        elif w in _TEENS:
            out.append(str(_TEENS[w]))
        elif w in _UNITS:
            out.append(str(_UNITS[w]))
        else:
            return None
        i += 1
    return "".join(out) or None


def spoken_number(phrase: str) -> str | None:
    """A run of number words as digits: identifiers digit-group by digit-group, amounts with
    'hundred'/'thousand' as their value ('three hundred and four' -> '304')."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower().strip()) if w and w != "and"]
    if not words:
        return None
    if any(w in _SCALES for w in words):
        head = words[0]
        # "fourteen hundred" read as a time or a year stays digit-grouped ("14" + "00").
        if len(words) == 2 and words[1] == "hundred" and head in _TEENS:
            return f"{_TEENS[head]}00"
        try:
            return str(w2n.word_to_num(" ".join(words)))
        except ValueError:
            return None
    return _digits_spoken(words)


# Capitals followed by a number that are not ticket keys ("UTC 14", "QA 2").
_NOT_TICKET_KEYS = frozenset(
    [
        "PR",
        "MR",
        "I",
        "A",
        "UTC",
        "GMT",
        "IST",
        "CET",
        "CEST",
        "SGT",
        "JST",
        "PST",
        "PDT",
        "EST",
        "EDT",
        "ET",
        "PT",
        "CT",
        "AM",
        "PM",
        "SRE",
        "QA",
        "API",
        "CI",
        "CD",
        "UI",
        "UX",
        "ISO",
        "UTF",
        "SHA",
        "MD",
        "RFC",
        "TLS",
        "SSL",
        "HTTP",
        "OK",
    ]
)


def spoken_refs(text: str, *, ticket_prefixes: tuple[str, ...] = ()) -> str:
    """'PR sixty six oh one' -> 'PR #6601'; 'OPS seven seventy' and 'OPS 770' -> 'OPS-770'."""

    prefixes = {p.upper() for p in ticket_prefixes}
    key = r"[A-Z][A-Z0-9]{1,9}"
    if prefixes:
        key = rf"(?:{key}|{'|'.join(map(re.escape, sorted(prefixes, key=len, reverse=True)))})"

    def ticket(m: re.Match[str]) -> str:
        prefix, rest = m.group(1), m.group(2)
        if prefix.upper() in _NOT_TICKET_KEYS or (
            not prefix.isupper() and prefix.upper() not in prefixes
        ):
            return m.group(0)
        digits = rest if rest.isdigit() else spoken_number(rest)
        return f"{prefix.upper()}-{digits}" if digits else m.group(0)

    flags = re.IGNORECASE if prefixes else 0
    text = re.sub(
        rf"\b({key})\s+(?:dash\s+|number\s+)?(\d{{1,6}}\b|{_RUN})", ticket, text, flags=flags
    )

    def pr(m: re.Match[str]) -> str:
        digits = spoken_number(m.group(3))
        return f"{m.group(1)} #{digits}" if digits else m.group(0)

    text = _REF_WORDS.sub(pr, text)
    text = re.sub(
        r"\b(PR|MR|pull request|merge request)\s+(?:number\s+|no\.?\s+)?(\d{1,7})\b",
        r"\1 #\2",
        text,
        flags=re.IGNORECASE,
    )
    return text


_HOUR_WORDS = [*_UNITS, *_TEENS, "twenty", "twenty one", "twenty two", "twenty three"]
_TIME_WORD = rf"(?:{'|'.join(sorted(_HOUR_WORDS, key=len, reverse=True))})"


def _hour(word: str) -> int | None:
    value = spoken_number(word)
    return int(value) if value and value.isdigit() and int(value) <= 24 else None


def spoken_times(text: str) -> str:
    """'half past eight' -> '8:30', 'nine thirty' -> '9:30', 'ten a.m.' -> '10am',
    'fourteen hundred' -> '14:00', 'at nine' -> 'at 9'."""

    def sub(pattern: str, fn: object) -> None:
        nonlocal text
        text = re.sub(pattern, fn, text, flags=re.IGNORECASE)  # type: ignore[call-overload]

    sub(r"\ba\.m\.", lambda m: "am")
    sub(r"\bp\.m\.", lambda m: "pm")

    def past(m: re.Match[str]) -> str:
        h = _hour(m.group(2))
        mins = {"half": 30, "quarter": 15}[m.group(1).lower()]
        return f"{h}:{mins:02d}" if h is not None else m.group(0)

    def to(m: re.Match[str]) -> str:
        h = _hour(m.group(1))
        return f"{(h - 1) % 24}:45" if h is not None else m.group(0)

    sub(rf"\b(half|quarter)\s+past\s+({_TIME_WORD}|\d{{1,2}})\b", past)
    sub(rf"\bquarter\s+to\s+({_TIME_WORD}|\d{{1,2}})\b", to)

    def hundred_clock(word: str, said: str) -> str:
        h = _hour(word)
        return f"{h}:00" if h is not None else said

    # "at fourteen hundred" is a time; "three hundred megabytes" is an amount (read elsewhere)
    # "cap refunds at four hundred" is an amount: a small hour word with "hundred" is a time only
    # when "hours" is said or a unit-less "oh" leads it
    sub(
        rf"\b((?:at|by|from|until|till|around|before|after|back)\s+)({_TIME_WORD})\s+hundred"
        rf"(?P<hours>\s+hours)?\b(?!\s+and\b)",
        lambda m: (
            m.group(0)
            if (_hour(m.group(2)) or 0) < 10 and not m.group("hours")
            else m.group(1) + hundred_clock(m.group(2), m.group(0))
        ),
    )

    def hh_mm(m: re.Match[str]) -> str:
        h = _hour(m.group(1))
        mins = spoken_number(m.group(2))
        if h is None or not mins or int(mins) >= 60:
            return m.group(0)
        return f"{h}:{int(mins):02d}"

    minutes = (
        r"(?:oh\s+(?:five|one|two|three|four|six|seven|eight|nine)|fifteen|thirty|forty[\s-]five|"
        r"forty|fifty|twenty|ten)"
    )
    sub(rf"\b({_TIME_WORD})\s+({minutes})\b(?!\s+(?:percent|%|minutes|hours|days|people))", hh_mm)

    def clock(m: re.Match[str]) -> str:
        h = _hour(m.group(1))
        return f"{h}{m.group(2).replace(' ', '').lower()}" if h is not None else m.group(0)

    sub(rf"\b({_TIME_WORD})\s*(am|pm|o'?clock)\b", clock)
    sub(r"\b(\d{1,2})\s+(am|pm)\b", lambda m: f"{m.group(1)}{m.group(2).lower()}")

    def at(m: re.Match[str]) -> str:
        h = _hour(m.group(2))
        return f"{m.group(1)} {h}" if h is not None else m.group(0)

    sub(
        rf"\b(at|by|from|until|around)\s+({_TIME_WORD})\b(?!\s+(?:percent|%|of|days|hours|minutes|people|"
        rf"clusters|thousand|hundred|million|{UNIT_WORDS}))",
        at,
    )
    return text


#: Words that make a spoken number an amount, never a clock time ("three hundred megabytes").
UNIT_WORDS = (
    r"(?:[kmgt]i?b|bytes?|kilobytes?|megabytes?|gigabytes?|terabytes?|ms|milliseconds?|seconds?|"
    r"secs?|minutes?|mins?|hours?|days?|weeks?|months?|requests?|events?|users?|items?|machines?|"
    r"sites?|rows?|records?|customers?|errors?|pods?|nodes?|servers?|tickets?|orders?|messages?|"
    r"calls?|times|devices?|accounts?|files?|images?|euros?|dollars?|pounds?|rps|qps|percent)"
)


def spoken_amounts(text: str) -> str:
    """'three hundred megabytes' -> '300 megabytes', 'twenty five megabytes' -> '25 megabytes':
    a run of number words before a unit is one amount, read by value."""

    def amount(m: re.Match[str]) -> str:
        words = [w for w in re.split(r"[\s-]+", m.group(1)) if w.lower() != "and"]
        if len(words) < 2:
            return m.group(0)  # "one week" reads as said; only runs could be misread as times
        value = spoken_number(m.group(1))
        return f"{value} " if value else m.group(0)

    return re.sub(rf"\b({_RUN})\s+(?={UNIT_WORDS}\b)", amount, text, flags=re.IGNORECASE)


def spoken_quantities(text: str) -> str:
    """'forty percent' -> '40%', 'four point two' -> '4.2' (versions and amounts)."""

    def percent(m: re.Match[str]) -> str:
        value = spoken_number(m.group(1))
        return f"{value}%" if value else m.group(0)

    text = re.sub(rf"\b({_RUN})\s*(?:percent|per cent)\b", percent, text, flags=re.IGNORECASE)
    text = re.sub(r"\b(\d{1,3})\s*(?:percent|per cent)\b", r"\1%", text, flags=re.IGNORECASE)

    def point(m: re.Match[str]) -> str:
        a, b = spoken_number(m.group(1)), spoken_number(m.group(2))
        return f"{a}.{b}" if a and b else m.group(0)

    return re.sub(rf"\b({_RUN})\s+point\s+({_RUN})", point, text, flags=re.IGNORECASE)


def remove_fillers(text: str) -> str:
    text = _FILLERS.sub(" ", text)
    text = _REPEAT.sub(r"\1", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    return " ".join(text.split()).strip(" ,;")


def _subject(dropped: str) -> str | None:
    """What a retracted statement was about: 'Deployed the invoice PDF service' -> its object."""
    s = re.split(r"\s+(?:is|are|was|were|has|have|'s)\b|,", dropped, maxsplit=1)[0]
    s = re.sub(
        r"^(?:so\s+|and\s+|i\s+|we\s+)?(?:deployed|shipped|merged|finished|released|fixed|closed|"
        r"completed|landed|done with)\s+",
        "",
        s.strip(),
        flags=re.IGNORECASE,
    )
    return s.strip() if 0 < len(s.split()) <= 8 else None


# A comma clause with a subject of its own ("it's merged", "Layla's looking at it"): a
# correction right after it takes back that clause, not the sentence's earlier ones.
_OWN_SUBJECT = re.compile(
    r"^(?:it'?s|it\s+is|that'?s|that\s+is|he'?s|she'?s|they'?re|(?-i:[A-ZÀ-Þ][a-zß-ÿ]+)(?:'s|\s+is|\s+has))\s",
    re.I,
)


_BACK_CUE = re.compile(r"\b(?:back|returning|online again|off until|out until)\b", re.I)


def apply_corrections(text: str) -> str:
    """Keep what the speaker corrected to; a leading 'that's'/'it's' gets the retracted subject."""
    pos = 0
    while True:
        m = _CORRECTION.search(text, pos)
        if not m or m.start() == 0:
            return text
        before, after = text[: m.start()], text[m.end() :]
        # Within one sentence a correction retracts the clause it follows, not earlier clauses.
        cut = max(before.rfind(";"), before.rfind(". "))
        comma = before.rfind(",")
        if comma > cut and _OWN_SUBJECT.match(before[comma + 1 :].strip()):
            cut = comma  # "X is in review, Layla's on it, no wait, Omar is": only that clause
        keep, retracted = (before[: cut + 1] + " ", before[cut + 1 :]) if cut >= 0 else ("", before)
        if _BACK_CUE.search(retracted) and not _BACK_CUE.search(after):
            # "back monday at six no sorry seven": only the time is taken back, which the
            # return-time reader does itself (it keeps the day)
            pos = m.end()
            continue
        # "not done, it's blocked": drop the retraction's echo ("not done").
        after = re.sub(r"^not\s+\w+(?:\s+\w+)?,\s*", "", after, flags=re.IGNORECASE)
        if _PRONOUN_START.match(after):
            subject = _subject(retracted)
            if subject:
                after = _PRONOUN_START.sub(f"{subject} is ", after, count=1)
        text = (keep + after).strip()


# Chat shorthand for days: "will review tmr morning", "back tmrw 9".
_DAY_SHORTHAND = re.compile(r"\b(?:tmrw?|tmw|tmrow|2moro|2morrow|2mrw)\b", re.IGNORECASE)


def expand_shorthand(text: str) -> str:
    """'tmr' and its spellings as 'tomorrow', which the plan and return rules read."""
    return _DAY_SHORTHAND.sub("tomorrow", text)


def normalize(text: str, *, ticket_prefixes: tuple[str, ...] = ()) -> str:
    """All rewrites, in the order they depend on each other."""
    text = expand_shorthand(remove_fillers(text))
    text = apply_corrections(text)
    text = spoken_refs(text, ticket_prefixes=ticket_prefixes)
    text = spoken_quantities(text)
    text = spoken_amounts(text)
    text = spoken_times(text)
    return text
