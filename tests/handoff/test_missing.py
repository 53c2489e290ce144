from handoff.declaration import Blocker, Decision, Declaration, NextAction
from handoff.missing import compute_missing, field_path


def test_silence_is_flagged_stated_empty_is_not() -> None:
    fields = [f.field for f in compute_missing(Declaration(stated_empty=["blockers"]))]
    assert fields == ["shipped", "in_flight", "decisions", "next_actions", "returns_at"]


def test_item_level_flags_have_reasons_and_questions() -> None:
    decl = Declaration(
        blockers=[Blocker(description="firewall change")],
        next_actions=[NextAction(action="rerun the nightly job")],
        decisions=[Decision(decision="Use Redis for counters")],
        stated_empty=["shipped", "in_flight"],
        returns_at="Monday",
    )
    flags = {f.field: f for f in compute_missing(decl)}
    assert set(flags) == {
        "blockers[0].needed_from",
        "next_actions[0].owner",
        "decisions[0].rationale",
    }
    assert flags["blockers[0].needed_from"].question == "Who can resolve 'firewall change'?"
    assert all(f.reason.endswith(".") and f.question for f in flags.values())


def test_field_path_drops_indices() -> None:
    assert field_path("blockers[12].needed_from") == "blockers.needed_from"
    assert field_path("returns_at") == "returns_at"
