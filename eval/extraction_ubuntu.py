"""Next-action owner and task recall on the 18 real action items of three Ubuntu IRC meetings.

The meeting bot's `ACTION received:` lines are the gold list (the derived TSV next to the logs) and
are removed from the input; what is left is the raw meeting, chair's `[action]` lines included, as a
person would paste it. An action counts as found when a predicted next action's text matches the
task (token-set ratio >= 60); its owner is right when it names the same person.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rapidfuzz import fuzz

from eval.extraction_score import _words, same_person
from ingest.transcript import Segment, Transcript
from summarizer.base import ExtractionContext, Extractor

MEETINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "chat" / "ubuntu-meetings"
_IRC = re.compile(
    r"^\S+\s+(?P<date>\d{4}-\d{2}-\d{2})\s+\[(?P<time>\d{1,2}:\d{2})\]\s+<(?P<nick>[^>]+)>\s?(?P<msg>.*)$"
)


@dataclass
class UbuntuScore:
    gold: int = 0
    task_found: int = 0
    owner_right: int = 0
    predicted: int = 0

    @property
    def task_recall(self) -> float:
        return self.task_found / self.gold if self.gold else 0.0

    @property
    def owner_recall(self) -> float:
        return self.owner_right / self.gold if self.gold else 0.0


def irc_transcript(lines: list[str]) -> Transcript:
    """The meeting log through the chat-log importer (`ingest.chat`)."""
    from ingest.chat import load_chat_log

    return load_chat_log("\n".join(lines), name="ubuntu meeting")


def minimal_irc_transcript(lines: list[str]) -> Transcript:
    """Minimal IRC log reading (one segment per message); system lines are dropped."""
    segments = []
    for line in lines:
        m = _IRC.match(line.rstrip())
        if not m:
            continue
        at = datetime.fromisoformat(f"{m.group('date')}T{m.group('time')}:00+00:00")
        segments.append(Segment(text=m.group("msg").strip(), speaker=m.group("nick"), at=at))
    return Transcript.from_segments(segments, engine="irc", source_kind="chat")


def score_ubuntu(extractor: Extractor, root: Path = MEETINGS) -> tuple[UbuntuScore, list[str]]:
    gold_rows = list(
        csv.DictReader((root / "ubuntu-meeting.ACTION_items.derived.tsv").open(), delimiter="\t")
    )
    score = UbuntuScore(gold=len(gold_rows))
    misses: list[str] = []
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in gold_rows:
        by_file.setdefault(row["file"], []).append(row)
    for name, rows in sorted(by_file.items()):
        lines = [
            line
            for line in (root / name).read_text(encoding="utf-8", errors="replace").splitlines()
            if "ACTION received:" not in line
        ]
        decl = extractor.extract(irc_transcript(lines), ExtractionContext(timezone="UTC"))
        actions = decl.next_actions
        score.predicted += len(actions)
        for row in rows:
            owner = row["owner"].rstrip(":")
            task = _words(row["task"])
            # Best task match; ties (a task's words inside a longer remark) go to the closest text.
            best = max(
                actions,
                key=lambda a: (
                    fuzz.token_set_ratio(task, _words(a.action)),
                    fuzz.ratio(task, _words(a.action)),
                ),
                default=None,
            )
            if best is None or fuzz.token_set_ratio(task, _words(best.action)) < 60:
                misses.append(f"ubuntu {name}: missed {owner} {row['task']!r}")
                continue
            score.task_found += 1
            if same_person(owner, best.owner):
                score.owner_right += 1
            else:
                misses.append(
                    f"ubuntu {name}: owner of {row['task']!r} gold {owner!r}, got {best.owner!r}"
                )
    return score, misses
