"""The ledger's wording cues: a change of owner, said and not merely considered; who cleared a
blocker; the name of a shipped item."""

from __future__ import annotations

import pytest

from handoff.ledger.cues import resolver, says_owner_change, says_resolved, shipped_name


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
    from handoff.text import stem

    assert stem("logging") == "log" and stem("stopped") == "stop" and stem("planned") == "plan"
    assert stem("installing") == "install" and stem("staffing") == "staff"


@pytest.mark.parametrize(
    ("summary", "name"),
    [
        # Cut at the status word, not after six words.
        ("Cert renewal done on prod, the new certs are valid until next November", "Cert renewal"),
        ("Failover drill done, 48 second failover, runbook updated", "Failover drill"),
        (
            "Alert routing migration done, every service is on the new PagerDuty service",
            "Alert routing migration",
        ),
        (
            "Schema registry upgrade shipped to prod this morning, no incidents",
            "Schema registry upgrade",
        ),
        ("Terraform module for the VPC peering is merged", "Terraform module for the VPC peering"),
        # A leading verb, a ref-only clause, a pronoun pointing back, a chat line.
        ("Shipped the invoice email fix", "invoice email fix"),
        (
            "PR #212 merged, the nightly export job DATA-88 is live as of tonight's run",
            "nightly export job",
        ),
        ("The CDN purge bug, that's merged and shipped", "CDN purge bug"),
        ("pr #312 merged that's the alert routing change", "alert routing change"),
        ("[17:41] anna: shipped: the new CI runners (INFRA-210)", "new CI runners"),
        ("INC-302 postmortem published", "INC-302 postmortem"),
        # Slugs stay the name; hosts and hyphenated words do not.
        ("PR #1842 merged, payments-refund-flow is done and deployed", "payments-refund-flow"),
        (
            "The push notification opt-in screen shipped in today's release",
            "push notification opt-in screen",
        ),
    ],
)
def test_shipped_name_is_the_thing_not_its_status(summary: str, name: str) -> None:
    assert shipped_name(summary) == name
    assert shipped_name(summary) == shipped_name(summary)  # stable


@pytest.mark.parametrize(
    ("sentence", "known", "who"),
    [
        ("The VPN request came back approved — Priya got it through", ["Priya"], "Priya"),
        ("Raj sent the Stripe test keys this morning, so the sandbox is unblocked", [], "Raj"),
        (
            "Finally got the App Store Connect key from Omar, so the pipeline is unblocked",
            [],
            "Omar",
        ),
        ("IT granted the Firebase access, so push is unblocked", ["IT"], "IT"),
        ("DBA team restored the replica, unblocked", ["the DBA team"], "the DBA team"),
        ("Priya's approval came through, so we can go ahead", ["Priya"], "Priya"),
        ("I approved the budget for the Redis cluster, so the lease can go ahead", [], "Leo"),
        # Nobody named: no resolver (the author only reported it).
        ("The VPN request came back approved, so the migration can go ahead", ["Priya"], None),
        ("Access granted to the bucket, unblocked", [], None),
        ("The keys came back approved, Omar can start now", ["Priya"], None),
        ("Disk alert on kafka-3, cleared by rotating logs", [], None),
    ],
)
def test_resolver_is_whom_the_sentence_names(
    sentence: str, known: list[str], who: str | None
) -> None:
    assert resolver(sentence, known=known, author="Leo") == who


def test_a_thing_that_came_back_broken_is_no_resolution() -> None:
    assert says_resolved("The VPN request came back approved")
    assert not says_resolved(
        "The pump has stalled: the cart came back from its last job with a cracked housing"
    )
