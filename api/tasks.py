"""Celery tasks: the slow half of posting a wrap, and indexing after publish.

Each task takes a job id, does its work through the use-cases (`api.usecases`), and reports stage
and progress on the job row. Tasks are idempotent: a job already done is not run again, and the
work itself replaces rather than appends (a re-run extraction overwrites the draft it wrote;
indexing upserts).

Failures are sorted at this boundary. Transient ones (the database, broker, index or network
briefly unreachable) are retried with exponential backoff, then fail the job with a sentence.
Anything else (bad media, an unsupported file, a bug) fails the job at once with its reason; the
job can be retried from the API or the page once the cause is fixed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from celery import Task, shared_task

from api.keeper import ActiveJob, JobInterrupted, Keeper, active_jobs
from api.usecases import lifecycle, posting, refining, speech
from handoff.errors import ConflictError, HandoffError

if TYPE_CHECKING:
    from api.jobs import Job, JobKind, JobStore
    from api.wiring.services import Services
    from handoff.store import Handoff

log = logging.getLogger(__name__)

PROCESS_WRAP = "handoff.process_wrap"
INDEX_HANDOFF = "handoff.index_handoff"
PREPARE_SPEECH = "handoff.prepare_speech"
APPLY_RETENTION = "handoff.apply_retention"
MAX_RETRIES = 4
#: Seconds before retry n (1-based): 2, 4, 8, 16.
BACKOFF_BASE_S = 2.0


def _services() -> Services:
    from api.deps import get_services
    from handoff.settings import get_settings

    return get_services(get_settings())


def _is_transient(exc: BaseException) -> bool:
    """Failures that running again later can fix: a database, broker, index or network that
    was briefly unreachable. Everything else (the user's input, a bug) fails the job at once."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from search.errors import IndexUnavailable

    if isinstance(exc, HandoffError):
        return isinstance(exc, IndexUnavailable)
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    name = type(exc).__module__.split(".")[0]
    return name in ("redis", "httpx", "httpcore", "kombu", "amqp") and "Error" in type(exc).__name__


class _Reporter:
    """Writes progress to the job row, at most every 0.25 s unless the stage changes.

    The loader reports each stage's own 0..1 ("decode", "load model", "transcribe", ...); the bar
    shows the whole job's, and never goes backwards. Each report is also where a job told to stop
    (cancelled, past its time limit) stops, and where a new stage starts its time limit's clock.
    """

    SPANS: ClassVar[dict[str, tuple[float, float]]] = {
        "decode": (0.02, 0.1),
        "import": (0.1, 0.8),
        "transcribe": (0.1, 0.8),
        "extract": (0.9, 0.05),
        "refining": (0.95, 0.05),
        "index": (0.0, 1.0),
    }

    def __init__(
        self,
        jobs: JobStore,
        job_id: str,
        *,
        active: ActiveJob | None = None,
        worker: str | None = None,
        pauses: dict[str, float] | None = None,
    ) -> None:
        self.jobs = jobs
        self.job_id = job_id
        self.active = active
        self.worker = worker
        self.pauses = pauses or {}
        self.stage: str | None = None
        self.last = 0.0
        self.overall = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        if self.active is not None:
            self.active.check()
            self.active.enter(stage)
        start, width = self.SPANS.get(stage, (0.05, 0.05))
        self.overall = max(self.overall, start + width * max(0.0, min(1.0, fraction)))
        now = time.monotonic()
        if stage == self.stage and now - self.last < 0.25:
            return
        first = stage != self.stage
        self.stage, self.last = stage, now
        self.jobs.progress(self.job_id, stage=stage, fraction=self.overall, worker=self.worker)
        if first and stage in self.pauses:
            self._pause(self.pauses.pop(stage))

    def _pause(self, seconds: float) -> None:
        """HANDOFF_DEBUG_STAGE_PAUSE (tests): hold the stage, in slices a stop can interrupt."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.active is not None:
                self.active.check()
            time.sleep(0.05)


#: A task's work: the services, its job, and where to report progress.
Work = Callable[["Services", "Job", "_Reporter"], None]


def _run(task: Task, job_id: str, work: Work) -> None:
    """Claim the job, do its work under this worker's lease, and end it. A message for a job
    that is done, cancelled or held by a live worker is dropped: duplicates are harmless."""
    svc = _services()
    active = active_jobs()
    job = svc.jobs.claim(job_id, worker=active.name, lease_s=svc.settings.job_lease_s)
    if job is None:
        return  # delivered twice, retried after success, cancelled, or another worker has it
    running = active.add(job_id)
    report = _Reporter(
        svc.jobs,
        job_id,
        active=running,
        worker=active.name,
        pauses=svc.settings.stage_pauses,
    )
    try:
        _attempt(task, svc, job, running, report, work)
    finally:
        active.remove(job_id)


def _attempt(
    task: Task, svc: Services, job: Job, running: ActiveJob, report: _Reporter, work: Work
) -> None:
    worker = active_jobs().name
    try:
        try:
            running.in_work = True
            work(svc, job, report)
        finally:
            running.in_work = False
    except JobInterrupted:
        if running.outcome == "failed":
            svc.jobs.fail(job.id, running.reason or "The job was stopped.", worker=worker)
        return  # cancelled: the row says so; lost: another worker has it now
    except Exception as exc:
        _failed(task, svc, job.id, exc)
        return
    svc.jobs.finish(job.id, worker=worker)


def _failed(task: Task, svc: Services, job_id: str, exc: Exception) -> None:
    """Fail the job with its reason, or retry a transient failure with backoff: the job goes
    back to queued (its lease covering the wait), so the retried message can claim it."""
    worker = active_jobs().name
    retries = task.request.retries or 0
    if not _is_transient(exc):
        if not isinstance(exc, HandoffError):
            log.exception("job %s failed", job_id)
        svc.jobs.fail(job_id, _sentence(exc, retries + 1), worker=worker)
        return
    if retries >= MAX_RETRIES:
        log.exception("job %s failed after %d attempts", job_id, retries + 1)
        svc.jobs.fail(job_id, _sentence(exc, retries + 1), worker=worker)
        return
    delay = BACKOFF_BASE_S * (2**retries)
    log.warning("job %s: %s; retrying in %.0f s", job_id, exc, delay)
    svc.jobs.release(
        job_id,
        worker=worker,
        stage=f"retrying in {delay:.0f} s",
        queue_lease_s=delay + svc.settings.job_lease_s,
    )
    raise task.retry(exc=exc, countdown=delay, max_retries=MAX_RETRIES) from exc


def _handoff_id(job: Job) -> str:
    if job.handoff_id is None:
        raise ConflictError(f"Job '{job.id}' is not about a handoff.")
    return job.handoff_id


def _sentence(exc: BaseException, attempts: int) -> str:
    if isinstance(exc, HandoffError):
        return str(exc)
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "no message"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return f"The job failed{tries} with an internal error ({exc.__class__.__name__}: {detail})."


def _process(svc: Services, job: Job, report: _Reporter) -> None:
    """Draft the wrap, then (hybrid drafting) let the LLM refine it: the draft is reviewable
    from the moment it is stored, while the job goes on at the stage "refining". A job run
    again after its offline draft was stored (its worker stopped) only resumes the refinement,
    so it never redrafts over a reviewer's edits."""
    handoff = svc.store.get(_handoff_id(job))
    if handoff.status != "draft":
        return  # already published: the extraction it was waiting for has happened
    if handoff.declaration is None or not refining.pending(svc, handoff.id):
        if report.active is not None and handoff.source_kind == "media" and handoff.source_path:
            report.active.audio_s = _audio_seconds(handoff.source_path)
        try:
            posting.process_wrap(svc, handoff.id, team=handoff.team, progress=report)
        except ConflictError:
            # Published between the check and the write; the reviewer's version stands.
            return
    refining.run(svc, handoff.id, progress=report)


def _audio_seconds(path: str) -> float:
    """How long a stored clip plays (its stages' time limits grow with it); 0 when the probe
    cannot tell, in which case decoding says what is wrong with it."""
    from ingest.media import probe

    try:
        return float(probe(Path(path)).duration_s or 0.0)
    except Exception:
        return 0.0


def _index(svc: Services, job: Job, report: _Reporter) -> None:
    report("index", 0.5)
    lifecycle.index_handoff(svc, _handoff_id(job))
    # Publishing grows the team's vocabulary, so its speech model changes: build it now.
    prepare_soon(job.team)


class SpeechPreparer:
    """Builds teams' speech models in the background of a worker, one at a time, so a clip does
    not wait ~20 s for a model its team's vocabulary already determined. The first request warms
    the decoder processes too. A clip whose model is being built waits for that build (a lock
    per vocabulary, see `ingest.asr.pocketsphinx`); other work goes on meanwhile."""

    def __init__(self) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._pending: set[str | None] = set()
        self._lock = threading.Lock()
        self._warm = True
        self._thread = threading.Thread(target=self._loop, name="speech-preparer", daemon=True)
        self._thread.start()

    def request(self, team: str | None) -> None:
        """Prepare `team`'s model (None: the no-vocabulary one) unless already waiting to."""
        with self._lock:
            if team in self._pending:
                return
            self._pending.add(team)
        self._queue.put(team)

    def idle(self, timeout: float = 120.0) -> bool:
        """Wait until every request so far is done (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.05)
        return False

    def _loop(self) -> None:
        while True:
            team = self._queue.get()
            try:
                speech.prepare_speech(_services(), team, warm=self._warm)
                self._warm = False
            except Exception:
                log.warning("Preparing the speech model for %s failed", team, exc_info=True)
            finally:
                with self._lock:
                    self._pending.discard(team)


_preparer: SpeechPreparer | None = None
_preparer_guard = threading.Lock()


def speech_preparer() -> SpeechPreparer | None:
    """This process's preparer: only a worker process has one (`prepare_on_start`); tasks run
    eagerly in a web process or a test build nothing ahead."""
    with _preparer_guard:
        return _preparer


def prepare_soon(team: str | None) -> None:
    """Build the team's speech model in the background, when this process is a worker."""
    preparer = speech_preparer()
    if preparer is not None:
        preparer.request(team)


def prepare_on_start(*, limit: int = 8) -> SpeechPreparer:
    """A worker starting, in the background: the model every team without a vocabulary shares
    (a new team's first clip; on a fresh install the default team's too) with the decoders warmed,
    then the default team's and those of the teams with handoffs (the first `limit`). Each is built
    once per data directory, then found in its cache."""
    global _preparer
    with _preparer_guard:
        if _preparer is None:
            _preparer = SpeechPreparer()
        preparer = _preparer
    preparer.request(None)
    try:
        svc = _services()
        teams = [svc.settings.default_team, *svc.store.teams()]
    except Exception:
        log.warning("Could not list teams to prepare their speech models", exc_info=True)
        return preparer
    for team in list(dict.fromkeys(teams))[: limit + 1]:
        preparer.request(team)
    return preparer


@shared_task(bind=True, name=PROCESS_WRAP, max_retries=MAX_RETRIES, acks_late=True)
def process_wrap(self: Task, job_id: str) -> None:
    """Transcribe and extract an uploaded wrap into its draft declaration."""
    _run(self, job_id, _process)


@shared_task(bind=True, name=INDEX_HANDOFF, max_retries=MAX_RETRIES, acks_late=True)
def index_handoff(self: Task, job_id: str) -> None:
    """Add a published handoff's fields to the search index."""
    _run(self, job_id, _index)


@shared_task(name=PREPARE_SPEECH, ignore_result=True)
def prepare_speech(team: str) -> None:
    """Build a team's speech model after its vocabulary changed (in the background: returns at
    once, so the worker takes the next job meanwhile)."""
    prepare_soon(team)


@shared_task(name=APPLY_RETENTION, ignore_result=True)
def apply_retention() -> int:
    """Apply every team's retention rules now; meant to run daily from Celery beat
    (`{"task": "handoff.apply_retention", "schedule": crontab(hour=3, minute=0)}`). Running it
    twice deletes nothing twice. Expired one-click action links are purged on the same pass.
    Returns how many deletions it made."""
    from api.notify.links import purge_expired
    from api.usecases import retention
    from handoff.db import session_scope

    svc = _services()
    done = retention.apply(svc)
    with session_scope(svc.settings.resolved_database_url) as session:
        purged = purge_expired(session)
    log.info("retention: %d handoffs or media deleted, %d expired links purged", len(done), purged)
    return len(done)


TASKS = {"process_wrap": PROCESS_WRAP, "index_handoff": INDEX_HANDOFF}


class QueueUnavailable(HandoffError):
    """The broker cannot be reached; the job is recorded as failed and can be retried."""

    status_code = 503


def vocabulary_changed(svc: Services, team: str) -> None:
    """Ask a worker to rebuild the team's speech model now rather than on its next clip. Best
    effort: with the queue unreachable, the next clip builds it."""
    from api.celery_app import celery_for

    try:
        app = celery_for(svc.settings)
        app.tasks[PREPARE_SPEECH].apply_async(args=[team], queue=app.conf.task_default_queue)
    except Exception as exc:
        log.warning("Could not queue the speech model for %s: %s", team, exc)


def queue_job(svc: Services, kind: JobKind, handoff: Handoff) -> Job:
    """Record a job on the handoff and hand it to a worker (see `enqueue`): the slow half of
    posting a wrap (`process_wrap`), or the index update after publishing (`index_handoff`)."""
    job = svc.jobs.create(
        team=handoff.team,
        handoff_id=handoff.id,
        kind=kind,
        queue_lease_s=svc.settings.job_queue_lease_s,
    )
    enqueue(svc, job)
    return job


def send(svc: Services, job: Job) -> None:
    """Send the job's task to the broker (raising when it cannot be reached)."""
    from api.celery_app import celery_for

    app = celery_for(svc.settings)
    app.tasks[TASKS[job.kind]].apply_async(args=[job.id], queue=app.conf.task_default_queue)


def keeper() -> Keeper:
    """The job keeper for a worker process (`api.worker` starts it)."""
    return Keeper(_services, send)


def enqueue(svc: Services, job: Job) -> None:
    """Send the job's task to the broker. When the broker cannot be reached, the job is failed
    with the reason (so it can be retried later) and `QueueUnavailable` is raised."""
    try:
        send(svc, job)
    except HandoffError:
        raise
    except Exception as exc:
        where = svc.settings.broker_url or str(svc.settings.home / "broker")
        message = (
            f"The job queue at {where} cannot be reached (HANDOFF_BROKER_URL); "
            "the wrap is stored, so retry the job once the queue is back."
        )
        svc.jobs.fail(job.id, message)
        raise QueueUnavailable(message) from exc


# The protocol's tasks (delivery, escalation, reminders) register with the app through this import.
from api import tasks_protocol  # noqa: E402,F401
