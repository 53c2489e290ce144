import pytest

from handoff.refs import find_refs, strip_refs


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("PR #1842 open", ["#1842"]),
        ("pull request 304 and issue 77", ["#304", "#77"]),
        ("see BILL-412 and OPS-770", ["BILL-412", "OPS-770"]),
        ("UTF-8 and ISO-8601 are not tickets", []),
        ("docs at https://example.com/pr/12#3 now", ["https://example.com/pr/12#3"]),
        ("#5 then #5 again", ["#5"]),
    ],
)
def test_find_refs(text: str, refs: list[str]) -> None:
    assert find_refs(text) == refs


def test_strip_refs_blanks_exactly_what_find_refs_reads() -> None:
    text = "Merged PR #1842 and BILL-412 for the refund flow, per UTF-8 notes"
    assert " ".join(strip_refs(text).split()) == "Merged and for the refund flow, per UTF-8 notes"
    assert find_refs(strip_refs(text)) == []
