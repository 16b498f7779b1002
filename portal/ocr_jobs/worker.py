"""Reading queued licences: :func:`run_next` claims one job and reads it to the end with
the ``reader`` of :class:`OcrWorkerDeps` (``ocr.read_licence`` in production, a fake in
tests); :class:`OcrWorker` is the in-process asyncio task that calls it in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine, select

from crypto.documents import DocumentVault
from ocr.errors import OcrError
from ocr.limits import InputLimits
from ocr.sandbox import LicenceReaderPool, SandboxSettings
from portal.audit.log import AuditContext, AuditLog
from portal.db.lease import backoff
from portal.documents import store as documents
from portal.domain.principal import Principal, Role
from portal.observability.context import bind_request_id, new_request_id
from portal.ocr_jobs.queue import JOB, JobState, OcrJobSettings, claim_next, settle, utc_now

__all__ = [
    "OcrWorker",
    "OcrWorkerDeps",
    "Progress",
    "Reader",
    "Reading",
    "default_reader",
    "read_document",
    "run_next",
]

log = logging.getLogger(__name__)
SYSTEM = AuditContext(actor="system:ocr-worker", channel="system:ocr-worker")
#: The worker reads documents as a system caller (``open_document`` narrows supplier users
#: only); every read is audited as ``document.read`` by ``system:ocr-worker``.
_WORKER = Principal("system:ocr-worker", Role.ADMIN, "OCR worker", kind="api")

Progress = Callable[[str, float], None]


class Reading(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class Reader(Protocol):
    """What reads a licence: ``ocr.read_licence`` or a fake with the same output shape."""

    def __call__(
        self, data: bytes, *, filename: str | None = None, progress: Progress | None = None
    ) -> Reading: ...


class _LeaseLostError(Exception):
    """Another worker took the job over (our lease ran out); drop our result."""


@dataclass
class OcrWorkerDeps:
    """What a worker needs: the database, the vault, the reader, settings and a clock."""

    engine: Engine
    vault: DocumentVault
    audit: AuditLog
    reader: Reader
    settings: OcrJobSettings = field(default_factory=OcrJobSettings)
    clock: Callable[[], datetime] = utc_now
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )


def run_next(deps: OcrWorkerDeps) -> str | None:
    """Claim one job and read it to the end (done, failed or queued again); its id."""
    job_id = claim_next(deps.engine, deps.worker_id, now=deps.clock(), lease=deps.settings.lease)
    if job_id is not None:
        _read(deps, job_id)
    return job_id


def _read(deps: OcrWorkerDeps, job_id: str) -> None:
    with deps.engine.connect() as conn:
        row = conn.execute(select(JOB).where(JOB.c.id == job_id)).one()
    if row.attempts > deps.settings.max_attempts:
        message = f"the licence could not be read after {row.attempts - 1} attempts"
        _give_up(deps, job_id, row.error or message, row.error_code or "ocr.gave_up")
        return
    try:
        info, chunks = documents.open_document(
            deps.engine, deps.vault, deps.audit, SYSTEM, _WORKER, row.document_id, now=deps.clock()
        )
        data = b"".join(chunks)
        reported = [""]

        def progress(stage: str, fraction: float) -> None:
            if stage == reported[0]:
                return
            reported[0] = stage
            now = deps.clock()
            values = {
                "stage": stage,
                "progress": fraction,
                "lease_until": now + deps.settings.lease,
            }
            if not settle(deps.engine, job_id, deps.worker_id, **values):
                raise _LeaseLostError(job_id)

        started = time.monotonic()
        reading = read_document(deps, data, info.filename, progress)
        seconds = round(time.monotonic() - started, 3)
    except _LeaseLostError:
        log.warning("ocr job %s was taken over by another worker; result dropped", job_id)
        return
    except OcrError as exc:
        if exc.permanent:
            _give_up(deps, job_id, exc.message, exc.code)
        else:
            _retry(deps, job_id, row.attempts, exc.message, exc.code)
        return
    except Exception as exc:  # a bug or a crash in an engine: retry, then give up
        log.exception("ocr job %s failed unexpectedly", job_id)
        _retry(deps, job_id, row.attempts, f"unexpected error ({type(exc).__name__})", "ocr.error")
        return
    settle(
        deps.engine,
        job_id,
        deps.worker_id,
        state=JobState.DONE.value,
        stage="done",
        progress=1.0,
        result=json.dumps(reading.as_dict(), ensure_ascii=False),
        seconds=seconds,
        finished_at=deps.clock(),
        lease_until=None,
    )


def read_document(
    deps: OcrWorkerDeps, data: bytes, filename: str | None, progress: Progress
) -> Reading:
    """The one place a job hands a licence to the reader (keep it alone: how the reader
    runs, in this process or a sandbox, changes here and nowhere else)."""
    return deps.reader(data, filename=filename, progress=progress)


def _give_up(deps: OcrWorkerDeps, job_id: str, message: str, code: str) -> None:
    settle(
        deps.engine,
        job_id,
        deps.worker_id,
        state=JobState.FAILED.value,
        stage="failed",
        error=message,
        error_code=code[:40],
        finished_at=deps.clock(),
        lease_until=None,
    )


def _retry(deps: OcrWorkerDeps, job_id: str, attempts: int, message: str, code: str) -> None:
    if attempts >= deps.settings.max_attempts:
        _give_up(deps, job_id, message, code)
        return
    delay = backoff(timedelta(seconds=deps.settings.backoff_seconds), attempts)
    settle(
        deps.engine,
        job_id,
        deps.worker_id,
        state=JobState.QUEUED.value,
        stage="waiting",
        progress=0.0,
        error=message,
        error_code=code[:40],
        run_after=deps.clock() + delay,
        claimed_by=None,
        lease_until=None,
    )


class OcrWorker:
    """The in-process worker: an asyncio task reading one job at a time in a thread.

    :meth:`wake` (safe from any thread) starts the next read at once instead of at the
    next poll.
    """

    def __init__(self, deps: OcrWorkerDeps, *, warm_up: Callable[[], object] | None = None) -> None:
        self.deps = deps
        self.warm_up = warm_up  # e.g. load the OCR models before the first upload arrives
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._loop_ref: asyncio.AbstractEventLoop | None = None
        self.jobs = 0

    async def _run(self) -> None:
        if self.warm_up is not None:
            try:
                await asyncio.to_thread(self.warm_up)
            except Exception:  # the first read will say what is wrong
                log.exception("ocr warm-up failed")
        while True:
            job_id: str | None = None
            try:
                # each pass has its own id: the job's log lines and audit entries carry it
                with bind_request_id(new_request_id("ocr-")):
                    job_id = await asyncio.to_thread(run_next, self.deps)
            except asyncio.CancelledError:
                raise
            except Exception:  # keep the task alive: the database may be back next time
                log.exception("ocr worker pass failed")
            if job_id is not None:
                self.jobs += 1
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.deps.settings.poll_seconds)

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Start the task in the running loop (Litestar ``on_startup``)."""
        if self._task is None:
            self._loop_ref = asyncio.get_running_loop()
            self._task = self._loop_ref.create_task(self._run())

    def wake(self) -> None:
        if self._loop_ref is not None and not self._loop_ref.is_closed():
            self._loop_ref.call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        """Cancel the task and wait for it (Litestar ``on_shutdown``); a read in progress
        finishes in its thread, or its lease runs out and another worker takes it."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def default_reader(
    limits: InputLimits, sandbox: SandboxSettings | None = None
) -> LicenceReaderPool:
    """The real licence reader: ``ocr.read_licence`` in sandboxed, warm worker processes
    (time and memory limits: :mod:`ocr.sandbox`); ``.start()`` warms them. The calling
    process never loads the OCR models."""
    return LicenceReaderPool(sandbox or SandboxSettings(), limits)
