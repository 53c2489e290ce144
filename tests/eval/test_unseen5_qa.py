"""The unseen5 question-answering scenarios (eval/data/UNSEEN5_QA.md): two scenarios, I and J,
each with two look-alike teams over about three weeks, written apart from the answerer, half
tune and half held out. These tests check their shape and that the eval's loaders read them;
they never judge the product on them."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from eval.qa import DATA, load_jsonl, select_questions
from tests.eval.shapes import CLEARED, NOBODY, next_moment
from tests.eval.shapes import QA_KINDS as KINDS

SCENARIOS = {"unseen5_i": "ui", "unseen5_j": "uj"}

#: Questions per kind, in file order: 26 in all.
#: Items both teams of a scenario write about under the same name.
LOOK_ALIKE = {
    "unseen5_i": (
        "blade inspection",
        "gearbox oil change",
        "crane hire",
        "spares container",
        "SCADA alarm thresholds",
        "lightning receptor tests",
        "access road",
    ),
    "unseen5_j": (
        "display cases",
        "gallery lighting",
        "audio guide",
        "loan agreement",
        "wall texts",
        "condition report",
        "crates",
    ),
}

#: The item each unknown-item question asks about: in no wrap of either team.
UNKNOWN_ITEMS = {
    "ui-q19": "fire extinguisher checks",
    "ui-q20": "bird radar upgrade",
    "uj-q19": "visitor counter installation",
    "uj-q20": "fire suppression test",
}

#: The past day each as-of question names, as written in the question and as a date.
AS_OF_DAYS = {
    "ui-q15": ("5 February", "2027-02-05"),
    "ui-q16": ("4 February", "2027-02-04"),
    "ui-q17": ("9 February", "2027-02-09"),
    "ui-q18": ("5 February", "2027-02-05"),
    "uj-q15": ("5 March", "2027-03-05"),
    "uj-q16": ("4 March", "2027-03-04"),
    "uj-q17": ("9 March", "2027-03-09"),
    "uj-q18": ("3 March", "2027-03-03"),
}

#: What each return-time question rests on: the earlier wrap and the newer one by the same
#: person, each with the weekday, clock time and zone its words give.
RETURNS: dict[str, tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = {
    "ui-q23": (
        ("ui-21", "monday", "08:00", "America/Sao_Paulo"),
        ("ui-23", "tuesday", "08:00", "America/Sao_Paulo"),
    ),
    "ui-q24": (
        ("ui-11", "friday", "10:00", "Asia/Kolkata"),
        ("ui-13", "monday", "10:00", "Asia/Kolkata"),
    ),
    "uj-q23": (
        ("uj-22", "monday", "09:00", "America/Santiago"),
        ("uj-23", "wednesday", "10:00", "America/Santiago"),
    ),
    "uj-q24": (
        ("uj-11", "friday", "09:00", "Asia/Tokyo"),
        ("uj-12", "tuesday", "13:00", "Asia/Tokyo"),
    ),
}


def _load(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (
        load_jsonl(DATA / f"{name}_scenario.jsonl"),
        load_jsonl(DATA / f"{name}_questions.jsonl"),
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_wraps_are_two_look_alike_teams_in_time_order(name: str) -> None:
    rows, _ = _load(name)
    prefix = SCENARIOS[name]
    assert [r["id"] for r in rows] == [f"{prefix}-{n:02d}" for n in range(1, len(rows) + 1)]
    assert 20 <= len(rows) <= 24
    for r in rows:
        assert set(r) == {"id", "team", "author", "recorded_at", "text"}, r["id"]
        assert 45 <= len(r["text"].split()) <= 120, r["id"]
    teams = {r["team"] for r in rows}
    assert len(teams) == 2 and {t.rsplit("-", 1)[1] for t in teams} == {"north", "south"}
    assert len({t.rsplit("-", 1)[0] for t in teams}) == 1  # same kind of work
    assert 4 <= len({r["author"] for r in rows}) <= 6
    times = [datetime.fromisoformat(r["recorded_at"]) for r in rows]
    assert all(t.utcoffset() is not None and t.year == 2027 for t in times), name
    assert times == sorted(times), name
    assert timedelta(days=14) <= times[-1] - times[0] <= timedelta(days=21), name
    assert len({t.utcoffset() for t in times}) >= 4, name  # several time zones
    for team in teams:
        text = " ".join(r["text"] for r in rows if r["team"] == team).lower()
        missing = [item for item in LOOK_ALIKE[name] if item.lower() not in text]
        assert not missing, (team, missing)


@pytest.mark.parametrize("name", SCENARIOS)
def test_questions_are_grouped_by_kind_and_split_alternately(name: str) -> None:
    rows, qs = _load(name)
    prefix = SCENARIOS[name]
    assert [q["id"] for q in qs] == [f"{prefix}-q{n:02d}" for n in range(1, 27)]
    assert [q["kind"] for q in qs] == [k for k, n in KINDS.items() for _ in range(n)]
    assert [q["split"] for q in qs] == ["tune", "heldout"] * 13
    tune, held = select_questions(qs, "tune"), select_questions(qs, "heldout")
    assert len(tune) == len(held) == 13 and select_questions(qs, "all") == qs
    teams = {r["team"] for r in rows}
    for kind in KINDS:
        asked = [q["team"] for q in qs if q["kind"] == kind]
        assert set(asked) == teams, (name, kind)
        assert all(a != b for a, b in pairwise(asked)), (name, kind)
    for q in qs:
        assert set(q) == {"id", "kind", "q", "team", "as_of", "must", "must_not", "split"}, q["id"]
        assert q["team"] in teams, q["id"]
        assert q["must"] and all(group for group in q["must"]), q["id"]
        asked_at = datetime.fromisoformat(q["as_of"])
        assert asked_at.utcoffset() is not None, q["id"]
        own = [datetime.fromisoformat(r["recorded_at"]) for r in rows if r["team"] == q["team"]]
        assert any(t < asked_at for t in own), q["id"]
        for group in q["must"]:
            if "nobody" in group:
                assert group == NOBODY, q["id"]
            if "no longer blocked" in group:
                assert group == CLEARED, q["id"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_unknown_items_are_in_no_wrap_and_may_not_be_called_unblocked(name: str) -> None:
    rows, qs = _load(name)
    texts = " ".join(r["text"] for r in rows)
    for q in qs:
        if q["kind"] != "unknown_item":
            continue
        item = UNKNOWN_ITEMS[q["id"]]
        assert item in q["q"], q["id"]
        assert " ".join(item.split()[:2]) not in texts.lower(), q["id"]  # nor its first words
        assert {"nothing is blocking", "not blocked", "no blockers"} <= set(q["must_not"])
        assert len(q["must"]) == 1 and len(q["must"][0]) >= 20, q["id"]
        # two people the team names as resolvers in its wraps
        names = [n for n in q["must_not"] if n[0].isupper()]
        own = " ".join(r["text"] for r in rows if r["team"] == q["team"])
        assert len(names) == 2 and all(n in own for n in names), q["id"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_as_of_questions_name_a_past_day_and_are_asked_on_or_after_it(name: str) -> None:
    rows, qs = _load(name)
    for q in qs:
        if q["kind"] != "as_of":
            continue
        words, day = AS_OF_DAYS[q["id"]]
        assert words in q["q"], q["id"]
        asked = datetime.fromisoformat(q["as_of"])
        assert asked.date().isoformat() >= day, q["id"]
        before = [
            r
            for r in rows
            if r["team"] == q["team"]
            and datetime.fromisoformat(r["recorded_at"]) < asked
            and r["recorded_at"][:10] <= day
        ]
        assert before, q["id"]


def test_return_questions_ask_after_the_newer_wrap_and_before_the_return() -> None:
    """The gold day is the next matching moment after the newer wrap, the question is asked
    between that wrap and the return, and the earlier wrap's day is what must not be said."""
    seen = set()
    for name in SCENARIOS:
        rows_list, qs = _load(name)
        rows = {r["id"]: r for r in rows_list}
        for q in qs:
            if q["kind"] != "return_time":
                continue
            seen.add(q["id"])
            earlier, newer = RETURNS[q["id"]]
            first, second = rows[earlier[0]], rows[newer[0]]
            assert first["author"] == second["author"] and first["author"] in q["q"], q["id"]
            assert first["team"] == second["team"] == q["team"], q["id"]
            assert earlier[1] in first["text"].lower() and newer[1] in second["text"].lower()
            asked = datetime.fromisoformat(q["as_of"])
            at = datetime.fromisoformat(second["recorded_at"])
            by_author = [
                r["id"]
                for r in rows_list
                if r["author"] == second["author"]
                and datetime.fromisoformat(r["recorded_at"]) < asked
            ]
            assert by_author[-2:] == [first["id"], second["id"]], q["id"]
            back = next_moment(at, *newer[1:])
            assert at < asked < back, q["id"]
            assert q["must"][0] == [back.strftime("%A")], q["id"]
            assert back.date().isoformat() in q["must"][1], q["id"]
            assert f"{back.day} {back.strftime('%B')}" in q["must"][1], q["id"]
            before = next_moment(datetime.fromisoformat(first["recorded_at"]), *earlier[1:])
            assert before.strftime("%A") != back.strftime("%A"), q["id"]
            assert q["must_not"] == [before.strftime("%A")], q["id"]
    assert seen == set(RETURNS)
