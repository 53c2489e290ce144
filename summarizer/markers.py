"""Status symbols people put in front of lines: emoji and pictographs that say a line's part
("✅ the export" is done work, "⛔ the certificate" a blocker), split a pasted line into its
status lines, and are never part of an item's name.
"""

from __future__ import annotations

import re
import unicodedata

import emoji

#: Status emoji and the part (and label word the clause rules read) each one stands for.
EMOJI_LABELS: dict[str, str] = {
    "✅": "Done", "✔️": "Done", "✔": "Done", "☑️": "Done", "🟢": "Done", "🚀": "Done",
    "🎉": "Done", "🚧": "In progress", "🟡": "In progress", "🔄": "In progress",
    "⏳": "In progress", "🛠️": "In progress", "🛠": "In progress", "👀": "In review",
    "🔍": "In review", "🔎": "In review", "⛔": "Blocked", "🔴": "Blocked", "🚫": "Blocked",
    "🛑": "Blocked",
    "❌": "Blocked", "🧱": "Blocked", "➡️": "Next", "➡": "Next", "👉": "Next", "⏭️": "Next",
    "🔜": "Next", "📌": "Decision", "⚖️": "Decision", "🧭": "Decision", "🗳️": "Decision",
    "🗳": "Decision", "🤝": "Decision", "💡": "Decision", "🌙": "Back", "👋": "Back",
    "🏠": "Back", "🏖️": "Back",
    "📅": "Back", "😴": "Back", "🕘": "Back", "🕗": "Back", "🕖": "Back", "🕙": "Back",
    "⏰": "Back", "💤": "Back", "✖️": "Blocked", "✖": "Blocked", "✗": "Blocked", "✘": "Blocked",
    "→": "Next", "⟶": "Next", "➜": "Next", "➔": "Next",
}  # fmt: skip
_EMOJI = "|".join(sorted(map(re.escape, EMOJI_LABELS), key=len, reverse=True))
EMOJI_SPLIT = re.compile(rf"\s+(?=(?:{_EMOJI}))")
# Any pictograph opens a line in a segment that is an emoji list (a marker the table lacks, "🔥",
# still starts a new status line; its own words then say the part).
PICTO = "\U0001f300-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
ANY_EMOJI_SPLIT = re.compile(rf"\s+(?=[{PICTO}]|(?:{_EMOJI}))")
STARTS_EMOJI = re.compile(rf"^\s*[{PICTO}]")
EMOJI_LEAD = re.compile(rf"^(?:{_EMOJI})\ufe0f?\s*")


def emoji_label(symbol: str) -> str:
    """The label word a status emoji stands for (an arrow-like one the table lacks is "Next")."""
    key = symbol.strip().replace("\ufe0f", "")
    return next(
        (label for e, label in EMOJI_LABELS.items() if e.replace("\ufe0f", "") == key), "Next"
    )


_SHORTCODE = re.compile(r":[a-z0-9_+-]{1,40}:")


def with_emoji(text: str) -> str:
    """':white_check_mark: the export' as '✅ the export': a status list pasted from Slack or a
    tracker keeps its emoji as shortcodes, which are the same markers."""
    return emoji.emojize(text, language="alias") if _SHORTCODE.search(text) else text


def strip_symbol(line: str) -> str:
    """A status symbol the table does not know ("❓ ...") is dropped, never part of a name."""
    i = 0
    while i < len(line) and (
        unicodedata.category(line[i]) in ("So", "Sk", "Mn") or line[i] in "\ufe0f\u200d"
    ):
        i += 1
    return line[i:].lstrip() if i else line
