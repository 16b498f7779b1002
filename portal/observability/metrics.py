"""Prometheus metrics: HTTP requests by route template, and the queues read at scrape time.

:class:`PortalMetrics` owns one registry per app (tests build many apps in one process),
with

- the provider calls by service, provider and outcome (:mod:`portal.observability.providers`);
- ``portal_http_requests_total{method,route,status}`` and
  ``portal_http_request_duration_seconds{method,route}``: ``route`` is the route template
  (``/staff/changes/{change_id:str}``), never the raw path, so a token in a URL never
  becomes a label and the number of series stays bounded;
- the state of the work in the database, read by :class:`QueueCollector` when Prometheus
  scrapes (one short query per family): outbox backlog and age, OCR jobs by state and the
  oldest queued age, suppliers due for monitoring, verification runs of the last hour by
  outcome (``unavailable`` = the providers did not answer), approvals pending, the age of
  the audit chain's head, and the connection pool.

A database that does not answer gives ``portal_database_up 0`` and no queue families
(never a failed scrape).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.pool import QueuePool

from portal.db.approval_tables import ChangeRequestRow
from portal.db.auth_tables import OutboxMessageRow
from portal.db.ocr_tables import OcrJobRow
from portal.db.tables import AuditEntryRow, AuditHeadRow, table_of
from portal.db.verification_tables import VerificationRunRow, VerificationScheduleRow

__all__ = ["CONTENT_TYPE", "MetricsServer", "PortalMetrics", "QueueCollector"]

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: request latency buckets (seconds): pages answer in tens of ms, exports in seconds
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: the status values of a change request that still waits for a reviewer
PENDING = ("pending", "partially_approved")
#: an outbox message stops being retried at this many attempts (OutboxWorker's default)
OUTBOX_MAX_ATTEMPTS = 8

OUTBOX = table_of(OutboxMessageRow)
OCR = table_of(OcrJobRow)
SCHEDULE = table_of(VerificationScheduleRow)
RUN = table_of(VerificationRunRow)
CHANGE = table_of(ChangeRequestRow)
HEAD = table_of(AuditHeadRow)
ENTRY = table_of(AuditEntryRow)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _age(now: datetime, moment: datetime | None) -> float:
    moment = _aware(moment)
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0


class QueueCollector(Collector):
    """The database's queues as gauges, read at each scrape."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("portal_database_up", "1 when the database answered the scrape")
        try:
            families = list(self._queues(self.clock()))
        except Exception as exc:  # a scrape never fails; the gauge says the database did not
            log.warning("metrics: database did not answer (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            yield from self._pool()
            return
        up.add_metric([], 1)
        yield up
        yield from families
        yield from self._pool()

    def _queues(self, now: datetime) -> Iterator[Metric]:
        with self.engine.connect() as conn:
            backlog = GaugeMetricFamily(
                "portal_outbox_backlog",
                "messages not sent yet and still being retried, by channel",
                labels=["channel"],
            )
            unsent = OUTBOX.c.sent_at.is_(None)
            retrying = unsent & (OUTBOX.c.attempts < OUTBOX_MAX_ATTEMPTS)
            rows = conn.execute(
                select(OUTBOX.c.channel, func.count(), func.min(OUTBOX.c.created_at))
                .where(retrying)
                .group_by(OUTBOX.c.channel)
            ).all()
            oldest = None
            for channel, count, first in rows:
                backlog.add_metric([channel], count)
                first = _aware(first)
                oldest = first if oldest is None or (first and first < oldest) else oldest
            yield backlog
            yield _gauge(
                "portal_outbox_oldest_age_seconds",
                "age of the oldest message still waiting to be sent (0: none)",
                _age(now, oldest),
            )
            gave_up = conn.execute(
                select(func.count()).where(unsent, OUTBOX.c.attempts >= OUTBOX_MAX_ATTEMPTS)
            ).scalar_one()
            yield _gauge(
                "portal_outbox_given_up", "messages no longer retried (need a person)", gave_up
            )

            jobs = GaugeMetricFamily(
                "portal_ocr_jobs", "licence-reading jobs by state", labels=["state"]
            )
            for state, count in conn.execute(
                select(OCR.c.state, func.count()).group_by(OCR.c.state)
            ).all():
                jobs.add_metric([state], count)
            yield jobs
            queued_since = conn.execute(
                select(func.min(OCR.c.created_at)).where(OCR.c.state == "queued")
            ).scalar_one()
            yield _gauge(
                "portal_ocr_oldest_queued_age_seconds",
                "age of the oldest licence waiting to be read (0: none)",
                _age(now, queued_since),
            )

            due = conn.execute(
                select(func.count()).where(SCHEDULE.c.next_due_at <= now)
            ).scalar_one()
            yield _gauge("portal_monitoring_due", "suppliers due for re-verification", due)
            overdue = conn.execute(
                select(func.count()).where(SCHEDULE.c.next_due_at <= now - timedelta(days=1))
            ).scalar_one()
            yield _gauge("portal_monitoring_overdue", "suppliers due for more than a day", overdue)
            runs = GaugeMetricFamily(
                "portal_verification_runs_last_hour",
                "verification runs started in the last hour, by outcome "
                "(unavailable: the providers did not answer)",
                labels=["outcome"],
            )
            for outcome, count in conn.execute(
                select(RUN.c.outcome, func.count())
                .where(RUN.c.started_at >= now - timedelta(hours=1))
                .group_by(RUN.c.outcome)
            ).all():
                runs.add_metric([outcome], count)
            yield runs

            pending = conn.execute(
                select(func.count()).where(CHANGE.c.status.in_(PENDING))
            ).scalar_one()
            yield _gauge("portal_approvals_pending", "change requests waiting for review", pending)
            waiting_since = conn.execute(
                select(func.min(CHANGE.c.requested_at)).where(CHANGE.c.status.in_(PENDING))
            ).scalar_one()
            yield _gauge(
                "portal_approvals_oldest_pending_age_seconds",
                "age of the oldest change request waiting for review (0: none)",
                _age(now, waiting_since),
            )

            head = conn.execute(
                select(ENTRY.c.seq, ENTRY.c.at)
                .join(HEAD, HEAD.c.seq == ENTRY.c.seq)
                .where(HEAD.c.id == 1)
            ).first()
            yield _gauge(
                "portal_audit_head_seq",
                "sequence number of the audit chain's head",
                head[0] if head else 0,
            )
            yield _gauge(
                "portal_audit_head_age_seconds",
                "time since the last audit entry was written",
                _age(now, head[1]) if head else 0.0,
            )

    def _pool(self) -> Iterator[Metric]:
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            yield _gauge("portal_db_pool_size", "connections the pool keeps", pool.size())
            yield _gauge("portal_db_pool_checked_out", "connections in use", pool.checkedout())
            yield _gauge(
                "portal_db_pool_overflow", "connections beyond the pool size", pool.overflow()
            )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class PortalMetrics:
    """One registry: the HTTP families, plus the queue collector when an engine is given,
    plus ``collectors`` (the process's provider calls, :mod:`portal.observability.providers`)."""

    def __init__(self, engine: Engine | None = None, collectors: Sequence[Collector] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "portal_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "portal_http_request_duration_seconds",
            "time to answer, by method and route template",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.in_flight = _InFlight()
        self.registry.register(self.in_flight)
        if engine is not None:
            self.registry.register(QueueCollector(engine))
        for collector in collectors:
            self.registry.register(collector)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def exposition(self) -> bytes:
        """The text Prometheus scrapes."""
        return generate_latest(self.registry)


class _InFlight(Collector):
    def __init__(self) -> None:
        self.value = 0

    def collect(self) -> Iterator[Metric]:
        yield _gauge("portal_http_requests_in_flight", "requests being answered now", self.value)


def monotonic() -> float:
    """The clock request durations are measured with."""
    return time.monotonic()


class MetricsServer:
    """A background HTTP server answering ``GET /metrics`` for a process without a web app
    (``portal worker --metrics-port``): the provider calls and the process's own families.

    It has no token: bind it to loopback or to a private network only Prometheus reaches.
    """

    def __init__(self, port: int, host: str, collectors: Sequence[Collector]) -> None:
        from prometheus_client import PlatformCollector, ProcessCollector, start_http_server

        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        for collector in collectors:
            self.registry.register(collector)
        self._server, self._thread = start_http_server(port, host, self.registry)
        self.port = int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
