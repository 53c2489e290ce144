"""Hybrid drafting's second pass: the LLM refines the stored offline draft.

The offline draft is stored first (seconds), so a reviewer never waits on the model; `begin` then
notes that a refinement is due at that version, and `run` asks the LLM (`Services.refiner`) — in
the same job, at the stage "refining", or at once for the commands that store a draft and return.
When the LLM's draft arrives it replaces the offline one only if nobody changed the draft since;
otherwise the reviewer's work stands and the LLM's draft is a suggestion they may apply, whole or
part by part (`apply_suggestion`). Either way what it says differently from the offline pass is
stored with it (`summarizer.diff`), for the review page to highlight. A failure or a timeout leaves
the offline draft and records why (`refine_failed`): the job still ends done, since the wrap was
drafted. A published or deleted handoff drops a pending refinement (see `handoff.refinement`).

The model is asked in a thread of its own, and the job waits for it in short slices: between
them the job can be cancelled, a stage limit can stop it, and a published or deleted handoff is
noticed — none of which could reach a thread blocked reading the model's answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, get_args

from api.usecases import drafting, lifecycle
from api.wiring.services import Services
from handoff.audit import Actor
from handoff.declaration import Declaration
from handoff.errors import ConflictError, HandoffError, InvalidInput
from handoff.progress import Progress, quiet
from handoff.refinement import Refinement
from handoff.settings import Settings
from handoff.store import Handoff
from ingest.transcript import Transcript
from summarizer.base import Extractor
from summarizer.diff import diff_drafts
from summarizer.errors import SummarizerError

if TYPE_CHECKING:
    from api.jobs import Job

log = logging.getLogger(__name__)

#: The job's stage while the LLM refines the draft (`api.stages` has its words).
REFINING = "refining"
#: The parts of a suggestion a reviewer can apply one by one: the list parts and the return time.
ApplicablePart = Literal[
    "shipped", "in_flight", "decisions", "blockers", "next_actions", "returns_at"
]
APPLICABLE: tuple[str, ...] = get_args(ApplicablePart)
#: How long the job waits between looks at whether it should stop.
SLICE_S = 0.25
#: How often it looks whether the handoff was published or deleted meanwhile.
LOOK_EVERY_S = 1.0


class RefineFailed(HandoffError):
    """The LLM could not refine the draft; the sentence says why (it is shown to reviewers)."""


class _Dropped(Exception):
    """The refinement stopped being wanted while the LLM worked (published, deleted)."""


def begin(svc: Services, handoff: Handoff) -> None:
    """The offline draft of `handoff` is stored: note that the LLM refines it next. With no
    refiner (offline, or `llm` mode) an earlier refinement of the handoff is forgotten."""
    refiner = svc.refiner
    if refiner is None:
        svc.refinements.forget(handoff.id)
        return
    svc.refinements.begin(
        handoff.id, team=handoff.team, base_version=handoff.version, model=refiner.name
    )


def pending(svc: Services, handoff_id: str) -> bool:
    """Whether the handoff's refinement is still waiting for the LLM."""
    found = svc.refinements.get(handoff_id)
    return found is not None and found.state == "refining"


def run(svc: Services, handoff_id: str, *, progress: Progress = quiet) -> Refinement | None:
    """Ask the LLM for its draft of a handoff whose refinement is pending, and settle it:
    replaced, suggested, failed (with why) or dropped. None, or the settled refinement unchanged,
    when none is pending."""
    found = svc.refinements.get(handoff_id)
    if found is None or found.state != "refining":
        return found
    refiner = svc.refiner
    if refiner is None:
        why = "No LLM is configured (HANDOFF_LLM) to refine the draft."
        return svc.refinements.settle(handoff_id, "refine_failed", error=why)
    handoff = svc.store.get(handoff_id)
    progress(REFINING, 0.0)
    try:
        draft = _ask(svc, refiner, handoff, progress)
    except _Dropped:
        return svc.refinements.get(handoff_id)
    except RefineFailed as exc:
        log.warning("handoff %s: the LLM did not refine the draft: %s", handoff_id, exc)
        return svc.refinements.settle(handoff_id, "refine_failed", error=str(exc))
    changes = diff_drafts(handoff.draft or Declaration(), draft).to_json()
    return svc.refinements.finish(handoff_id, draft, changes, actor="system")


def refine_now(svc: Services, handoff: Handoff) -> Handoff:
    """Begin and run the refinement of a just-stored draft, waiting for it (the commands that
    store a draft and print it); the handoff as it then stands. Nothing to do without a refiner:
    a new draft has no earlier refinement to forget."""
    if svc.refiner is None:
        return handoff
    begin(svc, handoff)
    run(svc, handoff.id)
    return svc.store.get(handoff.id, team=handoff.team)


def _ask(svc: Services, refiner: Extractor, handoff: Handoff, progress: Progress) -> Declaration:
    """The LLM's checked draft, waited for in slices (see the module's docstring)."""
    if not handoff.transcript:
        raise RefineFailed("This handoff has no transcript for the LLM to read.")
    transcript = Transcript.model_validate(handoff.transcript)
    context = drafting.context_of(svc, handoff)
    call = _Call(lambda: drafting.checked(svc, refiner.extract(transcript, context)))
    budget = wait_budget(svc.settings)
    started = time.monotonic()
    next_look = started + LOOK_EVERY_S
    while not call.done.wait(SLICE_S):
        waited = time.monotonic() - started
        if waited >= budget:
            raise RefineFailed(
                f"The LLM did not answer within {budget:.0f} seconds "
                "(HANDOFF_STAGE_SOFT_LIMIT_S); the offline draft stands."
            )
        if time.monotonic() >= next_look:  # once a second: the job row and the handoff's
            progress(REFINING, min(waited / budget, 0.99))
            if not pending(svc, handoff.id):
                raise _Dropped
            next_look = time.monotonic() + LOOK_EVERY_S
    if call.error is not None:
        raise RefineFailed(_why(call.error)) from call.error
    if call.result is None:  # pragma: no cover - the thread sets one or the other
        raise RefineFailed("The LLM gave no draft.")
    return call.result


def wait_budget(settings: Settings) -> float:
    """Seconds the job waits for the LLM: inside the stage's soft limit, so the job gives up
    (done, the offline draft standing) before the keeper would fail it."""
    return max(1.0, settings.stage_soft_limit_s * 0.95)


class _Call:
    """One extraction in a daemon thread of its own: an abandoned one (the handoff was deleted
    meanwhile) ends with its HTTP timeout, and never keeps the process from exiting."""

    def __init__(self, work: Callable[[], Declaration]) -> None:
        self.done = threading.Event()
        self.result: Declaration | None = None
        self.error: BaseException | None = None
        threading.Thread(target=self._run, args=(work,), name="llm-refine", daemon=True).start()

    def _run(self, work: Callable[[], Declaration]) -> None:
        try:
            self.result = work()
        except BaseException as exc:
            self.error = exc
        finally:
            self.done.set()


def _why(exc: BaseException) -> str:
    """The sentence a reviewer reads: the LLM's own errors say what happened; anything else is
    an internal error, logged with its traceback."""
    if isinstance(exc, HandoffError | SummarizerError):
        return str(exc)
    log.error("The LLM refinement failed", exc_info=exc)
    detail = " ".join(str(exc).split())[:200] or "no message"
    return f"The LLM refinement failed with an internal error ({type(exc).__name__}: {detail})."


# -- applying a suggestion ----------------------------------------------------------------------
def apply_suggestion(
    svc: Services,
    handoff_id: str,
    *,
    parts: Iterable[str] | None = None,
    actor: str | None = None,
    audit: Actor | None = None,
    expected_version: int | None = None,
) -> Handoff:
    """Take the LLM's suggestion into the draft, whole or only `parts` (a list part, or
    `returns_at`): an edit by the caller like any other (audited, If-Match honoured)."""
    chosen = chosen_parts(parts)
    found = svc.refinements.get(handoff_id)
    if found is None or found.state != "suggested" or found.suggestion is None:
        raise ConflictError("This handoff has no LLM suggestion to apply.")
    current = svc.store.get(handoff_id)
    if current.status != "draft":
        raise ConflictError("Only a draft takes the LLM's suggestion; unpublish it first.")
    patch = suggestion_patch(current.declaration or Declaration(), found.suggestion, chosen)
    edited = lifecycle.edit(
        svc, handoff_id, patch, actor=actor, audit=audit, expected_version=expected_version
    )
    svc.refinements.applied_parts(handoff_id, chosen)
    return edited


def chosen_parts(parts: Iterable[str] | None) -> list[str]:
    """The parts asked for (all when none are named); an unknown one is refused."""
    chosen = list(dict.fromkeys(parts or ())) or list(APPLICABLE)
    unknown = [p for p in chosen if p not in APPLICABLE]
    if unknown:
        raise InvalidInput(
            f"Cannot apply '{unknown[0]}' of the suggestion; choose from {', '.join(APPLICABLE)}."
        )
    return chosen


def suggestion_patch(
    current: Declaration, suggestion: Declaration, parts: Iterable[str]
) -> dict[str, Any]:
    """The edit that makes `parts` of the draft the suggestion's: their items (with evidence) or
    the return time, and whether the suggestion states them empty."""
    data = suggestion.to_json()
    chosen = set(parts)
    patch: dict[str, Any] = {}
    for part in chosen:
        if part == "returns_at":
            patch["returns_at"] = data["returns_at"]
            patch["returns_at_iso"] = data["returns_at_iso"]
        else:
            patch[part] = data[part]
    kept = set(current.stated_empty) - chosen
    patch["stated_empty"] = sorted(kept | (set(suggestion.stated_empty) & chosen))
    return patch


def job_json(svc: Services, job: Job) -> dict[str, Any]:
    """A job's JSON with its handoff's refinement (state and why it failed), for a drafting job."""
    out: dict[str, Any] = job.to_json()
    if job.kind == "process_wrap" and job.handoff_id:
        found = svc.refinements.get(job.handoff_id)
        out["refinement"] = (
            {"state": found.state, "model": found.model, "error": found.error} if found else None
        )
    return out
