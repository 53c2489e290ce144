def test_a_question_that_names_a_past_date_is_answered_as_of_that_day() -> None:
    from datetime import UTC, datetime

    from search.question import understand

    now = datetime(2027, 1, 20, 12, tzinfo=UTC)
    q = understand("who was the import waiting on as of 6 January?", as_of=now)
    assert q.as_of == datetime(2027, 1, 7, tzinfo=UTC)
    assert q.subject_text == "import"
    owned = understand("who owned the tax tables on Jan 6th?", as_of=now)
    assert (owned.intent, owned.as_of) == ("owner", datetime(2027, 1, 7, tzinfo=UTC))
    # a date later in the year than today is last year's
    assert understand("what blocked it on 3 March?", as_of=now).as_of == datetime(
        2026, 3, 4, tzinfo=UTC
    )


def test_a_question_about_the_way_chosen_from_now_on_asks_for_the_decision() -> None:
    from datetime import UTC, datetime

    from search.question import understand

    now = datetime(2027, 1, 20, 12, tzinfo=UTC)
    q = understand("Where are we storing the spare rotors going forward?", as_of=now)
    assert (q.intent, q.subject_text) == ("decisions", "spare rotors")
    listed = understand("What's next on Amara's list?", as_of=now)
    assert listed.intent == "next" and "list" not in listed.subject_text
