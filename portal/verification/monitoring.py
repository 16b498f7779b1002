"""Monitoring: re-verify suppliers on a cadence, retry what could not be checked, alert.

The work list is ``verification_schedule`` (one row per supplier, due at
``next_due_at``). One pass (:func:`run_due`, ``portal verify due``):

1. gives every supplier without a row one, due now
   (:func:`~portal.verification.schedule.ensure_schedule`);
2. selects due rows of prospective and active suppliers, oldest first; a row is due
   after the cadence (``PORTAL_VERIFY_CADENCE_DAYS``), after a failed run's
   ``retry_after``, or at once after a write
   (:func:`~portal.verification.schedule.request_verification`);
3. claims each with a conditional UPDATE (``... WHERE next_due_at <= now AND
   (claimed_until IS NULL OR claimed_until < now)``, then checks the row count), a
   lease of ``PORTAL_VERIFY_LEASE_MINUTES``, so two workers never verify the same
   supplier; a worker that dies loses its lease and the row is due again;
4. waits for the :class:`~providers.quota.TokenBucket` (``PORTAL_VERIFY_CALLS_PER_MINUTE``)
   before each supplier, so paid quotas are spread over the pass;
5. verifies (:func:`portal.verification.verify.verify_supplier_now`), which
   reschedules the row: ``now + cadence``, or ``retry_after`` when a source did not answer.

Alerts (:func:`portal.verification.alerts.raise_alerts`) go to purchasing through the
outbox for a registry status change, a tax status turning abnormal and a licence term
crossing 90, 60, 30 and 0 days; the schedule row remembers what was alerted, updated
with a conditional UPDATE, so each is sent once however many runs see it.

Suppliers confirm once a year that their data is still right
(:mod:`portal.verification.confirmations`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from portal.audit.log import AuditContext, AuditLog
from portal.verification.schedule import claim, due_suppliers, ensure_schedule, reschedule
from portal.verification.verify import SYSTEM, VerificationDeps, verify_supplier_now
from portal.verification.wiring import (
    VerificationPorts,
    VerificationSettings,
    VerificationWiring,
)
from providers.quota import CallPacer, TokenBucket

if TYPE_CHECKING:
    from portal.core import Services

#: Provider calls one verification costs (registry lookup, tax status, invoicing details).
CALLS_PER_SUPPLIER = 3

log = logging.getLogger(__name__)

__all__ = [
    "CALLS_PER_SUPPLIER",
    "PassReport",
    "PeriodicVerification",
    "run_due",
]


@dataclass
class PassReport:
    """What one monitoring pass did."""

    due: int = 0
    verified: int = 0
    validated: int = 0
    needs_retry: int = 0
    taken_by_others: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


async def run_due(
    services: Services,
    wiring: VerificationWiring,
    *,
    limit: int | None = None,
    limiter: CallPacer | None = None,
    ports: VerificationPorts | None = None,
    clock: Callable[[], datetime] | None = None,
    ctx: AuditContext | None = None,
) -> PassReport:
    """One monitoring pass (see the module docstring); raises when not configured."""
    clock = clock or wiring.clock
    settings = wiring.settings
    report = PassReport()
    engine = services.engine

    def pick() -> list[tuple[str, str]]:
        with engine.begin() as conn:
            ensure_schedule(conn, clock())
        with engine.connect() as conn:
            return due_suppliers(conn, clock(), limit or settings.batch_limit)

    async def work(open_ports: VerificationPorts) -> None:
        # shared by every instance when the ports pace in Redis, else this pass's own bucket
        pacer = limiter or open_ports.pacer or TokenBucket(settings.calls_per_minute, clock=clock)
        deps = VerificationDeps(services.suppliers, AuditLog(services.sealer), open_ports, settings)
        due = await asyncio.to_thread(pick)
        report.due = len(due)
        lease = timedelta(minutes=settings.lease_minutes)
        for sid, reason in due:
            token = await asyncio.to_thread(claim, engine, sid, clock(), lease)
            if token is None:
                report.taken_by_others += 1
                continue
            await pacer.acquire(CALLS_PER_SUPPLIER)
            trigger = reason if reason in ("retry", "creation", "change") else "schedule"
            try:
                done = await verify_supplier_now(
                    engine,
                    deps,
                    sid,
                    now=clock(),
                    trigger=trigger,
                    ctx=ctx or SYSTEM,
                    claim_token=token,
                )
            except Exception as exc:  # one supplier's failure never stops the pass
                log.exception("verification of supplier %s failed", sid)
                report.errors.append(f"{sid}: {type(exc).__name__}: {exc}")
                await asyncio.to_thread(_failed, engine, sid, token, clock(), settings, exc)
                continue
            report.verified += 1
            report.validated += done.validated
            report.needs_retry += done.outcome in ("unavailable", "stale")
            report.alerts += len(done.alerts)

    if ports is not None:
        await work(ports)
    else:
        async with wiring.ports() as opened:
            await work(opened)
    return report


def _failed(
    engine: Engine,
    sid: str,
    token: str,
    now: datetime,
    settings: VerificationSettings,
    exc: Exception,
) -> None:
    with engine.begin() as conn:
        due = now + timedelta(minutes=settings.retry_minutes)
        reschedule(
            conn, sid, due, reason="retry", token=token, error=f"{type(exc).__name__}: {exc}"[:2000]
        )


class PeriodicVerification:
    """An in-process task running a pass every ``minutes`` (the demo; use cron in production)."""

    def __init__(
        self,
        services: Services,
        wiring: VerificationWiring,
        minutes: float,
        ports: Callable[[], VerificationPorts | None] = lambda: None,
    ) -> None:
        self.services, self.wiring, self.minutes, self._ports = services, wiring, minutes, ports
        self._task: asyncio.Task[None] | None = None
        self.passes = 0

    async def _loop(self) -> None:
        while True:
            try:
                report = await run_due(self.services, self.wiring, ports=self._ports())
                self.passes += 1
                if report.due:
                    log.info("verification pass: %s", report.as_dict())
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the task alive; the next pass tries again
                log.exception("verification pass failed")
            await asyncio.sleep(self.minutes * 60)

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the task in the running loop (Litestar ``on_startup``)."""
        if self._task is None and self.minutes > 0 and self.wiring.configured:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Cancel the task and wait for it (Litestar ``on_shutdown``)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
