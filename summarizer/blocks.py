"""Structure before sentences: a pasted wrap's headings, lists, tables, stand-up templates and
emoji status lines, read as blocks and rewritten as the labelled lines the clause rules read.

People paste what their tools make: a stand-up bot's questions with answers under them, Markdown
headings with a list under each, a table of items and statuses, one line per status emoji. Read
as sentences, a heading or a question becomes an item, a bullet or table marker stays in a name,
and a whole emoji list is one sentence. So before any clause is read, each segment is cut into
lines at the markers that survive the sentence splitter (a status emoji, a table row's edge), each
line is classified, headings are mapped to the part they introduce (`summarizer.labels`), and
every line under a heading becomes "Label: line" — one item per line, markers gone. A stand-up
question is a soft heading: its part is the default for an answer whose own words name none.

Chat messages are left alone: their structure is the message, already a segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from ingest.transcript import Segment
from summarizer import rules, status_words
from summarizer.labels import PART_LABELS, LabelClassifier, label_for, label_part, status_label
from summarizer.markers import (
    ANY_EMOJI_SPLIT,
    EMOJI_LEAD,
    EMOJI_SPLIT,
    PICTO,
    STARTS_EMOJI,
    emoji_label,
    strip_symbol,
    with_emoji,
)
from summarizer.moments import drop_corrected_days
from summarizer.people import looks_like_name
from summarizer.retractions import opens_with_retraction
from summarizer.status import one_item
from summarizer.tables import row_line, row_width, table_cells

_QUOTE_MARK = re.compile(r"^(?:>\s*)+")
_LINK = re.compile(r"\[([^\]\n]{1,200})\]\((?:https?://|/|#)[^)\s]*\)")
_LINK_ONLY = re.compile(r"^(?:[-*•]\s+)?\[[^\]\n]{1,200}\]\((?:https?://|/|#)[^)\s]*\)\s*[.!]?$")
_LINK_DEFINITION = re.compile(r"^\[[^\]\n]{1,200}\]:\s*\S+\s*$")  # "[@kai]: https://..."
_REF_HANDLE = re.compile(r"\[(@[\w.-]+)\]")
_HEADING_SPLIT = re.compile(r"\s+(?=#{1,6}\s)")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_HEADING = re.compile(r"^#{1,6}\s*(?P<text>.*?)\s*#*$")
_DASH_LEAD = re.compile(r"^(?:—|–|-{1,2})\s*")
_BOLD_ALONE = re.compile(r"^(?:\*\*|__)(?P<text>[^*_]{1,60}?)[:：]?(?:\*\*|__)[:：]?$")
# "**Blockers:** none", and Slack's single-asterisk bold: "*Issues?* the meter reads zero"
_BOLD_LEAD = re.compile(
    r"^(?:\*\*|__|\*(?=[^\s*])|_(?=[^\s_]))(?P<label>[^*_]{1,60}?)[:：]?(?:\*\*|__|\*|_)[:：]?"
    r"\s+(?P<rest>.+)$"
)
_ITALIC_ALONE = re.compile(r"^[*_](?P<text>[^*_]{3,80})[*_]$")
# "— Surge cap per zone": a stand-up bot's answer under its question is a dash line too
_BULLET = re.compile(r"^(?:[-*•·◦▪‣—–»›▸▶+~=!]|\d{1,2}[.)]|[a-z][.)])\s+(?P<text>.+)$")
_MARKER_ALONE = re.compile(r"^(?:[-*•—–]|\d{1,2}[.)])$")
_REASON = re.compile(r"^(?:reason|why|rationale|because)\b\s*[:：,-]?\s*", re.I)
_SPEAKER_LEAD = re.compile(r"^[A-Z][\w'-]+\s*:\s+(?=\S)")
_NAMED_ITEM_PARTS = re.compile(r"^(?P<name>[^:]{3,60}):\s+(?P<detail>\S.*)$")
_OPEN_QUESTION = re.compile(
    r"^(?:[-*•]\s+)?(?:what|why|how|when|where|who|which|should\s+we|do\s+we|does|is\s+it|are\s+we)\b"
    r"[^?]*\?$",
    re.I,
)
_OTHER_LABEL = re.compile(r"^(?P<label>[A-Za-z][\w'/-]*(?:\s+[\w'/-]+){0,2})\s*:\s+(?P<rest>\S.*)$")
_ARROW = r"(?:→|->|=>|⇒|➜|➔|➡️?|⟶)"
# "Finished? → the crash fix", "Plan -> tests": a template's label, then an arrow to its answer
_ARROW_LABEL = re.compile(
    r"^(?:(?:[-*•·]|\d{1,2}[.)])\s+)?(?P<label>[A-Za-z][\w'/-]*(?:\s+[\w'/-]+){0,2})\s*\??\s*"
    rf"{_ARROW}\s*(?P<rest>\S.*)$"
)
_ARROW_LEAD = re.compile(rf"^\s*{_ARROW}\s*\S")
_CLAUSE_WORD = re.compile(r"\b(?:on|by|with|for|from|at|to|until|is|are|was)\b", re.I)
_NOTHING = re.compile(r"^(?:nothing|none|n/?a|nil)\b", re.I)
# "X, scratch that, Y" on one line keeps Y; a line that opens with it is left to the walk, which
# takes back the line before (`summarizer.retractions`)
_RETRACTED = re.compile(r"^.*\b(?:scratch|strike|forget|ignore)\s+that\b[,.;:]?\s*", re.I)
_NAMED_ITEM = re.compile(r"^[^:]{3,60}:\s+\S")
# "Jakob: review #55", "Efua — check the refunds": a next action's owner, then the action
_OWNER_COLON = re.compile(r"^([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s*(?::|\s[—–-])\s+(?=[a-z])")
_RETURN_LEAD = re.compile(r"^(?:back|out|off|returning|ooo|online|away)\b", re.I)
_QUESTION = re.compile(
    r"^(?:(?:stand-?up\s+)?bot\s+asked\s*:\s*|\d{1,2}[.)]\s*|Q\d{0,2}\s*[:.]\s*)?"
    r"(?P<text>(?:what|any|anything|is|are|do|did|how|where|blockers|impediments)\b[^?]{2,80}\?)$",
    re.IGNORECASE,
)
# Any short question line that names a part is a bot's or a template's question ("Is anything
# slowing you down?", "Out of office?"); a question that names none stays a question.
_ANY_QUESTION = re.compile(r"^(?:[*_]+)?(?P<text>[A-Za-z][^?.!]{1,70}\?)(?:[*_]+)?$")
# "What went out the door: the route planner ...": the question and its answer on one line.
_QUESTION_LEAD = re.compile(
    r"^(?P<label>(?:what|what's|whats|anything|any|is|are|how|where|who|when)\b[^:?]{2,50})"
    r"[:?]\s+(?P<rest>\S.*)$",
    re.I,
)
_LABEL_ALONE = re.compile(r"^(?P<text>[A-Za-z][\w /&'-]{1,40}?)\s*[:：]$")
_BOLD_MARKS = re.compile(r"\*\*|__|(?<!\w)\*(?=[\w(])|(?<=[\w)])\*(?!\w)")


@dataclass
class _State:
    """The heading in force: its part, and whether it is a question (a soft default)."""

    part: str | None = None
    soft: bool = False
    status_label: str | None = None  # a heading's own wording ("In review") when it says one
    header: list[str] | None = None  # the open table's column names
    width: int = 0  # the open table's column count, from its rule line
    bulleted: bool = False  # the last line under this heading was a list item
    listed: bool = False  # the line being read is a list item, an emoji line or a table row
    headed: bool = False  # a heading has been read (on its own line or leading one)
    inline: bool = False  # the heading in force leads its own line ("*Issues?* ...")


class Structured(NamedTuple):
    """The rewritten segments, and which of them were list lines (a bullet, an emoji line, a
    table row, a line under a heading): each of those is an item of its own."""

    segments: list[Segment]
    listed: frozenset[int]
    # Lines a heading's reach covers that carry no label of their own (an answer whose words
    # name another part, a line under "## Notes"): a label read before them must not reach them.
    fresh: frozenset[int] = frozenset()
    # Answers under a template's question that speak for themselves: the question's part is
    # the default for a clause whose own words name none ("Anything in your way?" then "No
    # idea who owns the SFTP keys, and the import fails nightly").
    soft: dict[int, str] | None = None


def restructure(
    segments: list[Segment], *, classifier: LabelClassifier | None = None
) -> list[Segment]:
    """The segments with structured lines rewritten as labelled lines; chat messages and plain
    prose come back as they were."""
    return read_blocks(segments, classifier=classifier).segments


def read_blocks(
    segments: list[Segment], *, classifier: LabelClassifier | None = None
) -> Structured:
    if any(s.speaker for s in segments):
        return Structured(segments, frozenset())
    state = _State()
    out: list[Segment] = []
    listed: set[int] = set()
    fresh: set[int] = set()
    soft: dict[int, str] = {}
    headed = False
    for seg in _join_arrow_answers(_join_cut_returns(segments)):
        for line in _lines(seg.text, state):
            if out and _continues(line, state):
                # the second sentence of one bullet ("Dropping X. Screen readers ...") or a
                # decision's "Reason: ..." line belongs to the line before it
                joined = _join(out[-1].text, line)
                out[-1] = out[-1].model_copy(update={"text": joined})
                continue
            state.listed = False
            after_table = state.width > 0 and not line.startswith("|")
            kept = line if opens_with_retraction(line) else _RETRACTED.sub("", line)
            text = _rewrite(kept, state, classifier)
            headed = headed or state.headed or (text is None and _heading_text(line) is not None)
            if text:
                if state.listed or state.part is not None:
                    listed.add(len(out))
                if after_table and not rules.LABEL_RE.match(text):
                    fresh.add(len(out))  # the prose after a table is outside its last row
                if (headed or state.listed) and not rules.LABEL_RE.match(text):
                    fresh.add(len(out))  # a list line stands on its own: no label reaches it
                    if state.soft and state.part:
                        soft[len(out)] = state.part
                out.append(seg.model_copy(update={"text": one_item(text)}))
    return Structured(out, frozenset(listed), frozenset(fresh), soft)


_CUT_RETURN = re.compile(r"\b(?:back|returning|online\s+again)\s*(?:\.{2,}|…)\s*$", re.I)


def _join_cut_returns(segments: list[Segment]) -> list[Segment]:
    """ "I'm back..." then "Monday, no, Tuesday ten": a pause the sentence splitter took for an
    end; the time belongs to the cue."""
    out: list[Segment] = []
    for seg in (s.model_copy(update={"text": drop_corrected_days(s.text)}) for s in segments):
        if out and _CUT_RETURN.search(out[-1].text):
            head = _CUT_RETURN.sub(lambda m: m.group(0).rstrip(".… "), out[-1].text)
            out[-1] = out[-1].model_copy(update={"text": f"{head} {seg.text}"})
        else:
            out.append(seg)
    return out


def arrow_label(line: str) -> re.Match[str] | None:
    """'Plan → tests for the sync': a part's label pointing at its answer (never an item named
    'API → DB', whose first words label no part)."""
    arrow = _ARROW_LABEL.match(line)
    return arrow if arrow and label_part(arrow.group("label")) is not None else None


def _join_arrow_answers(segments: list[Segment]) -> list[Segment]:
    """ "- Finished?" then "→ the crash fix": a template's label and its answer, which the
    sentence splitter cut apart at the question mark or the arrow, are one labelled line."""
    out: list[Segment] = []
    for seg in segments:
        before = _BULLET.sub(r"\g<text>", out[-1].text.strip()) if out else ""
        label = before.rstrip(" ?:：")
        asks = before.endswith(("?", ":", "：")) or len(label.split()) <= 2
        if (
            _ARROW_LEAD.match(seg.text)
            and asks
            and 0 < len(label.split()) <= 4
            and label_part(label) is not None
        ):
            out[-1] = out[-1].model_copy(update={"text": f"{out[-1].text} {seg.text.strip()}"})
        else:
            out.append(seg)
    return out


def _continues(line: str, state: _State) -> bool:
    if state.part is None or _heading_text(line) is not None or line.startswith("|"):
        return False
    if state.part == "decisions" and _REASON.match(line):
        return True
    if _BOLD_LEAD.match(line) or rules.LABEL_RE.match(line) or _OTHER_LABEL.match(line):
        return False  # "**Blockers:** none" after a list starts a part of its own
    return (
        state.bulleted
        and not _BULLET.match(line)
        and not EMOJI_LEAD.match(line)
        and not _RETURN_LEAD.match(line)
    )


def _join(before: str, line: str) -> str:
    reason = _REASON.match(line)
    if reason:
        return f"{before.rstrip(' .')}, because {line[reason.end() :]}"
    if before.startswith(f"{PART_LABELS['decisions']}:"):
        # a decision's second sentence under its bullet is why it was taken
        return f"{before.rstrip(' .')}, because {line}"
    return f"{before.rstrip()} {line}"


def _lines(text: str, state: _State) -> list[str]:
    """A segment cut at the markers the sentence splitter does not see: table rows run together
    (cut by the table's column count) and status emoji inside one sentence."""
    text = text.strip()
    if text.startswith("|") and text.endswith("|"):
        cells = text[1:-1].split("|")
        width = state.width or len(cells)
        if not state.width and _TABLE_RULE.match(text) is None:
            width = row_width(cells)
        return [
            "| " + " | ".join(cells[i : i + width]) + " |" for i in range(0, len(cells), width + 1)
        ]
    text = with_emoji(_QUOTE_MARK.sub("", text))  # "> What did you finish?": a bot's question
    if _LINK_ONLY.match(text) or _LINK_DEFINITION.match(text):
        return []  # "[Link to the full thread](https://...)": a pointer, not content
    text = _LINK.sub(r"\1", text)  # "[the parser](https://...)" reads as "the parser"
    text = _REF_HANDLE.sub(r"\1", text)  # "[@kai]" (a reference-style link) is "@kai"
    label = _BOLD_LEAD.match(text) or arrow_label(text)
    head = text[: label.start("rest")] if label else ""  # a label is never cut at its own mark
    split = ANY_EMOJI_SPLIT if STARTS_EMOJI.match(text) else EMOJI_SPLIT
    pieces = [p for h in _HEADING_SPLIT.split(text[len(head) :]) for p in split.split(h)]
    if head and pieces:
        pieces[0] = f"{head}{pieces[0]}"
    return [p.strip() for p in pieces if p.strip()]


def _rewrite(line: str, state: _State, classifier: LabelClassifier | None) -> str | None:
    """One line as the clause rules should read it, or None when it is only structure."""
    if _MARKER_ALONE.match(line):
        return None
    if _TABLE_RULE.match(line):
        state.width = line.strip().strip("|").count("|") + 1
        return None
    if line.startswith("|") and line.endswith("|") and line.count("|") >= 3:
        state.listed = True
        return _table_row(line, state)
    state.header, state.width = None, 0
    heading = _heading_text(line)
    if heading is not None:
        soft = heading.rstrip("*_ ").endswith("?") or bool(_Q_LINE.match(line))
        _set_heading(state, heading, classifier, soft=soft)
        return None
    if _OPEN_QUESTION.match(line):
        return None  # a question asked in a pasted note is never an item
    bold = _BOLD_LEAD.match(line)
    if bold:
        part = label_part(bold.group("label"))
        if part is not None and bold.group("label").rstrip().endswith("?"):
            # "*Issues?* The meter reads zero. It needs the tech.": a template's question with
            # its answer on the same line; every sentence of the answer is under it
            _set_heading(state, bold.group("label"), classifier, soft=True)
            state.headed = state.inline = True
            line = bold.group("rest")
        elif part is not None:
            if state.inline:
                state.part, state.soft = None, False  # the last inline question's reach ends
            rest = _DASH_LEAD.sub("", bold.group("rest"))  # "**shipped** — the SAML login"
            return f"{label_for(part, bold.group('label'))}: {rest}"
        elif _byline(bold.group("rest")):
            return None  # "*Daily Standup* — Zanele Ngcobo — 20/11": a title and its byline
        elif state.part is None or state.inline:
            # "*Plans* Monday I hand ...", "*Other* ...": a heading the table does not know,
            # with its content on the same line (under a heading it names an item instead)
            _set_heading(state, bold.group("label"), classifier, soft=True)
            state.headed = state.inline = True
            line = bold.group("rest")
        else:
            line = f"{bold.group('label')}: {bold.group('rest')}"
    asked = _QUESTION_LEAD.match(line)
    if asked and not rules.LABEL_RE.match(line):
        part = label_part(asked.group("label"))
        if part is not None:
            line = f"{label_for(part, asked.group('label'))}: {asked.group('rest')}"
    line = _relabel(line)
    bullet = _BULLET.match(line)
    state.listed = bool(bullet or EMOJI_LEAD.match(line) or STARTS_EMOJI.match(line))
    state.bulleted = bool(bullet) or (state.bulleted and bool(EMOJI_LEAD.match(line)))
    if bullet:
        line = _relabel(bullet.group("text"))  # "• Doing: the import": the label after a bullet
    emoji = EMOJI_LEAD.match(line)
    if emoji:
        return _emoji_line(line, emoji)
    stripped = strip_symbol(line)  # "🎉 Out the door: ...": a symbol, then a label
    line = _relabel(stripped, longest=3) if stripped != line else line
    if state.soft:
        line = _SPEAKER_LEAD.sub("", _ANSWER_LEAD.sub("", line))  # "Jonas: ...", "A: ..."
        line = _TRAILINGPICTO.sub("", line) or line  # "None 🙌"
    return _under_heading(_BOLD_MARKS.sub("", line).strip(), state)


_DATE_WORD = re.compile(
    r"^(?:\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?\.?|\d{1,2}(?:st|nd|rd|th)?|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?|\d{4})$",
    re.I,
)


def _byline(text: str) -> bool:
    """'— Zanele Ngcobo — 20/11': who wrote it and when, under a title; no content."""
    words = [w for w in re.split(r"[\s—–|·,/()-]+", text) if w]
    names = [w for w in words if not _DATE_WORD.match(w)]
    return bool(words) and len(names) <= 3 and all(looks_like_name(w) for w in names)


def _relabel(line: str, *, longest: int = 2) -> str:
    """'Yesterday: ...', 'Doing: ...': a label the clause rules do not know, said as one. After a
    status symbol a label may be longer ("🎉 Out the door: ..."), but never a clause ("blocked on
    Mapbox: our quota ran out"); elsewhere three words are an item's name ("Next week rota:")."""
    arrow = arrow_label(line)
    if arrow:
        line = f"{arrow.group('label')}: {arrow.group('rest')}"
    other = _OTHER_LABEL.match(line)
    words = len(other.group("label").split()) if other else 0
    if words > longest or (
        words == 3 and _CLAUSE_WORD.search(other.group("label") if other else "")
    ):
        return line
    if other and not rules.LABEL_RE.match(line):
        part = label_part(other.group("label"))
        if part is not None:
            return f"{label_for(part, other.group('label'))}: {other.group('rest')}"
    return line


def _heading_text(line: str) -> str | None:
    asked = _NUMBERED_QUESTION.match(line)
    if asked:
        line = asked.group("text")  # "3. Blockers?": a bot's numbered question
    q_line = _Q_LINE.match(line)
    if q_line:
        return q_line.group("text")  # "Q: Next steps": a template's prompt, asked or not
    chevron = _CHEVRON_HEADING.match(line)
    if chevron and label_part(chevron.group("text")) is not None:
        return chevron.group("text")  # "» Completed": a status tool's section
    for pattern in (_HEADING, _BOLD_ALONE, _QUESTION, _LABEL_ALONE):
        m = pattern.match(line)
        if m:
            return m.group("text")
    m = _ITALIC_ALONE.match(line)
    if m and m.group("text").rstrip().endswith("?"):
        return m.group("text")
    m = _ANY_QUESTION.match(line)
    if m and len(m.group("text").split()) <= 14 and not _REQUEST.search(m.group("text")):
        # a question line is a template's question (its part, if it names one, is the answers'
        # default) or a question nobody answered: never an item
        return m.group("text")
    return None


_Q_LINE = re.compile(r"^Q\d{0,2}\s*[:.]\s*(?P<text>[^?.!]{2,60}\??)$")
_CHEVRON_HEADING = re.compile(r"^(?:»|›|▸|▶|>>)\s*(?P<text>[^»›▸▶]{2,40}?)\s*:?$")
# "A: Merged the importer": a Q/A template's answer marker
_ANSWER_LEAD = re.compile(r"^(?:A\d{0,2}|Answer|Ans)\s*[:.)]\s+(?=\S)")
_TRAILINGPICTO = re.compile(rf"\s*[{PICTO}]\ufe0f?(?:\s*[{PICTO}]\ufe0f?)*\s*$")
_NUMBERED_QUESTION = re.compile(r"^(?:\d{1,2}[.)]|Q\d{0,2}\s*[:.])\s*(?P<text>[^?]{2,80}\?)$")
# "Marisol, can you take a look tomorrow?": a request to someone, not a template's question.
_REQUEST = re.compile(
    r"^[A-Z][\w'-]+\s*,|^@|^(?!(?:when|what|where|which|how)\b).*"
    r"\b(?:can|could|would|will)\s+(?:you|someone|somebody|anyone)\b",
    re.I,
)


def _set_heading(
    state: _State, heading: str, classifier: LabelClassifier | None, *, soft: bool
) -> None:
    text = _BOLD_MARKS.sub("", heading).strip(" *_:")
    part = label_part(text)
    if part is None and classifier is not None:
        part = classifier.part(text)
    state.part, state.soft, state.bulleted, state.inline = part, soft, False, False
    state.status_label = status_label(text) if part == "in_flight" else None
    if part == "blockers" and re.match(r"\W*blocked\b", text, re.I):
        state.status_label = "Blocked"  # "### Blocked": each line names a blocked item


# A line that is only a day and a clock time.
_WHEN_ONLY = re.compile(
    r"^(?:(?:on|from|until|till)\s+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|tomorrow|tonight)"
    r",?\s*(?:at\s+)?\d{1,2}(?:[:.h]\d{2})?\s*(?:am|pm|h|hrs)?(?:\s+[A-Za-z/_]+(?:\s+time)?)?"
    r"\s*[.!]?$",
    re.I,
)
_ME_COLON = re.compile(r"^(?:me|myself)\s*[:：]\s+", re.I)
# Under a next-steps heading, a full name and a bare verb: who does it ("Lucía Benítez call them").
_NAME_THEN_VERB = re.compile(
    r"^((?-i:[A-ZÀ-Þ][a-zß-ÿ]+)\s+(?-i:[A-ZÀ-Þ][a-zß-ÿ]+))\s+"
    r"(?=(?!(?:to|will|is|and|or|has|had|was|can|should|must|may|the|a|an|of|for|in|on)\b)"
    r"[a-z]{3,}(?<!s)\s)",
)


def _under_heading(line: str, state: _State) -> str:
    """A line under a heading speaks to the heading's part (one item per line); under a
    question, only when its own words name no part."""
    if _WHEN_ONLY.match(line):
        return f"Back: {line}"  # "Next shift" answered with "friday 06:30": when, not what
    if state.part is None or rules.LABEL_RE.match(line) or _RETURN_LEAD.match(line):
        return line
    if state.part == "next_actions":
        line = _ME_COLON.sub("I'll ", line)  # "me: update the notices"
        line = _NAME_THEN_VERB.sub(r"\1 to ", line)  # "Lucía call the tug company"
    if state.soft and state.part != "returns_at":
        # an answer to a template's question: the question's part is only the default for each
        # of its clauses, whose own words may name another (`Structured.soft`)
        if state.part == "next_actions":
            line = _OWNER_COLON.sub(r"\1 to ", line)  # "Jakob: review #55"
        return line
    if state.part == "in_flight" and state.status_label is None:
        if rules.part_of(status_words.terse_status(line)):
            return status_words.terse_status(line)
        if not state.soft:
            return line
    if state.soft and _NAMED_ITEM.match(line) and rules.part_of(status_words.terse_status(line)):
        return line  # "Item: how it stands" answering a question: its words say the part
    named = _NAMED_ITEM_PARTS.match(line)
    if state.part == "in_flight" and named:
        # "**Feed exporter**: builder done, errors left": the item is the name; its own status
        # words (in review, blocked) win over the heading's
        status = status_words.status_of(named.group("detail"))
        if status in ("in_review", "blocked", "not_started"):
            return f"In flight: {named.group('name')} is {named.group('detail')}"
        return f"{state.status_label or 'In flight'}: {named.group('name')}"
    if state.part == "next_actions":
        line = _OWNER_COLON.sub(r"\1 to ", line)  # "Jakob: review #55" -> "Jakob to review #55"
    label = state.status_label or PART_LABELS[state.part]
    return f"{label}: {line}"


def _emoji_line(line: str, emoji: re.Match[str]) -> str | None:
    """'✅ X' -> 'Done: X'; a line that labels itself after the emoji keeps its own label."""
    rest = line[emoji.end() :].strip()
    if (
        rules.LABEL_RE.match(rest)
        or rules.stated_empty(rest)
        or status_words.terse_status(rest) != rest
    ):
        return rest
    relabelled = _relabel(rest, longest=3)
    if relabelled != rest:
        return relabelled  # "🎉 Out the door: ...", "🙅 Stuck: nada": the words' own label wins
    if _RETURN_LEAD.match(rest):
        return rest
    label = emoji_label(emoji.group(0))
    if label == "Next":
        rest = _OWNER_COLON.sub(r"\1 to ", rest)
    if _NOTHING.match(rest):
        # "👀 nothing in review": no items of that kind; a part stated empty only when the
        # emoji stands for a whole part
        return None if label in ("In progress", "In review") else f"{label}: none"
    return f"{label}: {rest}"


def _table_row(line: str, state: _State) -> str | None:
    """A row under the table's header (the first row read is the header itself)."""
    cells = table_cells(line)
    if state.header is None:
        state.header = [c.lower() for c in cells]
        return None
    return row_line(cells, state.header)
