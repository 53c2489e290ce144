"""The JSON depth scan: brackets in strings and escaped quotes do not count, wherever the
chunks of the body happen to split."""

from __future__ import annotations

import json

import pytest

from api.limits import JsonDepthScanner


def deepest(body: bytes, *, chunk: int, limit: int = 100) -> tuple[bool, int]:
    """(over the limit, depth at the end) with the body fed in pieces of `chunk` bytes."""
    scanner = JsonDepthScanner(limit)
    over = any(scanner.feed(body[i : i + chunk]) for i in range(0, len(body), chunk))
    return over, scanner.depth


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 16])
def test_depth_ignores_strings_across_chunk_boundaries(chunk: int) -> None:
    value = {"a": [1, {"b": ['x]]]\\"[[[', "\\\\", "{{"]}], "c": '\\\\"}}'}
    body = json.dumps(value).encode()
    assert deepest(body, chunk=chunk) == (False, 0)
    assert deepest(body, chunk=chunk, limit=4) == (False, 0)  # {"a": [ {"b": [ is four deep
    assert deepest(body, chunk=chunk, limit=3)[0] is True


def test_a_deep_body_is_caught_at_the_first_bracket_past_the_limit() -> None:
    scanner = JsonDepthScanner(32)
    assert scanner.feed(b"[" * 100_000) is True
    assert scanner.depth == 33
