"""The sixth unseen set of wraps (eval/data/UNSEEN6.md): 42 wraps in seven formats, written by an
author who never read the extractor, half tune and half held out. These tests check its shape and
that its gold follows the declaration's rules; they never run the extractor on it."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date, datetime, timedelta

from eval.extraction_data import DATA_DIR, Example, load_examples
from handoff.declaration import LIST_PARTS, STATUSES
from tests.eval.shapes import check_gold_schema, next_moment

UNSEEN6 = DATA_DIR / "unseen6.jsonl"
FORMATS = ("standup", "emoji", "markdown", "table", "list", "speech", "chat")
PER_FORMAT = 6
_ID = re.compile(r"^w6-(\d{2})-([a-z]+)-([a-z]+)$")
_FIRST_DAY, _LAST_DAY = date(2026, 12, 7), date(2026, 12, 31)

#: Parts the author says are empty ("none", "nothing much", a label answered "no", "nothing left
#: open", "no next steps from our side"): never flagged. Every other empty part is flagged.
STATED_EMPTY: dict[str, set[str]] = {
    "w6-02-standup-obiageli": {"decisions"},
    "w6-03-standup-huong": {"blockers"},
    "w6-05-standup-farhad": {"shipped"},
    "w6-06-standup-niamh": {"blockers"},
    "w6-10-emoji-lakshmi": {"decisions", "blockers"},
    "w6-13-markdown-agostina": {"blockers"},
    "w6-15-markdown-lenka": {"blockers"},
    "w6-17-markdown-nyokabi": {"decisions"},
    "w6-18-markdown-hildur": {"blockers"},
    "w6-20-table-rashad": {"decisions"},
    "w6-22-table-genevieve": {"blockers"},
    "w6-25-list-colleen": {"blockers"},
    "w6-27-list-thura": {"blockers"},
    "w6-30-list-fenella": {"blockers"},
    "w6-33-speech-despina": {"decisions"},
    "w6-34-speech-ravinesh": {"blockers"},
    "w6-36-speech-xochitl": {"decisions"},
    "w6-37-chat-aisyah": {"blockers"},
    "w6-41-chat-yadiel": {"in_flight"},
    "w6-42-chat-lujain": {"next_actions"},
}

#: Wraps that say when the author is back only in words no moment can be read from (a day with
#: no clock time, a part of a day, a holiday): the return is stated, so it is not flagged, but
#: `returns_at_iso` is null.
VAGUE_RETURNS = {"w6-04-standup-teodoro", "w6-32-speech-eunji", "w6-35-speech-brody"}

#: Wraps that never say when the author is back: `returns_at` is flagged.
NO_RETURN = {
    "w6-14-markdown-nelson",
    "w6-18-markdown-hildur",
    "w6-21-table-shathi",
    "w6-23-table-philippa",
    "w6-29-list-kwesi",
    "w6-40-chat-boio",
}

#: What each wrap says about its return: the day (a weekday, "tomorrow", "+N" days after the
#: recording day, or a date), the clock time and the zone the words name (the recording's zone
#: where none is named). The gold `returns_at_iso` must be the next such moment after
#: `recorded_at`. Three name a zone other than the recording's (w6-08, w6-25 and w6-36).
RETURNS: dict[str, tuple[str, str, str]] = {
    "w6-01-standup-bartosz": ("wednesday", "08:30", "Europe/Warsaw"),
    "w6-02-standup-obiageli": ("thursday", "19:00", "Africa/Lagos"),
    "w6-03-standup-huong": ("tomorrow", "09:00", "Asia/Ho_Chi_Minh"),
    "w6-05-standup-farhad": ("sunday", "09:00", "Asia/Tehran"),
    "w6-06-standup-niamh": ("tomorrow", "07:00", "Europe/Dublin"),
    "w6-07-emoji-gulsen": ("tuesday", "05:00", "Europe/Istanbul"),
    "w6-08-emoji-kealoha": ("wednesday", "10:00", "America/Los_Angeles"),
    "w6-09-emoji-solveig": ("friday", "08:00", "Europe/Oslo"),
    "w6-10-emoji-lakshmi": ("friday", "10:00", "Asia/Kolkata"),
    "w6-11-emoji-goncalo": ("saturday", "15:00", "Atlantic/Azores"),
    "w6-12-emoji-yuting": ("2026-12-28", "09:00", "Asia/Taipei"),
    "w6-13-markdown-agostina": ("monday", "09:00", "America/Argentina/Buenos_Aires"),
    "w6-15-markdown-lenka": ("tomorrow", "10:00", "Europe/Prague"),
    "w6-16-markdown-fumiko": ("tomorrow", "09:30", "Asia/Tokyo"),
    "w6-17-markdown-nyokabi": ("+2", "08:00", "Africa/Nairobi"),
    "w6-19-table-usman": ("wednesday", "08:00", "Asia/Karachi"),
    "w6-20-table-rashad": ("monday", "09:00", "Asia/Baku"),
    "w6-22-table-genevieve": ("tomorrow", "08:30", "America/Toronto"),
    "w6-24-table-wladimir": ("tuesday", "09:00", "America/Guayaquil"),
    "w6-25-list-colleen": ("monday", "09:30", "America/Halifax"),
    "w6-26-list-terrence": ("tomorrow", "05:45", "America/Chicago"),
    "w6-27-list-thura": ("thursday", "10:00", "Asia/Yangon"),
    "w6-28-list-tamati": ("thursday", "07:00", "Pacific/Auckland"),
    "w6-30-list-fenella": ("2026-12-29", "06:30", "Australia/Hobart"),
    "w6-31-speech-zarmina": ("saturday", "08:30", "Asia/Kabul"),
    "w6-33-speech-despina": ("monday", "09:15", "Europe/Athens"),
    "w6-34-speech-ravinesh": ("+2", "07:30", "Pacific/Fiji"),
    "w6-36-speech-xochitl": ("wednesday", "10:00", "Europe/Madrid"),
    "w6-37-chat-aisyah": ("tomorrow", "09:30", "Asia/Kuala_Lumpur"),
    "w6-38-chat-isadora": ("tomorrow", "11:00", "America/Los_Angeles"),
    "w6-39-chat-gulnora": ("monday", "10:00", "Asia/Tashkent"),
    "w6-41-chat-yadiel": ("monday", "08:00", "America/Puerto_Rico"),
    "w6-42-chat-lujain": ("sunday", "16:00", "Asia/Riyadh"),
}
OTHER_ZONE = {"w6-08-emoji-kealoha", "w6-25-list-colleen", "w6-36-speech-xochitl"}


def _examples() -> list[Example]:
    return load_examples(UNSEEN6)


def _by_id() -> dict[str, Example]:
    return {e.id: e for e in _examples()}


def _recorded(ex: Example) -> datetime:
    assert ex.recorded_at is not None, ex.id
    return ex.recorded_at


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _day_kind(day: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        return "date"
    if day == "tomorrow":
        return "tomorrow"
    return "ahead" if day.startswith("+") else "weekday"


def test_unseen6_loads_with_six_wraps_per_format_split_alternately() -> None:
    examples = _examples()
    assert len(examples) == PER_FORMAT * len(FORMATS)
    assert {e.dataset for e in examples} == {"unseen6"}
    assert len({e.id for e in examples}) == len(examples)
    for number, ex in enumerate(examples, start=1):
        m = _ID.match(ex.id)
        assert m and int(m.group(1)) == number and m.group(2) == ex.format, ex.id
        assert ex.author and _ascii(ex.author.split()[0]) == m.group(3), ex.id
    assert len({e.author for e in examples}) == len(examples)  # every wrap has its own author
    assert Counter(e.format for e in examples) == dict.fromkeys(FORMATS, PER_FORMAT)
    for fmt in FORMATS:
        splits = [e.split for e in examples if e.format == fmt]
        assert splits == ["tune", "heldout"] * (PER_FORMAT // 2), fmt  # alternating, in file order
    assert all((e.source == "chat") == (e.format == "chat") for e in examples)
    assert {e.source for e in examples} == {"speech", "chat"}


def test_unseen6_wraps_are_50_to_130_words_recorded_in_december_in_many_zones() -> None:
    examples = _examples()
    words = [len(e.text.split()) for e in examples]
    assert all(50 <= n <= 130 for n in words), words
    assert max(words) - min(words) >= 40  # lengths vary
    times = [_recorded(e) for e in examples]
    assert all(t.utcoffset() is not None for t in times)
    assert len({t.utcoffset() for t in times}) >= 20
    assert {t.weekday() for t in times} == set(range(7))
    assert all(16 <= t.hour <= 23 for t in times)  # late afternoon or evening, local time
    assert all(_FIRST_DAY <= t.date() <= _LAST_DAY for t in times)


def test_unseen6_speech_rows_read_like_a_recognizer_and_chat_rows_become_messages() -> None:
    for ex in _examples():
        if ex.format == "speech":
            assert ex.text == ex.text.lower(), ex.id
            assert not re.search(r"[.,;:!?\n]", ex.text), ex.id
        if ex.source == "chat":
            recorded = _recorded(ex)
            segments = ex.transcript().segments
            assert len(segments) >= 5 and all(s.speaker and s.at for s in segments), ex.id
            assert all(s.at and s.at <= recorded for s in segments), ex.id
            assert all(s.at and s.at.date() == recorded.date() for s in segments), ex.id
            speakers = {s.speaker for s in segments}
            assert 2 <= len(speakers) <= 3, ex.id
            assert ex.author and ex.author.split()[0].lower() in speakers, ex.id


def test_unseen6_gold_has_the_row_schema() -> None:
    for ex in _examples():
        check_gold_schema(ex)
        # refs are ticket-like ids that the wrap's text contains
        refs = [
            r for part in ("shipped", "in_flight") for entry in ex.gold[part] for r in entry["refs"]
        ]
        assert all(re.fullmatch(r"[A-Z]+-\d+", r) and r in ex.text for r in refs), ex.id


def test_unseen6_missing_flags_follow_the_rules() -> None:
    """A part is flagged when it is empty and was not stated empty; the return when none is
    stated; a blocker without a resolver, an action without an owner and a decision without a
    reason each once."""
    examples = _by_id()
    assert set(STATED_EMPTY) | VAGUE_RETURNS | NO_RETURN <= set(examples)
    for wrap_id, ex in examples.items():
        gold = ex.gold
        stated = STATED_EMPTY.get(wrap_id, set())
        assert all(not gold[part] for part in stated), wrap_id
        no_return = not gold["returns_at_iso"] and wrap_id not in VAGUE_RETURNS
        assert no_return == (wrap_id in NO_RETURN), wrap_id
        expected = Counter(
            [part for part in LIST_PARTS if not gold[part] and part not in stated]
            + (["returns_at"] if no_return else [])
            + ["blockers.needed_from"] * sum(not b["needed_from"] for b in gold["blockers"])
            + ["next_actions.owner"] * sum(not n["owner"] for n in gold["next_actions"])
            + ["decisions.rationale"] * sum(not d["rationale"] for d in gold["decisions"])
        )
        assert Counter(gold["missing"]) == expected, wrap_id
        # an owner is a name, never the author's first name alone
        assert ex.author is not None
        first = ex.author.split()[0]
        owners = [n["owner"] for n in gold["next_actions"]] + [
            f.get("owner") for f in gold["in_flight"]
        ]
        assert first not in owners, wrap_id
        # a handed-over item's new owner also has a next action
        handed = {f["owner"] for f in gold["in_flight"] if f.get("owner")}
        assert handed <= {n["owner"] for n in gold["next_actions"]}, wrap_id


def test_unseen6_set_covers_every_flag_and_every_status() -> None:
    examples = _examples()
    flags = Counter(flag for e in examples for flag in e.gold["missing"])
    assert set(flags) == {
        *LIST_PARTS,
        "returns_at",
        "blockers.needed_from",
        "next_actions.owner",
        "decisions.rationale",
    }
    statuses = {f["status"] for e in examples for f in e.gold["in_flight"]}
    assert statuses == set(STATUSES) - {"done"}
    complete = sum(not e.gold["missing"] for e in examples)
    assert abs(complete - len(examples) / 2) <= 3  # about half the wraps carry no flag
    stated = Counter(part for parts in STATED_EMPTY.values() for part in parts)
    assert set(stated) == set(LIST_PARTS)  # each part is stated empty somewhere ...
    assert set(LIST_PARTS) <= set(flags)  # ... and left out, so flagged, somewhere else
    handed = [f for e in examples for f in e.gold["in_flight"] if f.get("owner")]
    assert len(handed) >= 3
    assert len(VAGUE_RETURNS) >= 2 and len(NO_RETURN) >= 2


def test_unseen6_return_times_are_the_next_matching_moment() -> None:
    examples = _by_id()
    with_return = {i for i, e in examples.items() if e.gold["returns_at_iso"]}
    assert with_return == set(RETURNS)
    assert not (VAGUE_RETURNS | NO_RETURN) & set(RETURNS)
    assert len(VAGUE_RETURNS) + len(NO_RETURN) + len(RETURNS) == len(examples)
    for wrap_id, (day, clock, zone) in RETURNS.items():
        recorded = _recorded(examples[wrap_id])
        expected = next_moment(recorded, day, clock, zone)
        gold = datetime.fromisoformat(examples[wrap_id].gold["returns_at_iso"])
        assert gold == expected and gold.utcoffset() == expected.utcoffset(), wrap_id
        assert timedelta(0) < gold - recorded < timedelta(days=14), wrap_id
    # most returns are in the recording's own zone; those that are not say so
    other_zone = {
        i
        for i in RETURNS
        if datetime.fromisoformat(examples[i].gold["returns_at_iso"]).utcoffset()
        != _recorded(examples[i]).utcoffset()
    }
    assert other_zone == OTHER_ZONE
    kinds = Counter(_day_kind(day) for day, _, _ in RETURNS.values())
    assert min(kinds[k] for k in ("weekday", "tomorrow", "ahead", "date")) >= 2, kinds
