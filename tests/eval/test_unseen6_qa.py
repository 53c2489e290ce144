"""The unseen6 question-answering scenario (eval/data/UNSEEN6_QA.md): scenario K, two look-alike
platform on-call teams of one company over about three weeks of January 2027, written apart from
the answerer, half tune and half held out. These tests check its shape and that the eval's
loaders read it; they never judge the product on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from eval.qa import DATA, load_jsonl, select_questions
from tests.eval.shapes import CLEARED, NOBODY, next_moment
from tests.eval.shapes import QA_KINDS as KINDS

NAME, PREFIX = "unseen6_k", "uk"
TEAMS = {"platform-east", "platform-west"}

#: Questions per kind, in file order: 26 in all.
#: Items both teams write about under the same name.
LOOK_ALIKE = (
    "certificate rotation",
    "RabbitMQ upgrade",
    "evacuation drill",
    "log retention",
    "status page",
    "rate limiter",
    "backup restore test",
)

#: The item each unknown-item question asks about: in no wrap of either team.
UNKNOWN_ITEMS = {"uk-q19": "service mesh trial", "uk-q20": "CDN contract renewal"}

#: The past day each as-of question names, as written in the question and as a date, and
#: whether it is asked at the end of that day (True) or a week or more later (False).
AS_OF_DAYS = {
    "uk-q15": ("8 January", "2027-01-08", False),
    "uk-q16": ("5 January", "2027-01-05", True),
    "uk-q17": ("7 January", "2027-01-07", True),
    "uk-q18": ("7 January", "2027-01-07", False),
}

#: Whose next actions each next-actions question asks for.
NEXT = {"uk-q21": "Tobias", "uk-q22": "Hadi"}

#: What each return-time question rests on: the earlier wrap and the newer one by the same
#: person, each with the weekday, clock time and zone its words give.
RETURNS: dict[str, tuple[tuple[str, str, str, str], tuple[str, str, str, str]]] = {
    "uk-q23": (
        ("uk-15", "tuesday", "09:00", "Australia/Melbourne"),
        ("uk-19", "wednesday", "09:00", "Australia/Melbourne"),
    ),
    "uk-q24": (
        ("uk-21", "thursday", "10:00", "Europe/Dublin"),
        ("uk-22", "friday", "14:00", "Europe/Dublin"),
    ),
}


def _load() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (
        load_jsonl(DATA / f"{NAME}_scenario.jsonl"),
        load_jsonl(DATA / f"{NAME}_questions.jsonl"),
    )


def _team_text(rows: list[dict[str, Any]], team: str) -> str:
    return " ".join(r["text"] for r in rows if r["team"] == team).lower()


def test_wraps_are_two_look_alike_teams_in_time_order() -> None:
    rows, _ = _load()
    assert [r["id"] for r in rows] == [f"{PREFIX}-{n:02d}" for n in range(1, 25)]
    for r in rows:
        assert set(r) == {"id", "team", "author", "recorded_at", "text"}, r["id"]
        assert 45 <= len(r["text"].split()) <= 120, r["id"]
    assert {r["team"] for r in rows} == TEAMS
    for team in TEAMS:
        assert sum(r["team"] == team for r in rows) == 12, team
        assert len({r["author"] for r in rows if r["team"] == team}) == 3, team
    assert len({r["author"] for r in rows}) == 6
    # each author writes for one team, always from the same offset
    for author in {r["author"] for r in rows}:
        own = [r for r in rows if r["author"] == author]
        assert len({r["team"] for r in own}) == 1, author
        assert len({datetime.fromisoformat(r["recorded_at"]).utcoffset() for r in own}) == 1
    times = [datetime.fromisoformat(r["recorded_at"]) for r in rows]
    assert all(t.utcoffset() is not None and (t.year, t.month) == (2027, 1) for t in times)
    assert times == sorted(times)
    assert timedelta(days=14) <= times[-1] - times[0] <= timedelta(days=21)
    assert 5 <= len({t.utcoffset() for t in times}) <= 7
    for team in TEAMS:
        text = _team_text(rows, team)
        missing = [item for item in LOOK_ALIKE if item.lower() not in text]
        assert not missing, (team, missing)


def test_questions_are_grouped_by_kind_and_split_alternately() -> None:
    rows, qs = _load()
    assert [q["id"] for q in qs] == [f"{PREFIX}-q{n:02d}" for n in range(1, 27)]
    assert [q["kind"] for q in qs] == [k for k, n in KINDS.items() for _ in range(n)]
    assert [q["split"] for q in qs] == ["tune", "heldout"] * 13
    tune, held = select_questions(qs, "tune"), select_questions(qs, "heldout")
    assert len(tune) == len(held) == 13 and select_questions(qs, "all") == qs
    for half in (tune, held):
        assert {sum(q["team"] == team for q in half) for team in TEAMS} == {6, 7}
    for kind, count in KINDS.items():
        asked = [q["team"] for q in qs if q["kind"] == kind]
        assert count % 2 == 0 and set(asked) == TEAMS, kind
        assert all(a != b for a, b in pairwise(asked)), kind
        splits = [q["split"] for q in qs if q["kind"] == kind]
        assert splits.count("tune") == splits.count("heldout"), kind
    for q in qs:
        assert set(q) == {"id", "kind", "q", "team", "as_of", "must", "must_not", "split"}, q["id"]
        assert q["team"] in TEAMS, q["id"]
        assert q["must"] and all(group for group in q["must"]), q["id"]
        assert all(isinstance(bad, str) and bad for bad in q["must_not"]), q["id"]
        asked_at = datetime.fromisoformat(q["as_of"])
        assert asked_at.utcoffset() is not None, q["id"]
        own = [datetime.fromisoformat(r["recorded_at"]) for r in rows if r["team"] == q["team"]]
        assert any(t < asked_at for t in own), q["id"]
        for group in q["must"]:
            if "nobody" in group:
                assert group == NOBODY, q["id"]
            if "no longer blocked" in group:
                assert group == CLEARED, q["id"]


def test_gold_facts_are_written_in_the_team_s_own_wraps() -> None:
    """Every specific must group (not "nobody", "cleared", "no record" or a return date) has an
    alternative in a wrap of the asked team written before the question."""
    rows, qs = _load()
    for q in qs:
        if q["kind"] in {"unknown_item", "return_time"}:
            continue
        asked = datetime.fromisoformat(q["as_of"])
        text = " ".join(
            r["text"]
            for r in rows
            if r["team"] == q["team"] and datetime.fromisoformat(r["recorded_at"]) < asked
        ).lower()
        for group in q["must"]:
            if group in (NOBODY, CLEARED):
                continue
            assert any(alt.lower() in text for alt in group), (q["id"], group)


def test_unknown_items_are_in_no_wrap_and_may_not_be_called_unblocked() -> None:
    rows, qs = _load()
    texts = " ".join(r["text"] for r in rows).lower()
    for q in qs:
        if q["kind"] != "unknown_item":
            continue
        item = UNKNOWN_ITEMS[q["id"]]
        assert item in q["q"], q["id"]
        assert " ".join(item.split()[:2]).lower() not in texts, q["id"]  # nor its first words
        assert {"nothing is blocking", "not blocked", "no blockers"} <= set(q["must_not"])
        assert len(q["must"]) == 1 and len(q["must"][0]) >= 20, q["id"]
        # two people the team names as resolvers in its wraps
        names = [n for n in q["must_not"] if n[0].isupper()]
        own = " ".join(r["text"] for r in rows if r["team"] == q["team"])
        assert len(names) == 2 and all(n in own for n in names), q["id"]


def test_as_of_questions_name_a_past_day_two_at_its_end_two_a_week_later() -> None:
    rows, qs = _load()
    seen = set()
    for q in qs:
        if q["kind"] != "as_of":
            continue
        seen.add(q["id"])
        words, day, same_day = AS_OF_DAYS[q["id"]]
        assert words in q["q"], q["id"]
        asked = datetime.fromisoformat(q["as_of"])
        named = datetime.fromisoformat(day).date()
        if same_day:
            assert asked.date() == named and asked.hour >= 20, q["id"]
        else:
            assert asked.date() - named >= timedelta(days=7), q["id"]
        before = [
            r
            for r in rows
            if r["team"] == q["team"]
            and datetime.fromisoformat(r["recorded_at"]) < asked
            and r["recorded_at"][:10] <= day
        ]
        assert before, q["id"]
    assert seen == set(AS_OF_DAYS)
    assert sorted(same for _, _, same in AS_OF_DAYS.values()) == [False, False, True, True]


def test_why_dropped_gold_is_the_later_reason_and_the_earlier_one_is_forbidden() -> None:
    rows, qs = _load()
    for q in qs:
        if q["kind"] != "why_dropped":
            continue
        own = [r["text"].lower() for r in rows if r["team"] == q["team"]]
        first = min(n for n, t in enumerate(own) if any(b.lower() in t for b in q["must_not"]))
        later = min(n for n, t in enumerate(own) if any(a.lower() in t for a in q["must"][0]))
        assert first < later, q["id"]


def test_next_actions_come_from_the_latest_wrap_and_done_ones_are_forbidden() -> None:
    rows, qs = _load()
    for q in qs:
        if q["kind"] != "next_actions":
            continue
        person = NEXT[q["id"]]
        assert person in q["q"], q["id"]
        asked = datetime.fromisoformat(q["as_of"])
        own = [
            r
            for r in rows
            if r["author"] == person and datetime.fromisoformat(r["recorded_at"]) < asked
        ]
        assert own and all(r["team"] == q["team"] for r in own), q["id"]
        latest, earlier = own[-1]["text"].lower(), " ".join(r["text"] for r in own[:-1]).lower()
        for group in q["must"]:
            assert any(alt.lower() in latest for alt in group), (q["id"], group)
        for bad in q["must_not"]:
            assert bad.lower() in earlier, (q["id"], bad)


def test_cross_team_questions_forbid_the_other_team_s_facts() -> None:
    rows, qs = _load()
    for q in qs:
        if q["kind"] != "cross_team":
            continue
        (other,) = TEAMS - {q["team"]}
        own, theirs = _team_text(rows, q["team"]), _team_text(rows, other)
        assert not [bad for bad in q["must_not"] if bad.lower() in own], q["id"]
        assert sum(bad.lower() in theirs for bad in q["must_not"]) >= 3, q["id"]
        for group in q["must"]:
            assert not any(alt.lower() in theirs for alt in group), (q["id"], group)


def test_return_questions_ask_after_the_newer_wrap_and_before_the_return() -> None:
    """The gold day is the next matching moment after the newer wrap, the question is asked
    between that wrap and the return, and the earlier wrap's day is what must not be said."""
    rows_list, qs = _load()
    rows = {r["id"]: r for r in rows_list}
    seen = set()
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
            if r["author"] == second["author"] and datetime.fromisoformat(r["recorded_at"]) < asked
        ]
        assert by_author[-2:] == [first["id"], second["id"]], q["id"]
        back = next_moment(at, *newer[1:])
        assert at < asked < back, q["id"]
        assert q["must"][0] == [back.strftime("%A")], q["id"]
        assert back.date().isoformat() in q["must"][1], q["id"]
        assert f"{back.day} {back.strftime('%B')}" in q["must"][1], q["id"]
        assert f"{back.strftime('%B')} {back.day}" in q["must"][1], q["id"]
        before = next_moment(datetime.fromisoformat(first["recorded_at"]), *earlier[1:])
        assert before.strftime("%A") != back.strftime("%A"), q["id"]
        assert q["must_not"] == [before.strftime("%A")], q["id"]
    assert seen == set(RETURNS)


@pytest.mark.parametrize("kind", ["latest_decision", "as_of", "who_can_clear"])
def test_forbidden_single_words_are_written_somewhere_in_the_scenario(kind: str) -> None:
    """A forbidden single word (a name, a product) is one some wrap of the scenario wrote, so the
    question guards against a real stale or wrong fact, not an invented one."""
    rows, qs = _load()
    for q in qs:
        if q["kind"] != kind:
            continue
        text = " ".join(r["text"] for r in rows).lower()
        bare = [bad for bad in q["must_not"] if len(bad.split()) == 1]
        assert all(bad.lower() in text for bad in bare), q["id"]
