"""Scoring of `handoff eval qa`: must / must_not over an answer, and recall of the expected facts
in the retrieved passages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def judge(answer: str, must: list[list[str]], must_not: list[str]) -> tuple[bool, str]:
    """(right, why): every must group has an alternative in the answer, no must_not does."""
    text = answer.lower()
    for group in must:
        if not any(alt.lower() in text for alt in group):
            return False, f"missing one of {group}"
    for bad in must_not:
        if bad.lower() in text:
            return False, f"contains stale or wrong '{bad}'"
    return True, ""


def recall_groups(passages: str, must: list[list[str]]) -> int:
    """How many must groups the retrieved passages contain."""
    text = passages.lower()
    return sum(1 for group in must if any(alt.lower() in text for alt in group))


@dataclass
class Score:
    right: int = 0
    total: int = 0
    found: int = 0
    expected: int = 0

    def add(self, ok: bool, found: int, expected: int) -> None:
        self.right += int(ok)
        self.total += 1
        self.found += found
        self.expected += expected

    def summary(self) -> dict[str, Any]:
        return {
            "right": self.right,
            "accuracy": self.right / self.total if self.total else 0.0,
            "recall_at_5": self.found / self.expected if self.expected else 0.0,
        }
