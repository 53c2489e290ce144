"""One reading of typed times for the CLI and the HTTP API."""

from datetime import timedelta

import pytest

from handoff.errors import InvalidInput
from handoff.times import parse_instant


def test_offsets_kept_and_naive_times_take_the_default_zone() -> None:
    assert parse_instant(
        "2026-11-20T17:30:00Z", default_tz="Asia/Singapore", label="x"
    ).utcoffset() == timedelta(0)
    naive = parse_instant("2026-11-20T17:30:00", default_tz="Asia/Singapore", label="x")
    assert naive.utcoffset() == timedelta(hours=8)


def test_bad_time_is_one_sentence_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"^--as-of must be an ISO-8601 time"):
        parse_instant("yesterday-ish", default_tz="UTC", label="--as-of")
