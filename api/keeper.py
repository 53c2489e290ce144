"""Keeping jobs alive in a worker: leases, heartbeats, stage time limits, cancellation, the reaper
and a graceful stop.

The jobs table is the system of record (`api.jobs`); the broker only says "look at job X". So a
worker never trusts the broker to redeliver: kombu's filesystem transport deletes a message as it
hands it over (a worker killed mid-job takes it to the grave) and Redis hides an unacknowledged
one for its visibility timeout (an hour). Instead:

- the task claims its job under this worker's name, with a lease (`JobStore.claim`);
- a keeper thread in every worker renews the leases of the jobs it runs, every third of
  HANDOFF_JOB_LEASE_S, and learns there that a job was cancelled;
- the same thread reaps, on start and every HANDOFF_JOB_REAP_INTERVAL_S: a job whose lease ran
  out (its worker died) goes back to queued and its task is sent again, within a minute by default;
- it enforces each stage's time limits: past the soft limit the stage is interrupted in its thread
  (an exception raised there; the job fails with one sentence and can be retried); past the hard
  limit, a stage that would not stop has its worker process exit after failing it, and the other
  jobs it ran are handed back to the queue;
- on SIGTERM it lets running jobs finish for HANDOFF_JOB_SHUTDOWN_GRACE_S, then hands back those
  still running and lets the process exit: none is abandoned.

Interrupting a thread is cooperative at heart: the exception lands when the thread next runs Python
code, and `Reporter` checks for it at every progress report too. A stage blocked in native code
for good is what the hard limit is for.
"""

from __future__ import annotations

import ctypes
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from handoff.errors import HandoffError

if TYPE_CHECKING:
    from api.jobs import Job
    from api.wiring.services import Services
    from handoff.settings import Settings

log = logging.getLogger(__name__)

#: The exit status of a worker that stopped itself over a stage past its hard limit.
EXIT_HARD_LIMIT = 70


class JobInterrupted(HandoffError):
    """A running job was stopped from outside its work: cancelled, past a time limit, or no longer
    this worker's. The sentence saying why is on the `ActiveJob`; raised asynchronously, so it
    carries no arguments."""


@dataclass(slots=True)
class ActiveJob:
    """A job running in this process: where it is, and whether it has been told to stop."""

    job_id: str
    thread_id: int
    stage: str | None = None
    stage_started: float = field(default_factory=time.monotonic)
    audio_s: float = 0.0
    reason: str | None = None  # why it must stop (a sentence); None while it may go on
    outcome: str = "failed"  # what stopping it means for the row: failed | cancelled | lost
    in_work: bool = False
    interrupted_at: float | None = None

    def enter(self, stage: str) -> None:
        if stage != self.stage:
            self.stage, self.stage_started = stage, time.monotonic()

    def check(self) -> None:
        """Raise `JobInterrupted` when the job has been told to stop (called at each report)."""
        if self.reason is not None:
            raise JobInterrupted(self.reason)


def worker_name() -> str:
    """This process's name in `jobs.leased_by`: host, pid and a random part (pids recur)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ActiveJobs:
    """The jobs this process runs now, by id; one per process (`active_jobs`)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.name = worker_name()
        self._jobs: dict[str, ActiveJob] = {}
        self._lock = threading.Lock()

    def add(self, job_id: str) -> ActiveJob:
        job = ActiveJob(job_id=job_id, thread_id=threading.get_ident())
        with self._lock:
            self._jobs[job_id] = job
        return job

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def all(self) -> list[ActiveJob]:
        with self._lock:
            return list(self._jobs.values())

    def get(self, job_id: str) -> ActiveJob | None:
        with self._lock:
            return self._jobs.get(job_id)


_active: ActiveJobs | None = None
_guard = threading.Lock()


def active_jobs() -> ActiveJobs:
    global _active
    with _guard:
        if _active is None or _active.pid != os.getpid():
            _active = ActiveJobs()  # a new process (fork) is a new worker
        return _active


def interrupt(active: ActiveJob, reason: str, *, outcome: str = "failed") -> None:
    """Tell a running job to stop: at its next progress report, or sooner by raising
    `JobInterrupted` in its thread while it is in its work."""
    if active.reason is not None:
        return
    active.reason, active.outcome = reason, outcome
    active.interrupted_at = time.monotonic()
    if active.in_work:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(active.thread_id), ctypes.py_object(JobInterrupted)
        )


@dataclass(frozen=True, slots=True)
class StageLimits:
    """Soft and hard seconds a stage may take, scaled to the clip's length."""

    soft_s: float
    hard_s: float
    per_audio_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> StageLimits:
        return cls(
            soft_s=settings.stage_soft_limit_s,
            hard_s=max(settings.stage_hard_limit_s, settings.stage_soft_limit_s),
            per_audio_s=settings.stage_limit_per_audio_s,
        )

    def soft(self, audio_s: float) -> float:
        return self.soft_s + self.per_audio_s * audio_s

    def hard(self, audio_s: float) -> float:
        return self.hard_s + self.per_audio_s * audio_s

    def sentence(self, stage: str | None, audio_s: float) -> str:
        return (
            f"The {stage or 'job'} stage took longer than its limit of {self.soft(audio_s):.0f} "
            "seconds (HANDOFF_STAGE_SOFT_LIMIT_S plus HANDOFF_STAGE_LIMIT_PER_AUDIO_S per second "
            "of audio); retry the job, or raise the limit."
        )


class Keeper:
    """The thread that keeps this worker's jobs alive (see the module's docstring)."""

    def __init__(
        self,
        services: Callable[[], Services],
        send: Callable[[Services, Job], None],
    ) -> None:
        self._services = services
        self._send = send
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="job-keeper", daemon=True)
        self._stopping = False

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it, so no query of it is cut off as the process exits."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        next_renew = next_reap = 0.0  # both at once on start
        quiet_until = 0.0  # a database outage is logged every 30 s, not every tick
        while not self._stop.is_set():
            try:
                settings = self._services().settings
                now = time.monotonic()
                self.enforce_limits(StageLimits.from_settings(settings))
                if now >= next_renew:
                    self.renew()
                    next_renew = now + settings.job_lease_s / 3
                if now >= next_reap:
                    self.reap()
                    next_reap = now + settings.job_reap_interval_s
            except Exception:
                if time.monotonic() >= quiet_until:
                    log.warning("The job keeper could not reach the jobs table", exc_info=True)
                    quiet_until = time.monotonic() + 30
            self._stop.wait(0.25)

    def renew(self) -> None:
        """Renew this worker's leases; a job cancelled (or taken over) meanwhile is stopped."""
        svc = self._services()
        active = active_jobs()
        running = active.all()
        if not running:
            return
        states = svc.jobs.renew(
            [a.job_id for a in running], worker=active.name, lease_s=svc.settings.job_lease_s
        )
        for job in running:
            state = states.get(job.job_id)
            if state == "cancelled":
                interrupt(job, "The job was cancelled.", outcome="cancelled")
            elif state in ("lost", "done", "failed"):
                interrupt(job, "Another worker took the job over.", outcome="lost")

    def enforce_limits(self, limits: StageLimits) -> None:
        """Interrupt a stage past its soft limit; past the hard limit, fail it and stop."""
        now = time.monotonic()
        for job in active_jobs().all():
            if job.reason is None:
                if now - job.stage_started > limits.soft(job.audio_s):
                    log.warning("job %s: %s past its soft limit", job.job_id, job.stage)
                    interrupt(job, limits.sentence(job.stage, job.audio_s))
                continue
            # told to stop and still running: as long again as a stage's hard limit allows
            ignored = now - (job.interrupted_at or now)
            if ignored > max(limits.hard(job.audio_s) - limits.soft(job.audio_s), 1.0):
                self._hard_stop(job)

    def _hard_stop(self, job: ActiveJob) -> None:
        """A stage that ignored its soft limit: fail it, hand the others back, exit the process
        (`handoff serve` restarts its worker; run `handoff worker` under a supervisor)."""
        svc = self._services()
        log.error("job %s: %s past its hard limit; stopping this worker", job.job_id, job.stage)
        if job.outcome == "failed":  # a cancelled one says so already; a lost one is not ours
            svc.jobs.fail(job.job_id, job.reason or "", worker=active_jobs().name)
        active_jobs().remove(job.job_id)
        self.hand_back()
        logging.shutdown()
        os._exit(EXIT_HARD_LIMIT)

    def reap(self) -> int:
        """Re-queue jobs whose lease ran out and send their tasks again; returns how many."""
        svc = self._services()
        sent = 0
        for job in svc.jobs.expired():
            again = svc.jobs.reclaim(job, queue_lease_s=svc.settings.job_queue_lease_s)
            if again is None:
                continue  # another reaper, or the job's worker, got there first
            if job.state == "running":
                log.warning("job %s: its worker stopped renewing its lease; re-queued", job.id)
            try:
                self._send(svc, again)
                sent += 1
            except Exception as exc:  # the queue is down: the job stays queued, tried again later
                log.warning("job %s: could not send it again (%s)", job.id, exc)
        return sent

    def hand_back(self) -> list[str]:
        """Put every job still running here back in the queue and send it again (stopping)."""
        svc = self._services()
        active = active_jobs()
        done = []
        for job in active.all():
            again = svc.jobs.release(
                job.job_id,
                worker=active.name,
                stage="queued",
                queue_lease_s=svc.settings.job_queue_lease_s,
            )
            if again is None:
                continue
            done.append(job.job_id)
            try:
                self._send(svc, again)
            except Exception as exc:  # queued in the table: the next reaper sends it
                log.warning("job %s: could not send it again (%s)", job.job_id, exc)
        return done

    def shutting_down(self) -> None:
        """SIGTERM: let running jobs finish within the grace period, then hand back the rest and
        end the process (the broker's copy of a handed-back message is a harmless duplicate)."""
        if self._stopping:
            return
        self._stopping = True
        grace = self._services().settings.job_shutdown_grace_s
        threading.Thread(target=self._finish_or_hand_back, args=(grace,), daemon=True).start()

    def _finish_or_hand_back(self, grace: float) -> None:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and active_jobs().all():
            time.sleep(0.1)
        if not active_jobs().all():
            return  # Celery's warm shutdown ends the process
        ids = self.hand_back()
        log.warning("Stopping: handed %d running job(s) back to the queue", len(ids))
        logging.shutdown()
        os._exit(0)
