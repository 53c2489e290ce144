"""A team's ledger revision row is created by the team's first change; two first changes at once
(concurrent publishes into a new team) must both count, not fail on the row's key."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.db import get_engine, migrate
from handoff.ledger.materialize import bump
from handoff.ledger.models import LedgerRevision


@pytest.mark.postgres
def test_two_first_changes_at_once_both_count(postgres_url: str) -> None:
    migrate(postgres_url)
    engine = get_engine(postgres_url)
    first = Session(engine)
    bump(first, "payments")  # the row is inserted, not yet committed
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with Session(engine) as s, s.begin():
                bump(s, "payments")  # finds no row, inserts, waits on the first's key
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    other = threading.Thread(target=second)
    other.start()
    other.join(timeout=1.0)
    assert other.is_alive(), "the second change should wait for the first's row"
    first.commit()
    first.close()
    other.join(timeout=30)
    assert not errors, errors
    with Session(engine) as s:
        row = s.scalar(select(LedgerRevision).where(LedgerRevision.team == "payments"))
        assert row is not None and row.revision == 2


def test_a_first_change_then_more_count_up(database_url: str) -> None:
    migrate(database_url)
    engine = get_engine(database_url)
    for _ in range(3):
        with Session(engine) as s, s.begin():
            bump(s, "core", removed=True)
    with Session(engine) as s:
        row = s.scalar(select(LedgerRevision).where(LedgerRevision.team == "core"))
        assert row is not None and (row.revision, row.removals) == (3, 3)
