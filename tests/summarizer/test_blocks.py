"""Structure before sentences: pasted formats become one labelled line per item."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ingest.text import transcript_from_text
from ingest.transcript import Segment
from summarizer.base import ExtractionContext
from summarizer.blocks import restructure
from summarizer.labels import LabelClassifier, label_part
from summarizer.offline import OfflineExtractor

WHEN = datetime(2026, 3, 12, 18, 0, tzinfo=ZoneInfo("Europe/Oslo"))  # a Thursday


def lines(text: str) -> list[str]:
    return [s.text for s in restructure(transcript_from_text(text).segments)]


def extract(text: str):  # type: ignore[no-untyped-def]
    context = ExtractionContext(author="Ingrid", recorded_at=WHEN)
    return OfflineExtractor().extract(transcript_from_text(text), context)


def test_headings_become_labels_and_each_bullet_one_line() -> None:
    got = lines(
        "## Done\n- Fjord map tiles\n- Ferry timetable parser\n\n## Blockers\nNone.\n\n"
        "## Next\n- Ingrid: tidy the tile cache\n"
    )
    assert got == [
        "Shipped: Fjord map tiles",
        "Shipped: Ferry timetable parser",
        "Blockers: None.",
        "Next: Ingrid to tidy the tile cache",
    ]


def test_a_list_under_a_heading_yields_one_item_per_line_and_none_states_empty() -> None:
    decl = extract(
        "## Shipped\n- Fjord map tiles\n- Ferry timetable parser\n\n## Blockers\nNone.\n"
    )
    assert [s.summary for s in decl.shipped] == ["Fjord map tiles", "Ferry timetable parser"]
    assert decl.blockers == []
    assert "blockers" in decl.stated_empty


def test_emoji_lines_run_together_are_cut_apart() -> None:
    got = lines("✅ Ferry parser merged 🚧 Tile cache, half done ➡️ Ask Sigrid for the bucket")
    assert got == [
        "Done: Ferry parser merged",
        "In progress: Tile cache, half done",
        "Next: Ask Sigrid for the bucket",
    ]


def test_table_rows_become_labelled_lines_without_pipes() -> None:
    got = lines(
        "| Item | Status | Notes |\n|---|---|---|\n| Ferry parser | Done | merged |\n"
        "| Tile cache | Blocked | only Sigrid can grant the bucket |\n"
    )
    assert got == [
        "Shipped: Ferry parser",
        "Tile cache is blocked: only Sigrid can grant the bucket",
    ]
    assert not any("|" in line for line in got)


def test_standup_questions_are_soft_headings_never_items() -> None:
    decl = extract(
        "What did you get done?\nMerged the ferry parser.\nWhat's next?\n"
        "Tidy the tile cache.\nAny blockers?\nNone."
    )
    names = [s.summary for s in decl.shipped] + [a.action for a in decl.next_actions]
    assert not any("?" in n for n in names)
    assert [a.action for a in decl.next_actions] == ["Tidy the tile cache"]


def test_label_table_and_unknown_headings() -> None:
    assert label_part("Risks / blockers") == "blockers"
    assert label_part("What will you do next?") == "next_actions"
    assert label_part("Availability") == "returns_at"
    assert label_part("Recap") is None


class _Letters:
    """A deterministic embedder: letter counts, enough to find a nearest example."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float(t.lower().count(c)) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts]


def test_the_nearest_example_classifier_takes_headings_the_table_lacks() -> None:
    classifier = LabelClassifier(_Letters(), threshold=0.9)
    assert classifier.part("Impediment") == "blockers"
    got = restructure([Segment(text="## Impediment"), Segment(text="Sigrid owes us a key.")],
                      classifier=classifier)  # fmt: skip
    assert [s.text for s in got] == ["Blockers: Sigrid owes us a key."]


def test_chat_messages_are_left_alone() -> None:
    chat = [Segment(text="✅ merged 🚧 cache", speaker="Ingrid")]
    assert restructure(chat) == chat


def test_a_blocker_on_its_own_list_line_does_not_block_the_item_above() -> None:
    decl = extract(
        "- Ferry parser is in progress: the core works.\n"
        "- Blocked on the bucket quota; Sigrid in IT has to raise it.\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("Ferry parser", "in_progress")]
    assert [b.needed_from for b in decl.blockers] == ["Sigrid"]


def test_in_review_waiting_on_a_reviewer_is_in_review() -> None:
    decl = extract("- Tile cache: in review (PR #12), waiting on Sigrid")
    assert [i.status for i in decl.in_flight] == ["in_review"]


def test_blocked_emoji_line_names_a_blocked_item_and_next_owner_colon() -> None:
    decl = extract(
        "⛔ Ferry export: need the signing key, only Sigrid can create it\n"
        "## Next\n- Sigrid: create the signing key\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("Ferry export", "blocked")]
    assert [(a.owner, a.action) for a in decl.next_actions] == [
        ("Sigrid", "Sigrid to create the signing key")
    ]


def test_the_extractor_passes_its_label_classifier_to_the_block_reader() -> None:
    extractor = OfflineExtractor(label_classifier=LabelClassifier(_Letters(), threshold=0.9))
    decl = extractor.extract(
        transcript_from_text("## Impediment\nThe ferry key is missing, only Sigrid can issue it."),
        ExtractionContext(author="Ingrid"),
    )
    assert [b.needed_from for b in decl.blockers] == ["Sigrid"]


def test_a_question_in_a_pasted_note_is_never_an_item() -> None:
    decl = extract("Ferry parser merged.\nShould we close the old tile tickets?\n")
    names = [s.summary for s in decl.shipped] + [a.action for a in decl.next_actions]
    assert not any("?" in n for n in names)


def test_labels_the_clause_rules_lack_and_a_bold_label_after_a_list() -> None:
    decl = extract(
        "**Yesterday**\n1) Shipped the ferry parser\n2) Fixed tile eviction\n\n"
        "**Blockers:** none\n\nImpediments: waiting on legal to approve the licence\n"
    )
    assert [s.summary for s in decl.shipped] == ["Shipped the ferry parser", "Fixed tile eviction"]
    assert [b.needed_from for b in decl.blockers] == ["legal"]


def test_table_review_states_and_unknown_symbols() -> None:
    got = lines(
        "| Task | State | Who |\n| --- | --- | --- |\n"
        "| Ferry alerts | Waiting for review | Sigrid |\n"
    )
    assert got == ["In review: Ferry alerts (owner: Sigrid)"]
    decl = extract("❓ Nobody knows who owns the tide API key now\n➡️ Ola: chase the key")
    assert [b.needed_from for b in decl.blockers] == [None]
    assert [(a.action, a.owner) for a in decl.next_actions] == [("Ola to chase the key", "Ola")]


def test_the_classifier_loads_its_embedder_only_for_a_heading_the_table_lacks() -> None:
    loads: list[int] = []

    def factory() -> _Letters:
        loads.append(1)
        return _Letters()

    extractor = OfflineExtractor(label_classifier=LabelClassifier(factory, threshold=0.9))
    extractor.extract(transcript_from_text("## Blockers\nNone."), ExtractionContext(author="I"))
    assert loads == []
    extractor.extract(transcript_from_text("## Potholes\nNone."), ExtractionContext(author="I"))
    assert loads == [1]


class _Down:
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        raise ConnectionError("embeddings endpoint unreachable")


def test_a_failing_embedder_leaves_the_table_reading_headings() -> None:
    extractor = OfflineExtractor(label_classifier=LabelClassifier(_Down()))
    decl = extractor.extract(
        transcript_from_text("## Snags\nThe key is missing.\n## Done\nNothing."),
        ExtractionContext(author="Ingrid"),
    )
    assert "shipped" in decl.stated_empty  # the table still reads "Done"
    assert extractor.label_classifier is not None
    assert extractor.label_classifier.part("Snags") is None


class _Planted:
    """An embedder whose examples sit on one axis per class, and headings where a test puts
    them: how close a heading is to each class is then exactly what the test says."""

    def __init__(self, headings: dict[str, dict[str, float]]) -> None:
        from summarizer.labels import EXAMPLES, NO_PART_EXAMPLES

        self.axes = [*EXAMPLES, ""]
        self.of = {t: part for part, ts in {**EXAMPLES, "": NO_PART_EXAMPLES}.items() for t in ts}
        self.headings = headings

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        out = []
        for t in texts:
            near = self.headings.get(t, {self.of.get(t, ""): 1.0})
            vector = [near.get(axis, 0.0) for axis in self.axes]
            rest = max(0.0, 1.0 - sum(x * x for x in vector))
            out.append([*vector, rest**0.5])
        return out


def test_a_weaker_heading_match_counts_only_when_no_other_class_comes_close() -> None:
    embedder = _Planted(
        {
            "Clear winner": {"shipped": 0.5, "in_flight": 0.2},
            "Close call": {"shipped": 0.5, "in_flight": 0.45},
            "Too far": {"decisions": 0.3},
        }
    )
    classifier = LabelClassifier(embedder)
    assert classifier.part("Clear winner") == "shipped"
    assert classifier.part("Close call") is None
    assert classifier.part("Too far") is None
