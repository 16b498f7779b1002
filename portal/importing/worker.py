"""Running the web import's phases: check (a dry run), import, first verification.

:func:`run_phase` runs a claimed check or import phase to its end;
:class:`FirstVerification` verifies the suppliers an import created, in batches, through
the provider quota's token bucket and off the request path; :func:`arun_next` claims one
phase and runs it; :class:`ImportWorker` is the loop the web process starts (and
``portal worker`` runs), one phase at a time.

A phase extends its lease with every progress report; a worker whose lease ran out (it
was too slow, or it died and another took over) stops at its next report and drops its
work. An unreadable file fails the job at once with the reader's words; any other error
puts the phase back in the queue after a back-off, until the attempts are used up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, update

from portal.audit.log import AuditContext
from portal.importing.audited import ImportDeps, import_supplier_list, outcome_counts
from portal.importing.changes import ImportChangeProposer
from portal.importing.jobs import (
    JOB_SUPPLIER,
    ImportJob,
    ImportJobDeps,
    JobState,
    claim_next,
    opened_file,
    principal_of_job,
    settle,
    unverified,
    verification_counts,
)
from portal.importing.readers import UnreadableFileError, estimate_rows
from portal.importing.run import ImportReport
from portal.importing.workbook import first_filled_sheet, is_workbook, sheet_names
from portal.verification.monitoring import CALLS_PER_SUPPLIER
from portal.verification.schedule import claim, reschedule
from portal.verification.verify import VerificationDeps, verify_supplier_now
from portal.verification.wiring import VerificationPorts, VerificationSettings, VerificationWiring
from providers.quota import TokenBucket

__all__ = [
    "DEMO_CALLS_PER_MINUTE",
    "FirstVerification",
    "ImportWorker",
    "arun_next",
    "calls_per_minute",
    "run_phase",
    "summary_of",
]

log = logging.getLogger(__name__)

#: The demo data set answers from memory and sells no quota; live sources are spread over
#: ``PORTAL_VERIFY_CALLS_PER_MINUTE`` (what the contract with 企查查 / 天眼查 allows).
DEMO_CALLS_PER_MINUTE = 12_000


class _LeaseLostError(Exception):
    """Another worker took the job over (our lease ran out); drop our work."""


def _ctx(job: ImportJob, *, confirmed: bool) -> AuditContext:
    who = principal_of_job(job, confirmed=confirmed)
    return AuditContext(actor=who.subject, actor_role=who.role.value, device="import-worker")


def summary_of(report: ImportReport, sheets: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the counts the pages show, the report kept sealed): statuses, rows per finding
    code, and the rows where a second finding was found beside the first."""
    codes: Counter[str] = Counter()
    second = 0
    for row in report.rows:
        distinct = {f.code for f in row.findings}
        codes.update(distinct)
        second += len(distinct) > 1
    counts = {
        "statuses": dict(report.counts),
        "outcome": outcome_counts(report),
        "codes": dict(sorted(codes.items())),
        "rows_with_more_than_one_finding": second,
    }
    kept = {**report.as_dict(), "sheets": sheets}
    return counts, kept


def run_phase(deps: ImportJobDeps, job: ImportJob, *, verify_after: bool = False) -> None:
    """Run a claimed check or import phase to its end (see the module docstring)."""
    confirmed = job.state is JobState.IMPORTING
    principal = principal_of_job(job, confirmed=confirmed)
    ctx = _ctx(job, confirmed=confirmed)

    def progress(rows: int) -> None:
        now = deps.clock()
        if not settle(deps, job.id, rows_done=rows, lease_until=now + deps.lease):
            raise _LeaseLostError(job.id)

    def note(conn: Connection, ids: list[str]) -> None:
        if ids:
            conn.execute(
                insert(JOB_SUPPLIER),
                [{"job_id": job.id, "supplier_id": sid, "verified": False} for sid in ids],
            )

    try:
        with opened_file(deps, job) as path:
            sheet = job.sheet or (first_filled_sheet(path) if is_workbook(path) else None)
            settle(deps, job.id, rows_total=estimate_rows(path, sheet), sheet=sheet)
            proposer = (
                ImportChangeProposer(deps.changes, principal, ctx)
                if confirmed and deps.changes is not None
                else None
            )
            report = import_supplier_list(
                ImportDeps(deps.engine, deps.suppliers, deps.audit, deps.clock),
                ctx,
                principal,
                path,
                display_name=job.filename,
                dry_run=not confirmed,
                propose_changes=proposer,
                batch_size=deps.batch_size,
                on_progress=progress,
                sheet=sheet,
                on_created=note if confirmed else None,
            )
            sheets = sheet_names(path)
    except _LeaseLostError:
        log.warning("import job %s was taken over by another worker; its phase dropped", job.id)
        return
    except UnreadableFileError as exc:
        _fail(deps, job, str(exc))
        return
    report.file = job.filename  # the user's name for it, not the temporary copy's
    counts, kept = summary_of(report, sheets)
    rows = counts["statuses"].get("rows", 0)
    sealed = deps.sealer.seal("import_job", "report", job.id, json.dumps(kept, ensure_ascii=False))
    now = deps.clock()
    if not confirmed:
        settle(
            deps,
            job.id,
            state=JobState.CHECKED.value,
            counts=json.dumps({"check": counts}, ensure_ascii=False),
            report=sealed,
            rows_done=rows,
            rows_total=rows,
            checked_at=now,
            lease_until=None,
            claimed_by=None,
            attempts=0,
        )
        return
    _, to_verify = verification_counts(deps, job.id)
    after = JobState.VERIFY_QUEUED if verify_after and to_verify else JobState.DONE
    settle(
        deps,
        job.id,
        state=after.value,
        counts=json.dumps({**job.counts, "outcome": counts}, ensure_ascii=False),
        report=sealed,
        rows_done=rows,
        rows_total=rows,
        verify_total=to_verify,
        verify_done=0,
        imported_at=now,
        finished_at=now if after is JobState.DONE else None,
        lease_until=None,
        claimed_by=None,
        attempts=0,
        run_after=now,
    )


def _fail(deps: ImportJobDeps, job: ImportJob, message: str) -> None:
    settle(
        deps,
        job.id,
        state=JobState.FAILED.value,
        error=message[:2000],
        finished_at=deps.clock(),
        lease_until=None,
    )


def _retry(deps: ImportJobDeps, job: ImportJob, exc: Exception) -> None:
    if job.attempts >= deps.max_attempts:
        _fail(
            deps,
            job,
            f"the import could not be finished after {job.attempts} attempts "
            f"({type(exc).__name__}); upload the list again or ask the administrator",
        )
        return
    queued = {
        JobState.CHECKING: JobState.CHECK_QUEUED,
        JobState.IMPORTING: JobState.IMPORT_QUEUED,
        JobState.VERIFYING: JobState.VERIFY_QUEUED,
    }[job.state]
    settle(
        deps,
        job.id,
        state=queued.value,
        run_after=deps.clock() + timedelta(seconds=30 * job.attempts),
        lease_until=None,
        claimed_by=None,
    )


def calls_per_minute(providers: tuple[str, ...], settings: VerificationSettings) -> int:
    """The provider quota a first verification is spread over."""
    if providers and all(p == "demo" for p in providers):
        return max(settings.calls_per_minute, DEMO_CALLS_PER_MINUTE)
    return settings.calls_per_minute


@dataclass
class FirstVerification:
    """Verifies the suppliers an import created: ``batch`` at a time, at most
    ``concurrency`` at once, each waiting for the quota's token bucket."""

    wiring: VerificationWiring
    batch: int = 100
    concurrency: int = 8

    @property
    def configured(self) -> bool:
        return self.wiring.configured

    async def run(self, deps: ImportJobDeps, job: ImportJob) -> None:
        async with self.wiring.ports() as ports:
            await self._run(deps, job, ports)

    async def _run(self, deps: ImportJobDeps, job: ImportJob, ports: VerificationPorts) -> None:
        settings = self.wiring.settings
        vdeps = VerificationDeps(deps.suppliers, deps.audit, ports, settings)
        rate = calls_per_minute(ports.providers, settings)
        # the quota is real time, whatever clock the records are stamped with
        limiter = TokenBucket(rate, clock=lambda: datetime.now(UTC))
        # a batch ends (and renews the lease) well within the lease at the quota's pace
        lease_minutes = deps.lease.total_seconds() / 60
        size = max(1, min(self.batch, int(rate / CALLS_PER_SUPPLIER * lease_minutes / 2)))
        width = 1 if deps.engine.dialect.name == "sqlite" else self.concurrency
        slots = asyncio.Semaphore(width)
        lease = timedelta(minutes=settings.lease_minutes)

        async def one(sid: str) -> tuple[str, str]:
            async with slots:
                now = deps.clock()
                token = await asyncio.to_thread(claim, deps.engine, sid, now, lease)
                if token is None:  # a monitoring pass has it, or it was verified since
                    return sid, "elsewhere"
                await limiter.acquire(CALLS_PER_SUPPLIER)
                try:
                    done = await verify_supplier_now(
                        deps.engine,
                        vdeps,
                        sid,
                        now=deps.clock(),
                        trigger="creation",
                        claim_token=token,
                    )
                except Exception as exc:  # one supplier never stops the others
                    log.exception("first verification of supplier %s failed", sid)
                    await asyncio.to_thread(_retry_later, deps, sid, token, settings, exc)
                    return sid, "error"
                return sid, done.outcome

        while True:
            batch = await asyncio.to_thread(unverified, deps, job.id, size)
            if not batch:
                break
            results = await asyncio.gather(*(one(sid) for sid in batch))
            await asyncio.to_thread(_mark, deps, job, results)
        done, total = await asyncio.to_thread(verification_counts, deps, job.id)
        now = deps.clock()
        settle(
            deps,
            job.id,
            state=JobState.DONE.value,
            verify_done=done,
            verify_total=total,
            finished_at=now,
            lease_until=None,
            claimed_by=None,
        )


def _retry_later(
    deps: ImportJobDeps, sid: str, token: str, settings: VerificationSettings, exc: Exception
) -> None:
    with deps.engine.begin() as conn:
        due = deps.clock() + timedelta(minutes=settings.retry_minutes)
        reschedule(
            conn, sid, due, reason="retry", token=token, error=f"{type(exc).__name__}: {exc}"[:2000]
        )


def _mark(deps: ImportJobDeps, job: ImportJob, results: list[tuple[str, str]]) -> None:
    """Note a batch as verified (the monitoring job retries what could not be) and report."""
    with deps.engine.begin() as conn:
        for sid, outcome in results:
            conn.execute(
                update(JOB_SUPPLIER)
                .where(JOB_SUPPLIER.c.job_id == job.id, JOB_SUPPLIER.c.supplier_id == sid)
                .values(verified=True, outcome=outcome[:20])
            )
    done, total = verification_counts(deps, job.id)
    if not settle(
        deps, job.id, verify_done=done, verify_total=total, lease_until=deps.clock() + deps.lease
    ):
        raise _LeaseLostError(job.id)


async def arun_next(
    deps: ImportJobDeps, verification: FirstVerification | None = None
) -> str | None:
    """Claim one phase and run it to its end; the job's id, or None when nothing waits."""
    job = await asyncio.to_thread(claim_next, deps)
    if job is None:
        return None
    verify_after = verification is not None and verification.configured
    try:
        if job.state is JobState.VERIFYING:
            if verification is None or not verification.configured:
                await asyncio.to_thread(
                    settle,
                    deps,
                    job.id,
                    state=JobState.DONE.value,
                    finished_at=deps.clock(),
                    lease_until=None,
                )
            else:
                await verification.run(deps, job)
        else:
            await asyncio.to_thread(run_phase, deps, job, verify_after=verify_after)
    except _LeaseLostError:
        log.warning("import job %s was taken over by another worker", job.id)
    except Exception as exc:  # keep the job: a worker error is retried, then reported
        log.exception("import job %s failed", job.id)
        await asyncio.to_thread(_retry, deps, job, exc)
    return job.id


class ImportWorker:
    """The in-process loop: one phase at a time; :meth:`wake` starts the next at once."""

    def __init__(
        self,
        deps: ImportJobDeps,
        verification: FirstVerification | None = None,
        *,
        poll_seconds: float = 2.0,
    ) -> None:
        self.deps, self.verification, self.poll_seconds = deps, verification, poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._loop_ref: asyncio.AbstractEventLoop | None = None
        self.phases = 0

    async def _run(self) -> None:
        while True:
            job_id: str | None = None
            try:
                job_id = await arun_next(self.deps, self.verification)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the task alive: the database may be back next time
                log.exception("import worker pass failed")
            if job_id is not None:
                self.phases += 1
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the task in the running loop (Litestar ``on_startup``, ``portal worker``)."""
        if self._task is None:
            self._loop_ref = asyncio.get_running_loop()
            self._task = self._loop_ref.create_task(self._run())

    def wake(self) -> None:
        if self._loop_ref is not None and not self._loop_ref.is_closed():
            self._loop_ref.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        """Cancel the loop; a phase in its thread finishes or its lease runs out."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
