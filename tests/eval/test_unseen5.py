"""The fifth unseen set of wraps (eval/data/UNSEEN5.md): 56 wraps in seven formats, written apart
from the rules, half tune and half held out. These tests check its shape and that its gold follows
the declaration's rules; they never judge the product on it."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from eval.extraction_data import DATA_DIR, Example, load_examples
from handoff.declaration import LIST_PARTS, STATUSES
from tests.eval.shapes import check_gold_schema, next_moment

UNSEEN5 = DATA_DIR / "unseen5.jsonl"
FORMATS = ("standup", "emoji", "markdown", "table", "list", "speech", "chat")
_ID = re.compile(r"^w5-(\d{2})-([a-z]+)-([a-z]+)$")
#: Parts the author says are empty ("no blockers", a dash under a heading, "not really" to a
#: question about decisions): never flagged. Every other empty part is flagged.
STATED_EMPTY: dict[str, set[str]] = {
    "w5-02-standup-taslima": {"blockers", "decisions"},
    "w5-06-standup-losana": {"decisions"},
    "w5-07-standup-mads": {"blockers"},
    "w5-13-emoji-ngaire": {"blockers"},
    "w5-17-markdown-eilidh": {"blockers"},
    "w5-20-markdown-fatou": {"blockers"},
    "w5-24-markdown-rory": {"decisions", "shipped"},
    "w5-26-table-nurul": {"blockers"},
    "w5-28-table-shahzaib": {"decisions"},
    "w5-30-table-shandiin": {"decisions"},
    "w5-34-list-javiera": {"next_actions"},
    "w5-39-list-tegan": {"blockers"},
    "w5-44-speech-yanira": {"decisions"},
    "w5-50-chat-dorina": {"decisions"},
    "w5-52-chat-antonia": {"decisions"},
    "w5-56-chat-mahra": {"in_flight"},
}

#: Wraps that say when the author is back only in words no moment can be read from: the return is
#: stated (so it is not flagged) but `returns_at_iso` is null.
VAGUE_RETURNS = {"w5-11-emoji-madalena", "w5-48-speech-iracema", "w5-50-chat-dorina"}

#: What each wrap says about its return: the day (a weekday, "tomorrow", "+N" days after the
#: recording day, or a date), the clock time and the zone the words name (the recording's zone
#: where none is named). The gold `returns_at_iso` must be the next such moment after
#: `recorded_at`. Two name a zone other than the recording's (w5-27 and w5-49).
RETURNS: dict[str, tuple[str, str, str]] = {
    "w5-01-standup-mihaela": ("wednesday", "09:00", "Europe/Bucharest"),
    "w5-02-standup-taslima": ("thursday", "08:00", "Asia/Dhaka"),
    "w5-03-standup-facundo": ("friday", "06:30", "America/Montevideo"),
    "w5-04-standup-sardor": ("sunday", "08:00", "Asia/Tashkent"),
    "w5-05-standup-zanele": ("monday", "07:00", "Africa/Johannesburg"),
    "w5-06-standup-losana": ("tuesday", "08:30", "Pacific/Fiji"),
    "w5-07-standup-mads": ("+2", "07:00", "Europe/Copenhagen"),
    "w5-08-standup-luana": ("wednesday", "10:00", "America/Sao_Paulo"),
    "w5-09-emoji-kaimana": ("thursday", "06:00", "Pacific/Honolulu"),
    "w5-10-emoji-adewale": ("saturday", "09:00", "Africa/Lagos"),
    "w5-12-emoji-kittipong": ("monday", "07:30", "Asia/Bangkok"),
    "w5-14-emoji-zurab": ("tuesday", "14:00", "Asia/Tbilisi"),
    "w5-16-emoji-teraaka": ("thursday", "08:00", "Pacific/Kiritimati"),
    "w5-17-markdown-eilidh": ("tomorrow", "06:00", "Europe/London"),
    "w5-18-markdown-yesenia": ("2026-12-07", "08:00", "America/Lima"),
    "w5-19-markdown-revathi": ("monday", "09:30", "Asia/Kolkata"),
    "w5-20-markdown-fatou": ("monday", "07:00", "Africa/Dakar"),
    "w5-22-markdown-chanda": ("wednesday", "07:00", "Africa/Lusaka"),
    "w5-23-markdown-sabina": ("thursday", "10:00", "Asia/Kathmandu"),
    "w5-24-markdown-rory": ("thursday", "05:30", "Australia/Perth"),
    "w5-25-table-polina": ("saturday", "07:00", "Europe/Moscow"),
    "w5-26-table-nurul": ("2026-11-30", "07:00", "Asia/Kuala_Lumpur"),
    "w5-27-table-emilie": ("tuesday", "09:15", "America/Vancouver"),
    "w5-29-table-dubravka": ("wednesday", "07:00", "Europe/Zagreb"),
    "w5-30-table-shandiin": ("thursday", "06:00", "America/Denver"),
    "w5-31-table-maeve": ("friday", "07:00", "America/Halifax"),
    "w5-32-table-rowena": ("saturday", "08:00", "Asia/Manila"),
    "w5-33-list-yokasta": ("monday", "08:30", "America/Santo_Domingo"),
    "w5-34-list-javiera": ("2026-12-08", "09:00", "America/Santiago"),
    "w5-35-list-kiprono": ("tuesday", "14:00", "Africa/Nairobi"),
    "w5-37-list-rahmat": ("+2", "06:00", "Asia/Jakarta"),
    "w5-38-list-skander": ("monday", "08:30", "Africa/Tunis"),
    "w5-39-list-tegan": ("saturday", "11:00", "Australia/Sydney"),
    "w5-40-list-camilo": ("2026-11-30", "08:00", "America/Bogota"),
    "w5-41-speech-ravindu": ("monday", "07:00", "Asia/Colombo"),
    "w5-43-speech-qaiyaan": ("wednesday", "05:00", "America/Anchorage"),
    "w5-44-speech-yanira": ("friday", "09:00", "America/El_Salvador"),
    "w5-45-speech-djamila": ("friday", "10:00", "Atlantic/Cape_Verde"),
    "w5-46-speech-sura": ("sunday", "14:00", "Asia/Baghdad"),
    "w5-47-speech-eloise": ("monday", "07:30", "Pacific/Noumea"),
    "w5-49-chat-nayla": ("wednesday", "10:00", "Europe/Paris"),
    "w5-51-chat-kendra": ("friday", "07:00", "America/Winnipeg"),
    "w5-52-chat-antonia": ("saturday", "08:00", "Pacific/Guam"),
    "w5-54-chat-margaux": ("tuesday", "09:00", "Europe/Paris"),
    "w5-56-chat-mahra": ("sunday", "16:00", "Asia/Dubai"),
}


def _examples() -> list[Example]:
    return load_examples(UNSEEN5)


def test_unseen5_loads_with_eight_wraps_per_format_split_alternately() -> None:
    examples = _examples()
    assert len(examples) == 56
    assert {e.dataset for e in examples} == {"unseen5"}
    assert len({e.id for e in examples}) == len(examples)
    for number, ex in enumerate(examples, start=1):
        m = _ID.match(ex.id)
        assert m and int(m.group(1)) == number and m.group(2) == ex.format, ex.id
        assert ex.author and m.group(3) in ex.id, ex.id
    assert Counter(e.format for e in examples) == dict.fromkeys(FORMATS, 8)
    for fmt in FORMATS:
        splits = [e.split for e in examples if e.format == fmt]
        assert splits == ["tune", "heldout"] * 4, fmt  # alternating, in file order
    assert all((e.source == "chat") == (e.format == "chat") for e in examples)
    assert {e.source for e in examples} == {"speech", "chat"}


def test_unseen5_wraps_are_45_to_120_words_recorded_in_many_zones_on_every_weekday() -> None:
    examples = _examples()
    words = [len(e.text.split()) for e in examples]
    assert all(45 <= n <= 120 for n in words), words
    assert max(words) - min(words) >= 40  # lengths vary
    times = [e.recorded_at for e in examples]
    assert all(t is not None and t.utcoffset() is not None for t in times)
    assert len({t.utcoffset() for t in times if t}) >= 20
    assert {t.weekday() for t in times if t} == set(range(7))
    assert all(16 <= t.hour <= 23 for t in times if t)  # late afternoon or evening, local time


def test_unseen5_speech_rows_read_like_a_recognizer_and_chat_rows_become_messages() -> None:
    for ex in _examples():
        if ex.format == "speech":
            assert ex.text == ex.text.lower(), ex.id
            assert not re.search(r"[.,;:!?\n]", ex.text), ex.id
        if ex.source == "chat":
            segments = ex.transcript().segments
            assert len(segments) >= 5 and all(s.speaker and s.at for s in segments), ex.id
            assert ex.recorded_at is not None
            assert all(s.at and s.at <= ex.recorded_at for s in segments), ex.id
            speakers = {s.speaker for s in segments}
            assert 2 <= len(speakers) <= 3, ex.id
            assert ex.author and ex.author.split()[0].lower() in speakers, ex.id


def test_unseen5_gold_has_the_row_schema() -> None:
    for ex in _examples():
        check_gold_schema(ex)


def test_unseen5_missing_flags_follow_the_rules() -> None:
    """A part is flagged when it is empty and was not stated empty; the return when none is
    stated; a blocker without a resolver, an action without an owner and a decision without a
    reason each once."""
    examples = {e.id: e for e in _examples()}
    assert set(STATED_EMPTY) | VAGUE_RETURNS <= set(examples)
    for wrap_id, ex in examples.items():
        gold = ex.gold
        stated = STATED_EMPTY.get(wrap_id, set())
        assert all(not gold[part] for part in stated), wrap_id
        expected = Counter(
            [part for part in LIST_PARTS if not gold[part] and part not in stated]
            + ([] if gold["returns_at_iso"] or wrap_id in VAGUE_RETURNS else ["returns_at"])
            + ["blockers.needed_from"] * sum(not b["needed_from"] for b in gold["blockers"])
            + ["next_actions.owner"] * sum(not n["owner"] for n in gold["next_actions"])
            + ["decisions.rationale"] * sum(not d["rationale"] for d in gold["decisions"])
        )
        assert Counter(gold["missing"]) == expected, wrap_id
        if wrap_id in VAGUE_RETURNS:
            assert gold["returns_at_iso"] is None, wrap_id
        # an owner is a name, never the author's first name alone
        assert ex.author is not None
        first = ex.author.split()[0]
        owners = [n["owner"] for n in gold["next_actions"]] + [
            f.get("owner") for f in gold["in_flight"]
        ]
        assert first not in owners, wrap_id


def test_unseen5_set_covers_every_flag_and_every_status() -> None:
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
    assert sum(not e.gold["missing"] for e in examples) >= 10  # some wraps are complete
    stated = Counter(part for parts in STATED_EMPTY.values() for part in parts)
    assert set(stated) == set(LIST_PARTS)  # each part is stated empty somewhere


def test_unseen5_return_times_are_the_next_matching_moment() -> None:
    examples = {e.id: e for e in _examples()}
    with_return = {i for i, e in examples.items() if e.gold["returns_at_iso"]}
    assert with_return == set(RETURNS)
    assert not VAGUE_RETURNS & set(RETURNS)
    for wrap_id, (day, clock, zone) in RETURNS.items():
        ex = examples[wrap_id]
        assert ex.recorded_at is not None
        expected = next_moment(ex.recorded_at, day, clock, zone)
        gold = datetime.fromisoformat(ex.gold["returns_at_iso"])
        assert gold == expected and gold.utcoffset() == expected.utcoffset(), wrap_id
        assert timedelta(0) < gold - ex.recorded_at < timedelta(days=14), wrap_id
    # most returns are in the recording's own zone; those that are not say so
    other_zone = [
        i
        for i, (_, _, zone) in RETURNS.items()
        if datetime.fromisoformat(examples[i].gold["returns_at_iso"]).utcoffset()
        != examples[i].recorded_at.utcoffset()  # type: ignore[union-attr]
    ]
    assert sorted(other_zone) == ["w5-27-table-emilie", "w5-49-chat-nayla"]
