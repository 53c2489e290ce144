"""Operators' metrics in the Prometheus text format: jobs by state, job durations, queue depth,
notification failures.

Job figures are read from the `jobs` table at each scrape, so they are the same whichever server
is scraped and however many workers run (a worker's memory would know only its own jobs). What
only a process knows is a metric object here that others increment:

    from api.observability import NOTIFICATION_FAILURES
    NOTIFICATION_FAILURES.labels(channel="email", retryable="true").inc()

Those objects live in `REGISTRY` (not prometheus_client's global one), so tests and several apps
in one process do not collide.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from handoff.db import session_scope
from handoff.models import JobRecord

#: The process's own metrics (what others increment).
REGISTRY = CollectorRegistry(auto_describe=True)

NOTIFICATION_FAILURES = Counter(
    "handoff_notification_failures",
    "Notifications a channel failed to deliver, by channel and whether a retry can help.",
    ["channel", "retryable"],
    registry=REGISTRY,
)

#: Upper bounds (seconds) of the job duration histogram.
DURATION_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
#: One histogram's cumulative (upper bound, count) buckets and its sum.
Histogram = tuple[list[tuple[str, float]], float]


class JobsCollector(Collector):
    """Jobs by kind and state, queue depth, and the durations of finished jobs (created to last
    update, for done and failed jobs), read from the system of record at each scrape."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[Metric]:
        by_state = GaugeMetricFamily(
            "handoff_jobs", "Background jobs by kind and state.", labels=["kind", "state"]
        )
        queued = GaugeMetricFamily("handoff_queue_depth", "Jobs waiting for a worker.")
        durations = HistogramMetricFamily(
            "handoff_job_duration_seconds",
            "Seconds from a job being queued to its end, for finished jobs.",
            labels=["kind", "state"],
        )
        with session_scope(self.url) as session:
            counts = session.execute(
                select(JobRecord.kind, JobRecord.state, func.count()).group_by(
                    JobRecord.kind, JobRecord.state
                )
            ).all()
            finished = self._durations(session)
        depth = 0
        for kind, state, n in counts:
            by_state.add_metric([kind, state], n)
            depth += n if state == "queued" else 0
        queued.add_metric([], depth)
        for (kind, state), (buckets, total) in finished.items():
            durations.add_metric([kind, state], buckets, total)
        yield by_state
        yield queued
        yield durations

    @staticmethod
    def _durations(session: Session) -> dict[tuple[str, str], Histogram]:
        """{(kind, state): (cumulative buckets, sum of seconds)}, counted by the database."""
        sqlite = session.get_bind().dialect.name == "sqlite"
        j = JobRecord
        if sqlite:
            secs = (func.julianday(j.updated_at) - func.julianday(j.created_at)) * 86400.0
        else:
            secs = func.extract("epoch", j.updated_at - j.created_at)
        columns = [func.sum(case((secs <= b, 1), else_=0)) for b in DURATION_BUCKETS]
        q = (
            select(j.kind, j.state, func.count(), func.sum(secs), *columns)
            .where(j.state.in_(("done", "failed")))
            .group_by(j.kind, j.state)
        )
        out = {}
        for kind, state, n, total, *le in session.execute(q):
            buckets = [(f"{b:g}", float(c or 0)) for b, c in zip(DURATION_BUCKETS, le, strict=True)]
            buckets.append(("+Inf", float(n)))
            out[(kind, state)] = (buckets, float(total or 0.0))
        return out


class OutboxCollector(Collector):
    """Notifications by channel and status (pending, delivered, failed, cancelled), read from the
    outbox at each scrape: a failure counted in a worker's memory is invisible to the web process
    that is scraped, while the outbox knows every worker's."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[Metric]:
        from handoff.protocol.models import OutboxRow

        family = GaugeMetricFamily(
            "handoff_notifications",
            "Notifications in the outbox by channel and status.",
            labels=["channel", "status"],
        )
        with session_scope(self.url) as session:
            rows = session.execute(
                select(OutboxRow.channel, OutboxRow.status, func.count()).group_by(
                    OutboxRow.channel, OutboxRow.status
                )
            ).all()
        for channel, status, n in rows:
            family.add_metric([channel, status], n)
        yield family


def exposition(url: str) -> bytes:
    """The text a scrape reads: the process's metrics, then jobs and notifications read from the
    database."""
    stored = CollectorRegistry(auto_describe=False)
    stored.register(JobsCollector(url))
    stored.register(OutboxCollector(url))
    return generate_latest(REGISTRY) + generate_latest(stored)
