"""The web import: a list uploaded, checked, confirmed, imported and verified off the request.

A job's life (``import_job.state``)::

    check_queued ─claim─> checking ──> checked ──confirm──> import_queued ─claim─> importing
         ^   (choose another sheet) ─────┘                                            │
         │                                                                            v
         └ a lease that ran out puts a running phase back in a worker's hands   verify_queued
                                                                                      │ claim
                   failed  <── an unreadable file, or attempts used up            verifying
                                                                                      v
                                                                                    done

:func:`upload_list` (the use case behind the upload form) checks the permission, keeps
the file encrypted in the document blob store (the per-file key wrapped under the
DOCUMENT data key), inserts the job and writes ``import.uploaded`` in one transaction.
``sha256`` is unique: the same file uploaded again is the earlier job, whoever sent it.
:func:`confirm_import` and :func:`choose_sheet` are the other writes of a user; each checks
the permission, moves the state with a conditional UPDATE and writes its audit entry in
the same transaction. The phases run in :mod:`portal.importing.worker`, by the web
process's worker loop or ``portal worker``; a phase is claimed by a conditional UPDATE
with a lease, as ``ocr_job`` and the outbox are, so two workers never run one job.

The import itself is :func:`portal.importing.audited.import_supplier_list`, the CLI's
use case: the same rules, permission and audit entries (``import.checked``,
``suppliers.imported``, ``import.completed``), on behalf of the person who uploaded the
list (check) and the one who confirmed it (import).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from crypto.documents import DocumentVault
from crypto.model import Algorithm, StoredDocument
from portal.audit.log import AuditContext, AuditLog
from portal.changes import ChangeDeps
from portal.db.import_tables import ImportJobRow, ImportJobSupplierRow
from portal.db.lease import claim_each
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.db.tables import table_of
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal, Role
from portal.importing.audited import IMPORTERS, ImportNotAllowedError

__all__ = [
    "JOB",
    "JOB_SUPPLIER",
    "QUEUED",
    "RUNNING",
    "ImportFileRejectedError",
    "ImportJob",
    "ImportJobDeps",
    "ImportJobNotFoundError",
    "ImportJobStateError",
    "JobState",
    "choose_sheet",
    "claim_next",
    "confirm_import",
    "get_job",
    "job_report",
    "list_jobs",
    "settle",
    "upload_list",
]

JOB = table_of(ImportJobRow)
JOB_SUPPLIER = table_of(ImportJobSupplierRow)
SUFFIXES = (".csv", ".xlsx", ".xlsm")


class JobState(StrEnum):
    CHECK_QUEUED = "check_queued"
    CHECKING = "checking"
    CHECKED = "checked"
    IMPORT_QUEUED = "import_queued"
    IMPORTING = "importing"
    VERIFY_QUEUED = "verify_queued"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"


#: queued state -> the running state a claim moves it to
QUEUED: dict[JobState, JobState] = {
    JobState.CHECK_QUEUED: JobState.CHECKING,
    JobState.IMPORT_QUEUED: JobState.IMPORTING,
    JobState.VERIFY_QUEUED: JobState.VERIFYING,
}
RUNNING = frozenset(QUEUED.values())


class ImportJobNotFoundError(PortalError, LookupError):
    """No such import, or not one this caller may see (the same answer on purpose)."""

    kind = ErrorKind.NOT_FOUND
    code = "import.not_found"

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no import {job_id[:36]}", message_zh="找不到该导入任务")


class ImportJobStateError(PortalError):
    """The act does not fit the job's state (confirmed twice, a sheet chosen while running)."""

    kind = ErrorKind.CONFLICT
    code = "import.state"

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh=message_zh)


class ImportFileRejectedError(PortalError):
    """The upload is not a file the import reads (type, size, empty)."""

    kind = ErrorKind.INVALID
    code = "import.file_rejected"

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message, message_zh=message_zh, field="file")


@dataclass
class ImportJobDeps:
    """What the web import needs: the database, the stores, the vault, the audit log."""

    engine: Engine
    suppliers: SupplierStore
    audit: AuditLog
    vault: DocumentVault
    changes: ChangeDeps | None = None  # rows of known suppliers become change requests
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 3
    batch_size: int = 1000  # rows per batch (and per progress report)
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )

    @property
    def sealer(self) -> Sealer:
        return self.suppliers.sealer


@dataclass(frozen=True)
class ImportJob:
    """One web import as its pages and its JSON show it."""

    id: str
    sha256: str
    filename: str
    sheet: str | None
    requested_by: str
    requested_role: str
    requested_name: str
    confirmed_by: str | None
    confirmed_role: str | None
    state: JobState
    rows_total: int | None
    rows_done: int
    verify_total: int
    verify_done: int
    counts: dict[str, Any]
    error: str | None
    attempts: int
    created_at: datetime
    phase_started_at: datetime | None
    checked_at: datetime | None
    imported_at: datetime | None
    finished_at: datetime | None
    blob: StoredDocument

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def latest_counts(self) -> dict[str, Any]:
        """What the import counted, else what the check counted: ``statuses``, ``outcome``
        (rows created, changed, unchanged, rejected), ``codes`` (rows per finding code),
        ``rows_with_more_than_one_finding``."""
        latest: dict[str, Any] = self.counts.get("outcome") or self.counts.get("check") or {}
        return latest

    @property
    def waiting_for_user(self) -> bool:
        return self.state is JobState.CHECKED

    @property
    def phase(self) -> str:
        """check, import or verify: what the progress bar measures."""
        if self.state in (JobState.CHECK_QUEUED, JobState.CHECKING, JobState.CHECKED):
            return "check"
        if self.state in (JobState.IMPORT_QUEUED, JobState.IMPORTING):
            return "import"
        if self.state in (JobState.VERIFY_QUEUED, JobState.VERIFYING):
            return "verify"
        return "import" if self.state is JobState.FAILED and self.imported_at is None else "done"

    def progress(self, now: datetime) -> dict[str, Any]:
        """Done / total, fraction, rate per second and seconds left of the current phase."""
        if self.phase == "verify":
            done, total = self.verify_done, self.verify_total
        else:
            done, total = self.rows_done, self.rows_total or 0
        if self.state in (JobState.CHECKED, JobState.DONE):
            done = total = max(done, total)
        total = max(total, done)
        seconds = (
            (now - self.phase_started_at).total_seconds()
            if self.phase_started_at and not self.finished and not self.waiting_for_user
            else 0.0
        )
        rate = done / seconds if seconds > 0 and done else None
        left = (total - done) / rate if rate else None
        return {
            "done": done,
            "total": total,
            "fraction": round(done / total, 4) if total else (1.0 if self.finished else 0.0),
            "rate_per_second": round(rate, 1) if rate else None,
            "seconds_left": round(left) if left is not None else None,
        }

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """What the progress page polls (no row data: counts and progress only)."""
        return {
            "id": self.id,
            "state": self.state.value,
            "phase": self.phase,
            "finished": self.finished,
            "waiting_for_user": self.waiting_for_user,
            "progress": self.progress(now),
            "rows": {"done": self.rows_done, "total": self.rows_total},
            "verification": {"done": self.verify_done, "total": self.verify_total},
            "counts": self.latest_counts.get("outcome") or {},
            "error": self.error if self.state is JobState.FAILED else None,
        }


def _job(row: Any) -> ImportJob:
    return ImportJob(
        id=row.id,
        sha256=row.sha256,
        filename=row.filename,
        sheet=row.sheet,
        requested_by=row.requested_by,
        requested_role=row.requested_role,
        requested_name=row.requested_name,
        confirmed_by=row.confirmed_by,
        confirmed_role=row.confirmed_role,
        state=JobState(row.state),
        rows_total=row.rows_total,
        rows_done=row.rows_done,
        verify_total=row.verify_total,
        verify_done=row.verify_done,
        counts=json.loads(row.counts) if row.counts else {},
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        phase_started_at=row.phase_started_at,
        checked_at=row.checked_at,
        imported_at=row.imported_at,
        finished_at=row.finished_at,
        blob=StoredDocument(
            size=row.blob_size,
            sha256=row.sha256,
            wrapped_key=bytes(row.blob_key),
            key_version=row.blob_key_version,
            algorithm=Algorithm(row.blob_algorithm),
        ),
    )


def _allowed(principal: Principal) -> None:
    if principal.role not in IMPORTERS:
        raise ImportNotAllowedError


def blob_id(job_id: str) -> str:
    return f"import-{job_id}"


def _check_upload(filename: str, content: bytes, max_bytes: int) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()[:200] or "upload"
    if PurePath(name).suffix.lower() not in SUFFIXES:
        raise ImportFileRejectedError(
            f"{name}: only .xlsx and .csv files can be imported",
            f"{name}：只能导入 .xlsx 或 .csv 文件",
        )
    if not content:
        raise ImportFileRejectedError(f"{name} is empty", f"{name} 是空文件")
    if len(content) > max_bytes:
        limit = f"{max_bytes / 2**20:.0f} MB"
        raise ImportFileRejectedError(
            f"{name} is larger than {limit}; split the list into smaller files",
            f"{name} 超过 {limit}，请拆分为较小的文件",
        )
    return name


def upload_list(
    deps: ImportJobDeps,
    ctx: AuditContext,
    principal: Principal,
    *,
    filename: str,
    content: bytes,
    max_bytes: int,
) -> tuple[ImportJob, bool]:
    """Keep the list encrypted and queue its check; (the job, whether it already existed:
    the same file, by its SHA-256, is imported once)."""
    _allowed(principal)
    name = _check_upload(filename, content, max_bytes)
    digest = hashlib.sha256(content).hexdigest()
    existing = _by_hash(deps.engine, digest)
    if existing is not None:
        return existing, True
    job_id = str(uuid.uuid4())
    stored = deps.vault.store(blob_id(job_id), io.BytesIO(content))
    now = deps.clock()
    try:
        with deps.engine.begin() as conn:
            conn.execute(
                insert(JOB).values(
                    id=job_id,
                    sha256=digest,
                    filename=name,
                    requested_by=principal.subject,
                    requested_role=principal.role.value,
                    requested_name=(principal.display_name or principal.subject)[:200],
                    state=JobState.CHECK_QUEUED.value,
                    rows_done=0,
                    verify_total=0,
                    verify_done=0,
                    blob_size=stored.size,
                    blob_key=stored.wrapped_key,
                    blob_key_version=stored.key_version,
                    blob_algorithm=stored.algorithm.value,
                    attempts=0,
                    run_after=now,
                    created_at=now,
                )
            )
            deps.audit.record(
                conn,
                ctx,
                "import.uploaded",
                subject_type="import_job",
                subject_id=job_id,
                field_name=name[:120],
                after=json.dumps({"sha256": digest, "bytes": len(content)}),
                now=now,
            )
    except IntegrityError:  # the same file, uploaded by someone else a moment ago
        # (its encrypted copy under this job's id stays unreferenced: ciphertext only)
        earlier = _by_hash(deps.engine, digest)
        if earlier is None:
            raise
        return earlier, True
    return get_job(deps.engine, principal, job_id), False


def _by_hash(engine: Engine, digest: str) -> ImportJob | None:
    with engine.connect() as conn:
        row = conn.execute(select(JOB).where(JOB.c.sha256 == digest)).first()
    return _job(row) if row is not None else None


def get_job(engine: Engine, viewer: Principal, job_id: str) -> ImportJob:
    """One import, for purchasing staff and administrators."""
    if viewer.role not in IMPORTERS:
        raise ImportJobNotFoundError(job_id)
    with engine.connect() as conn:
        row = conn.execute(select(JOB).where(JOB.c.id == job_id[:36])).first()
    if row is None:
        raise ImportJobNotFoundError(job_id)
    return _job(row)


def list_jobs(engine: Engine, viewer: Principal, limit: int = 20) -> list[ImportJob]:
    """The latest imports, newest first."""
    _allowed(viewer)
    with engine.connect() as conn:
        rows = conn.execute(select(JOB).order_by(JOB.c.created_at.desc()).limit(limit)).all()
    return [_job(r) for r in rows]


def job_report(deps: ImportJobDeps, viewer: Principal, job: ImportJob) -> dict[str, Any] | None:
    """The latest report of the job (the dry run's, then the import's), unsealed."""
    _allowed(viewer)
    with deps.engine.connect() as conn:
        token = conn.execute(select(JOB.c.report).where(JOB.c.id == job.id)).scalar_one()
    opened = deps.sealer.open("import_job", "report", job.id, token)
    if opened.value is None:
        return None
    report: dict[str, Any] = json.loads(opened.value)
    return report


@contextmanager
def opened_file(deps: ImportJobDeps, job: ImportJob) -> Iterator[Path]:
    """The uploaded file, decrypted into a private temporary file for the time of a phase."""
    suffix = PurePath(job.filename).suffix.lower() or ".csv"
    with tempfile.TemporaryDirectory(prefix="portal-import-") as folder:
        path = Path(folder) / f"list{suffix}"
        with path.open("wb") as handle:
            for chunk in deps.vault.open(blob_id(job.id), job.blob):
                handle.write(chunk)
        yield path


def _transition(
    deps: ImportJobDeps,
    ctx: AuditContext,
    principal: Principal,
    job_id: str,
    *,
    allowed: tuple[JobState, ...],
    values: dict[str, Any],
    action: str,
    after: dict[str, Any],
    refusal: tuple[str, str],
) -> ImportJob:
    _allowed(principal)
    job = get_job(deps.engine, principal, job_id)
    now = deps.clock()
    with deps.engine.begin() as conn:
        moved = conn.execute(
            update(JOB)
            .where(JOB.c.id == job.id, JOB.c.state.in_([s.value for s in allowed]))
            .values(**values, run_after=now)
        )
        if moved.rowcount != 1:
            raise ImportJobStateError(*refusal)
        deps.audit.record(
            conn,
            ctx,
            action,
            subject_type="import_job",
            subject_id=job.id,
            field_name=job.filename[:120],
            after=json.dumps(after, ensure_ascii=False),
            now=now,
        )
    return get_job(deps.engine, principal, job.id)


def confirm_import(
    deps: ImportJobDeps, ctx: AuditContext, principal: Principal, job_id: str
) -> ImportJob:
    """ "Import the good rows": queue the import of a checked list (once)."""
    return _transition(
        deps,
        ctx,
        principal,
        job_id,
        allowed=(JobState.CHECKED,),
        values={
            "state": JobState.IMPORT_QUEUED.value,
            "confirmed_by": principal.subject,
            "confirmed_role": principal.role.value,
            "rows_done": 0,
            "attempts": 0,
            "phase_started_at": None,
        },
        action="import.confirmed",
        after={"by": principal.subject},
        refusal=(
            "this list is not waiting to be imported (it is being checked, or was imported)",
            "该名单不在待导入状态（正在检查或已导入）",
        ),
    )


def choose_sheet(
    deps: ImportJobDeps, ctx: AuditContext, principal: Principal, job_id: str, sheet: str
) -> ImportJob:
    """Check the list again on another worksheet (before it is imported)."""
    return _transition(
        deps,
        ctx,
        principal,
        job_id,
        allowed=(JobState.CHECKED, JobState.FAILED),
        values={
            "state": JobState.CHECK_QUEUED.value,
            "sheet": sheet[:100],
            "rows_done": 0,
            "rows_total": None,
            "attempts": 0,
            "error": None,
            "phase_started_at": None,
            "imported_at": None,
        },
        action="import.sheet_chosen",
        after={"sheet": sheet[:100]},
        refusal=(
            "the worksheet can be chosen only before the list is imported",
            "只能在导入之前选择工作表",
        ),
    )


def _claimable(now: datetime) -> Any:
    return or_(
        and_(JOB.c.state.in_([s.value for s in QUEUED]), JOB.c.run_after <= now),
        and_(JOB.c.state.in_([s.value for s in RUNNING]), JOB.c.lease_until < now),
    )


def claim_next(deps: ImportJobDeps) -> ImportJob | None:
    """Take the oldest claimable phase; None when there is none.

    The UPDATE repeats the claimable condition, so of two workers racing for a job only
    the one whose UPDATE matched (row count 1) has it.
    """
    now = deps.clock()
    taken = claim_each(
        deps.engine,
        JOB,
        select(JOB.c.id, JOB.c.state).where(_claimable(now)).order_by(JOB.c.created_at).limit(5),
        guard=lambda row: and_(JOB.c.id == row.id, JOB.c.state == row.state, _claimable(now)),
        lease=lambda row: {
            "state": QUEUED.get(JobState(row.state), JobState(row.state)).value,
            "claimed_by": deps.worker_id,
            "lease_until": now + deps.lease,
            "attempts": JOB.c.attempts + 1,
            "phase_started_at": now,
        },
        then=lambda conn, row: _job(conn.execute(select(JOB).where(JOB.c.id == row.id)).one()),
    )
    return next(taken, None)


def mine(deps: ImportJobDeps, job_id: str) -> Any:
    return and_(
        JOB.c.id == job_id,
        JOB.c.claimed_by == deps.worker_id,
        JOB.c.state.in_([s.value for s in RUNNING]),
    )


def settle(deps: ImportJobDeps, job_id: str, **values: Any) -> bool:
    """Write while this worker still holds the job; False when its lease was lost."""
    with deps.engine.begin() as conn:
        return bool(conn.execute(update(JOB).where(mine(deps, job_id)).values(**values)).rowcount)


def unverified(deps: ImportJobDeps, job_id: str, limit: int) -> list[str]:
    with deps.engine.connect() as conn:
        return list(
            conn.scalars(
                select(JOB_SUPPLIER.c.supplier_id)
                .where(JOB_SUPPLIER.c.job_id == job_id, JOB_SUPPLIER.c.verified.is_(False))
                .order_by(JOB_SUPPLIER.c.supplier_id)
                .limit(limit)
            )
        )


def verification_counts(deps: ImportJobDeps, job_id: str) -> tuple[int, int]:
    """(suppliers verified, suppliers to verify) of the job."""
    with deps.engine.connect() as conn:
        total = conn.scalar(
            select(func.count()).select_from(JOB_SUPPLIER).where(JOB_SUPPLIER.c.job_id == job_id)
        )
        done = conn.scalar(
            select(func.count())
            .select_from(JOB_SUPPLIER)
            .where(JOB_SUPPLIER.c.job_id == job_id, JOB_SUPPLIER.c.verified.is_(True))
        )
    return int(done or 0), int(total or 0)


def principal_of_job(job: ImportJob, *, confirmed: bool) -> Principal:
    """The person a phase runs for: who uploaded the list (check), who confirmed it (import)."""
    if confirmed and job.confirmed_by and job.confirmed_role:
        return Principal(job.confirmed_by, Role(job.confirmed_role), job.confirmed_by)
    return Principal(job.requested_by, Role(job.requested_role), job.requested_name)
