"""Background worker entry point: `handoff worker` (at scale) and the one `handoff serve` starts.

`python -m api.worker` is what `handoff serve` runs as its embedded worker, in a child process so
transcription never stalls the web server; it stops when the server stops.

Every worker runs a job keeper (`api.keeper`): it renews the leases of its jobs, re-queues the
jobs of workers that died, enforces stage time limits and cancellations, and on SIGTERM hands back
the jobs that did not finish within HANDOFF_JOB_SHUTDOWN_GRACE_S.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from api.celery_app import QUEUE, get_celery

log = logging.getLogger(__name__)


def worker_argv(
    *, concurrency: int, loglevel: str = "info", hostname: str | None = None
) -> list[str]:
    pool = "solo" if concurrency <= 1 else "threads"
    argv = [
        "worker",
        f"--pool={pool}",
        f"--concurrency={max(1, concurrency)}",
        f"--queues={QUEUE}",
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    return argv


def run_worker(
    *, concurrency: int = 1, loglevel: str = "info", hostname: str | None = None
) -> None:
    """Run a Celery worker for the configured broker until it is told to stop, then end the
    process with the worker's status (`_exit_now`): this never returns."""
    from celery import signals

    import api.tasks  # (registers the tasks with the app)

    api.tasks.prepare_on_start()
    keeper = api.tasks.keeper()

    def shutting_down(**_: Any) -> None:
        keeper.shutting_down()

    signals.worker_shutting_down.connect(shutting_down, weak=False)
    keeper.start()  # reaps at once: jobs a killed worker left behind are sent again
    code: Any = 0
    try:
        get_celery().worker_main(
            worker_argv(concurrency=concurrency, loglevel=loglevel, hostname=hostname)
        )
    except SystemExit as exc:  # Celery ends the worker with sys.exit(status)
        code = exc.code
    finally:
        keeper.stop()
    _exit_now(code)


def _exit_now(code: Any) -> None:
    """End a worker that has shut down cleanly without the interpreter's teardown: native
    libraries the speech engines load keep C++ threads that abort the process (SIGABRT,
    "terminate called without an active exception") when they are destroyed at exit, which
    turned a clean stop into a crash. Jobs and the broker are settled by now; only output is
    flushed."""
    status = code if isinstance(code, int) else (0 if code is None else 1)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def run_beat(*, loglevel: str = "info") -> None:
    """Run Celery beat: it sends the scheduled tasks (`api.celery_app.SCHEDULE`) to the queue.
    One per installation: `handoff serve` starts it, or `handoff beat` at scale."""
    from handoff.settings import get_settings

    get_settings().home.mkdir(parents=True, exist_ok=True)
    get_celery().Beat(loglevel=loglevel.upper(), quiet=True).run()


def start_embedded(
    *, concurrency: int, env: dict[str, str] | None = None, beat: bool = False
) -> subprocess.Popen[Any]:
    """Start the embedded worker (or, with `beat`, Celery beat) as a child process (same
    settings, via the environment)."""
    cmd = [sys.executable, "-m", "api.worker", "--loglevel", "warning"]
    cmd += ["--beat"] if beat else ["--concurrency", str(concurrency)]
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})}, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """Linux: the worker gets SIGTERM if `handoff serve` dies without stopping it."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class EmbeddedWorker:
    """The worker (or, with `beat`, the beat) `handoff serve` runs: started with it, restarted
    if it dies, stopped with it."""

    def __init__(self, *, concurrency: int = 1, max_restarts: int = 5, beat: bool = False) -> None:
        self.concurrency = concurrency
        self.max_restarts = max_restarts
        self.beat = beat
        self.proc = start_embedded(concurrency=concurrency, beat=beat)
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watchdog, name="worker-watchdog", daemon=True)
        self._watch.start()

    def _watchdog(self) -> None:
        restarts = 0
        started = time.monotonic()
        while not self._stop.wait(2.0):
            code = self.proc.poll()
            if code is None:
                if time.monotonic() - started > 300:
                    restarts = 0  # a worker that ran a while counts as healthy again
                continue
            what = "beat" if self.beat else "worker"
            if restarts >= self.max_restarts:
                log.error("The embedded %s keeps stopping (exit %s); jobs will wait.", what, code)
                return
            restarts += 1
            log.error("The embedded %s stopped (exit %s); restarting it.", what, code)
            self.proc = start_embedded(concurrency=self.concurrency, beat=self.beat)
            started = time.monotonic()

    def stop(self) -> None:
        """Stop the worker: it finishes or hands back its running jobs within the grace period
        (HANDOFF_JOB_SHUTDOWN_GRACE_S), so it is given that long and a margin before a kill."""
        from handoff.settings import get_settings

        self._stop.set()
        self._watch.join(timeout=5)
        stop_embedded(self.proc, timeout=get_settings().job_shutdown_grace_s + 15.0)


def stop_embedded(proc: subprocess.Popen[Any], *, timeout: float = 15.0) -> None:
    """Warm shutdown (finish the running task), then kill if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.worker")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--loglevel", default="info")
    parser.add_argument("--hostname", default=None)
    parser.add_argument("--beat", action="store_true", help="Run Celery beat, not a worker.")
    args = parser.parse_args(argv)
    if args.beat:
        run_beat(loglevel=args.loglevel)
        return
    run_worker(concurrency=args.concurrency, loglevel=args.loglevel, hostname=args.hostname)


if __name__ == "__main__":
    main()
