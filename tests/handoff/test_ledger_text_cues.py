"""The ledger's wording cues: a change of owner, said and not merely considered."""

from __future__ import annotations

import pytest

from handoff.ledger.text import says_owner_change


@pytest.mark.parametrize(
    "sentence",
    [
        "Lena is taking over the export job from tomorrow",
        "Dmitri took over the export job from Sven",
        "handing the pager over to Ana",
        "the billing cleanup was reassigned to Omar",
        "Keiko owns the dashboard now",
    ],
)
def test_owner_change(sentence: str) -> None:
    assert says_owner_change(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Lena might be taking over the export job",
        "not sure if Omar takes over the pager",
        "took the day off",
        "finish the export job",
    ],
)
def test_not_an_owner_change(sentence: str) -> None:
    assert not says_owner_change(sentence)


def test_stem_undoubles_after_a_suffix() -> None:
    from handoff.ledger.text import stem

    assert stem("logging") == "log" and stem("stopped") == "stop" and stem("planned") == "plan"
    assert stem("installing") == "install" and stem("staffing") == "staff"
