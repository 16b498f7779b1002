"""Business-licence OCR off the request path: upload, queue, read, pre-fill, compare.

A job's life (``ocr_job.state``)::

    queued ──claim──> running ──read──> done
      ^                 │ ├── input error ────────────> failed   (the file is the problem)
      │                 │ └── engine error, attempts left: queued again after a back-off
      └── lease ran out ┘     (a crashed worker)          failed once attempts run out

:func:`enqueue_licence` stores the upload encrypted as a ``business_licence`` document and
queues a job. :func:`claim_next` takes one with a conditional UPDATE (``WHERE state =
'queued'`` or a ``running`` job whose lease expired, then check the row count), so several
app instances never read one licence twice; progress reports extend the lease.
:func:`run_next` claims and reads one job with the ``reader`` of :class:`OcrWorkerDeps`
(``ocr.read_licence`` in production, a fake in tests); :class:`OcrWorker` is the
in-process asyncio task that calls it in a thread. :func:`prefill` and
:func:`compare_sources` turn a finished reading into the supplier's form and the
typed / licence / registry comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import socket
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Engine, and_, insert, or_, select, update

from approvals import Entity
from crypto.documents import DocumentVault
from ocr.errors import OcrError
from ocr.inputs import InputLimits
from ocr.sandbox import LicenceReaderPool, SandboxSettings
from portal.db.ocr_tables import OcrJobRow
from portal.db.tables import table_of
from portal.domain import uscc
from portal.domain.findings import Finding
from portal.domain.principal import Principal, Role
from portal.domain.supplier import Supplier
from portal.services import documents
from portal.services.audit_log import AuditContext, AuditLog
from portal.services.change_diff import OPEN_ENDED, Proposal, capital_text, supplier_values
from portal.services.verification import claims_of
from registry.model import EnterpriseRecord
from registry.verification import OcrClaims, verify_supplier

__all__ = [
    "FORM_FIELDS",
    "ComparisonRow",
    "JobState",
    "OcrJob",
    "OcrJobNotFoundError",
    "OcrJobSettings",
    "OcrWorker",
    "OcrWorkerDeps",
    "Prefill",
    "PrefillField",
    "Reader",
    "claim_next",
    "compare_sources",
    "enqueue_licence",
    "get_job",
    "prefill",
    "proposal_from_form",
    "run_next",
]

log = logging.getLogger(__name__)
JOB = table_of(OcrJobRow)
SYSTEM = AuditContext(actor="system:ocr-worker")
#: The worker reads documents as a system caller (``open_document`` narrows supplier users
#: only); every read is audited as ``document.read`` by ``system:ocr-worker``.
_WORKER = Principal("system:ocr-worker", Role.ADMIN, "OCR worker", kind="api")
#: Licence fields the supplier's form offers (the credit code is the identity: compared only).
FORM_FIELDS = (
    "name",
    "entity_type",
    "legal_representative",
    "registered_capital",
    "established_on",
    "term_from",
    "term_to",
    "address",
    "business_scope",
    "registration_authority",
)

Progress = Callable[[str, float], None]


class Reading(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class Reader(Protocol):
    """What reads a licence: ``ocr.read_licence`` or a fake with the same output shape."""

    def __call__(
        self, data: bytes, *, filename: str | None = None, progress: Progress | None = None
    ) -> Reading: ...


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OcrJobNotFoundError(LookupError):
    """No such job, or not one this caller may see (the same answer on purpose)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no licence reading {job_id}")


class _LeaseLostError(Exception):
    """Another worker took the job over (our lease ran out); drop our result."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    return int(value) if value.isdigit() else default


@dataclass(frozen=True)
class OcrJobSettings:
    """``PORTAL_OCR_*``: the in-process worker, lease, attempts, back-off, confidence."""

    worker: bool = True  # PORTAL_OCR_WORKER=0 when separate worker processes run the queue
    lease_seconds: int = 300
    max_attempts: int = 4
    backoff_seconds: int = 30
    poll_seconds: float = 2.0
    min_confidence: float = 0.8  # below this a read value is shown, not pre-filled

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OcrJobSettings:
        """Settings from the environment.

        >>> OcrJobSettings.from_env({"PORTAL_OCR_WORKER": "0"}).worker
        False
        """
        env = os.environ if env is None else env
        return cls(
            worker=env.get("PORTAL_OCR_WORKER", "1") != "0",
            lease_seconds=_int(env, "PORTAL_OCR_LEASE_SECONDS", 300),
            max_attempts=_int(env, "PORTAL_OCR_MAX_ATTEMPTS", 4),
            backoff_seconds=_int(env, "PORTAL_OCR_BACKOFF_SECONDS", 30),
        )

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)


@dataclass(frozen=True)
class OcrJob:
    """One licence reading as the pages and the JSON show it."""

    id: str
    supplier_id: str
    document_id: str
    state: JobState
    stage: str
    progress: float
    result: dict[str, Any] | None
    error: str | None
    error_code: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "stage": self.stage,
            "progress": round(self.progress, 3),
            "error": self.error if self.state is JobState.FAILED else None,
            "error_code": self.error_code if self.state is JobState.FAILED else None,
            "attempts": self.attempts,
            "seconds": self.seconds,
            "result": self.result,
        }


def _job(row: Any) -> OcrJob:
    return OcrJob(
        id=row.id,
        supplier_id=row.supplier_id,
        document_id=row.document_id,
        state=JobState(row.state),
        stage=row.stage,
        progress=row.progress,
        result=json.loads(row.result) if row.result else None,
        error=row.error,
        error_code=row.error_code,
        attempts=row.attempts,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        seconds=row.seconds,
    )


# -- queueing and reading --------------------------------------------------------------


def enqueue_licence(
    engine: Engine,
    vault: DocumentVault,
    audit: AuditLog,
    ctx: AuditContext,
    uploader: Principal,
    supplier_id: str,
    *,
    filename: str,
    content: bytes,
    max_bytes: int,
    now: datetime,
) -> OcrJob:
    """Store the licence (checked, encrypted, audited) and queue it to be read."""
    info = documents.upload_document(
        engine,
        vault,
        audit,
        ctx,
        uploader,
        supplier_id,
        kind="business_licence",
        filename=filename,
        content=content,
        max_bytes=max_bytes,
        now=now,
    )
    job_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(
            insert(JOB).values(
                id=job_id,
                supplier_id=supplier_id,
                document_id=info.id,
                requested_by=uploader.subject,
                state=JobState.QUEUED.value,
                stage="queued",
                progress=0.0,
                attempts=0,
                run_after=now,
                created_at=now,
            )
        )
        return _job(conn.execute(select(JOB).where(JOB.c.id == job_id)).one())


def get_job(engine: Engine, viewer: Principal, job_id: str) -> OcrJob:
    """One job, if ``viewer`` may see it (supplier users: their own supplier's only)."""
    with engine.connect() as conn:
        row = conn.execute(select(JOB).where(JOB.c.id == job_id)).first()
    if row is None or (viewer.role is Role.SUPPLIER and viewer.supplier_id != row.supplier_id):
        raise OcrJobNotFoundError(job_id)
    return _job(row)


def _claimable(now: datetime) -> Any:
    return or_(
        and_(JOB.c.state == JobState.QUEUED.value, JOB.c.run_after <= now),
        and_(JOB.c.state == JobState.RUNNING.value, JOB.c.lease_until < now),
    )


def claim_next(engine: Engine, worker: str, *, now: datetime, lease: timedelta) -> str | None:
    """Take the oldest claimable job for ``worker``; None when there is none.

    The UPDATE repeats the claimable condition, so of two workers racing for a row only
    the one whose UPDATE matched (row count 1) has it.
    """
    with engine.connect() as conn:
        candidates: list[str] = list(
            conn.scalars(
                select(JOB.c.id).where(_claimable(now)).order_by(JOB.c.created_at).limit(5)
            )
        )
    for job_id in candidates:
        with engine.begin() as conn:
            taken = conn.execute(
                update(JOB)
                .where(JOB.c.id == job_id, _claimable(now))
                .values(
                    state=JobState.RUNNING.value,
                    claimed_by=worker,
                    lease_until=now + lease,
                    started_at=now,
                    attempts=JOB.c.attempts + 1,
                    stage="load",
                    progress=0.0,
                )
            )
            if taken.rowcount == 1:
                return job_id
    return None


def _mine(job_id: str, worker: str) -> Any:
    return and_(
        JOB.c.id == job_id, JOB.c.claimed_by == worker, JOB.c.state == JobState.RUNNING.value
    )


def _settle(engine: Engine, job_id: str, worker: str, **values: Any) -> bool:
    with engine.begin() as conn:
        return bool(
            conn.execute(update(JOB).where(_mine(job_id, worker)).values(**values)).rowcount
        )


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
            if not _settle(deps.engine, job_id, deps.worker_id, **values):
                raise _LeaseLostError(job_id)

        started = time.monotonic()
        reading = deps.reader(data, filename=info.filename, progress=progress)
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
    _settle(
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


def _give_up(deps: OcrWorkerDeps, job_id: str, message: str, code: str) -> None:
    _settle(
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
    delay = timedelta(seconds=deps.settings.backoff_seconds * 2 ** (attempts - 1))
    _settle(
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


# -- the form and the comparison -------------------------------------------------------


@dataclass(frozen=True)
class PrefillField:
    """One field of the form: what the licence said, how sure, what is on file."""

    name: str
    read: str | None
    confidence: float
    status: str  # read, repaired, unreadable, missing
    on_file: str | None
    prefilled: bool  # confident enough to put into the input

    @property
    def value(self) -> str:
        return (self.read or "") if self.prefilled else ""

    @property
    def differs(self) -> bool:
        return self.prefilled and self.read != self.on_file


@dataclass(frozen=True)
class Prefill:
    """The form pre-filled from a reading, and the credit-code check."""

    fields: tuple[PrefillField, ...]
    uscc_read: str | None
    uscc_status: str
    uscc_confidence: float
    uscc_on_file: str

    @property
    def uscc_matches(self) -> bool | None:
        """True / False, or None when the licence's code could not be read safely."""
        if self.uscc_read is None or self.uscc_status not in ("read", "repaired"):
            return None
        return uscc.compact(self.uscc_read) == uscc.compact(self.uscc_on_file)


def _text(name: str, reading: Mapping[str, Any]) -> str | None:
    """A read value in the form's text form (the one change requests carry)."""
    value = reading.get("value")
    if name == "term_to" and value is None and reading.get("status") == "read":
        return OPEN_ENDED
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return capital_text(Decimal(str(value["amount"])), str(value["currency"]))
    return str(value)


def prefill(supplier: Supplier, result: Mapping[str, Any], *, min_confidence: float) -> Prefill:
    """The form for ``supplier`` from ``LicenceReading.as_dict()``: a value goes into its
    input only when it was read (or repaired) with at least ``min_confidence``."""
    read_fields: Mapping[str, Mapping[str, Any]] = result.get("fields", {})
    on_file = supplier_values(supplier)
    out = []
    for name in FORM_FIELDS:
        reading = read_fields.get(name, {})
        text = _text(name, reading)
        status = str(reading.get("status", "missing"))
        confidence = float(reading.get("confidence", 0.0))
        sure = status in ("read", "repaired") and confidence >= min_confidence
        out.append(
            PrefillField(
                name, text, confidence, status, on_file.get(name), sure and text is not None
            )
        )
    code = read_fields.get("uscc", {})
    return Prefill(
        tuple(out),
        code.get("value"),
        str(code.get("status", "missing")),
        float(code.get("confidence", 0.0)),
        supplier.uscc,
    )


def proposal_from_form(supplier_id: str, form: Mapping[str, str]) -> Proposal:
    """The supplier change the submitted form asks for (empty inputs change nothing)."""
    values: dict[str, str | None] = {
        name: form[name].strip() for name in FORM_FIELDS if (form.get(name) or "").strip()
    }
    return Proposal(Entity.SUPPLIER, supplier_id, values)


@dataclass(frozen=True)
class ComparisonRow:
    """One field as typed (on file), as printed on the licence, and as registered."""

    name: str
    on_file: str | None
    licence: str | None
    registry: str | None

    @property
    def agrees(self) -> bool | None:
        """Whether every value present is the same (None: fewer than two to compare)."""
        present = {_plain(v) for v in (self.on_file, self.licence, self.registry) if v}
        counted = sum(1 for v in (self.on_file, self.licence, self.registry) if v)
        return None if counted < 2 else len(present) == 1


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _registry_values(record: EnterpriseRecord) -> dict[str, str | None]:
    capital = record.registered_capital
    return {
        "name": record.name,
        "uscc": record.uscc,
        "entity_type": record.entity_type or None,
        "legal_representative": record.legal_representative,
        "registered_capital": capital_text(capital.amount, capital.currency) if capital else None,
        "established_on": _iso(record.established_on),
        "term_from": _iso(record.term_from),
        "term_to": _iso(record.term_to) or (OPEN_ENDED if record.term_from else None),
        "address": record.address or None,
        "business_scope": record.business_scope or None,
        "registration_authority": record.registration_authority or None,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def compare_sources(
    supplier: Supplier, pre: Prefill, record: EnterpriseRecord, *, today: date
) -> tuple[list[ComparisonRow], list[Finding]]:
    """Typed vs licence vs registry per field, and what ``verify_supplier`` finds when the
    licence's reading is passed to it as :class:`~registry.verification.OcrClaims`."""
    licence = {f.name: f.read for f in pre.fields}
    licence["uscc"] = pre.uscc_read
    on_file = {**supplier_values(supplier), "uscc": supplier.uscc}
    registered = _registry_values(record)
    rows = [
        ComparisonRow(name, on_file.get(name), licence.get(name), registered.get(name))
        for name in ("uscc", *FORM_FIELDS)
    ]
    claims = OcrClaims(
        name=licence.get("name"),
        uscc=pre.uscc_read,
        legal_representative=licence.get("legal_representative"),
    )
    result = verify_supplier(claims_of(supplier), registry_record=record, ocr=claims, today=today)
    ocr_findings = [f for f in result.findings if "ocr" in f.evidence]
    return rows, ocr_findings


def default_reader(limits: InputLimits) -> LicenceReaderPool:
    """The real licence reader: ``ocr.read_licence`` in sandboxed, warm worker processes
    (time and memory limits, ``OCR_*`` settings: :mod:`ocr.sandbox`); ``.start()`` warms them."""
    return LicenceReaderPool(SandboxSettings.from_env(os.environ), limits)
