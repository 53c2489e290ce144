"""A handoff's life after its draft: publish, edit, acknowledge, unpublish, delete.

The ledger follows each change inside the store's transaction (a hook); the search index follows
after the commit, here, so a failed index update never leaves the record and the ledger apart.
There is one way to publish, `publish`: the CLI and the demo index at once; the web app and the
API pass `index=False` and queue the `index_handoff` job (`api.tasks.queue_job`); a bulk import
indexes per batch.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from api.usecases.followups import answer_clips_dir
from api.usecases.protocol_delivery import queue_delivery
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.errors import InvalidInput, StaleVersion
from handoff.identity.people import PeopleLinks
from handoff.limits import DeclarationLimits, check_patch
from handoff.store import Handoff
from ingest.masking import mask_value, masked_json


def publish(
    svc: Services,
    handoff_id: str,
    *,
    team: str | None = None,
    actor: str | None = None,
    force_reason: str | None = None,
    index: bool = True,
    audit: Actor | None = None,
    expected_version: int | None = None,
) -> Handoff:
    """Publish a draft (refused while fields are missing, unless `force_reason`): the ledger
    takes it in the same transaction, the team's vocabulary grows from it, and with `index` the
    search index is updated now (without, the caller has it done: see the module's docstring).
    Atomic: of concurrent publishes one wins, the others are refused (409); with
    `expected_version` (If-Match) a draft changed since is refused (412)."""
    handoff = svc.store.publish(
        handoff_id,
        team=team,
        actor=actor,
        force_reason=force_reason,
        audit=audit,
        expected_version=expected_version,
    )
    # a refinement still waiting for the LLM is dropped: what was published stands
    svc.refinements.settle(
        handoff.id, "cancelled", error="The handoff was published before the LLM's draft arrived."
    )
    if handoff.declaration is not None:  # the team's vocabulary grows from what it publishes
        svc.vocabulary.grow_from_declaration(
            handoff.team, handoff.declaration.to_json(), author=handoff.author
        )
        # people it names may be the team's members: link them where the match is certain
        PeopleLinks(svc.settings.resolved_database_url).auto_link(
            handoff.team, actor=audit or Actor.operator()
        )
    if index:
        svc.index.add_handoff(handoff)
    queue_delivery(svc.settings)  # the notifications the publish wrote (api.usecases.protocol)
    return handoff


def index_handoff(svc: Services, handoff_id: str, *, team: str | None = None) -> int:
    """(Re)index one handoff's fields; a draft's are removed. The web app runs it in a worker
    after publishing; returns how many documents were written."""
    handoff = svc.store.get(handoff_id, team=team)
    if handoff.status == "draft":
        svc.index.remove_handoff(handoff.id)
        return 0
    return int(svc.index.add_handoff(handoff))


def acknowledge(
    svc: Services,
    handoff_id: str,
    *,
    by: str,
    team: str | None = None,
    audit: Actor | None = None,
) -> Handoff:
    """Record who took over, and when; a signed-in caller also acknowledges each live item of
    the handoff (the whole-handoff acknowledgment is a shortcut for the per-item one)."""
    handoff = svc.store.acknowledge(handoff_id, by=by, team=team, audit=audit)
    if audit is not None and audit.user_id is not None:
        from api.usecases import protocol

        protocol.acknowledge_handoff_items(svc, handoff.id, user_id=audit.user_id, actor=audit)
    return handoff


def unpublish(
    svc: Services,
    handoff_id: str,
    *,
    team: str | None = None,
    actor: str | None = None,
    audit: Actor | None = None,
) -> Handoff:
    """Back to draft: the ledger rolls its effects back in the transaction, the index after."""
    handoff = svc.store.unpublish(handoff_id, team=team, actor=actor, audit=audit)
    svc.index.remove_handoff(handoff.id, team=handoff.team)
    return handoff


def delete(
    svc: Services,
    handoff_id: str,
    *,
    team: str | None = None,
    actor: str | None = None,
    audit: Actor | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> Handoff:
    """Delete the record (the ledger rolls back in its transaction), then its index entries,
    its kept upload and its spoken answers: deleting means the data is gone. `audit_detail`
    says why in the audit log (a retention rule)."""
    handoff = svc.store.delete(
        handoff_id, team=team, actor=actor, audit=audit, audit_detail=audit_detail
    )
    # its job stops too (a running one at its worker's next heartbeat) rather than work on
    svc.jobs.cancel_for_handoff(handoff.id, reason="The handoff was deleted.")
    svc.index.remove_handoff(handoff.id, team=handoff.team)
    uploads = svc.settings.uploads_dir.resolve()
    if handoff.source_path:
        kept = Path(handoff.source_path).resolve()
        if kept.is_relative_to(uploads):  # only what keep_upload copied; never a user's file
            kept.unlink(missing_ok=True)
    shutil.rmtree(answer_clips_dir(svc, handoff), ignore_errors=True)
    return handoff


def edit(
    svc: Services,
    handoff_id: str,
    patch: dict[str, Any],
    *,
    team: str | None = None,
    actor: str | None = None,
    audit: Actor | None = None,
    expected_version: int | None = None,
) -> Handoff:
    """Edit a declaration; a published one is re-applied to the ledger and re-indexed. With
    `expected_version` (If-Match, the review form's version) it applies only to that version.

    A new spoken return time ('tomorrow 9am SGT') gets its resolved time too, whoever edits.
    Texts over their length limits, or more items than HANDOFF_MAX_ITEMS, are refused first; a
    secret typed into a field is masked, as in a wrap.
    """
    if expected_version is not None:
        current = svc.store.get(handoff_id, team=team).version
        if current != expected_version:  # the cheap refusal; the store checks it again
            raise StaleVersion(current)
    check_edit(svc, handoff_id, patch, team=team)
    patch, masked = mask_value(patch, where="edit")
    if "returns_at" in patch and "returns_at_iso" not in patch:
        patch = {**patch, "returns_at_iso": _resolve_return(svc, handoff_id, patch, team)}
    handoff = svc.store.edit(
        handoff_id,
        patch,
        team=team,
        actor=actor,
        audit=audit,
        masked=masked_json(masked),
        expected_version=expected_version,
    )
    if handoff.status != "draft":
        svc.index.add_handoff(handoff)
    return handoff


def check_edit(svc: Services, handoff_id: str, patch: dict[str, Any], *, team: str | None) -> None:
    """Refuse (422) an edit over the declaration limits before the store sees it."""
    from handoff.declaration import Declaration

    current = svc.store.get(handoff_id, team=team).declaration or Declaration()
    check_patch(current, patch, DeclarationLimits.from_settings(svc.settings))


def _resolve_return(
    svc: Services, handoff_id: str, patch: dict[str, Any], team: str | None
) -> str | None:
    from summarizer.returns import resolve_time

    phrase = patch["returns_at"]
    if phrase is not None and not isinstance(phrase, str):
        raise InvalidInput("'returns_at' must be text such as 'tomorrow 9am SGT'.")
    if not phrase or not phrase.strip():
        return None
    current = svc.store.get(handoff_id, team=team)
    resolved = resolve_time(
        phrase, recorded_at=current.recorded_at, default_tz=svc.settings.timezone
    )
    return resolved.isoformat() if resolved else None
