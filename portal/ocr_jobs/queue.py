"""The licence-reading queue: jobs stored, claimed by a conditional UPDATE, settled.

A job's life (``ocr_job.state``)::

    queued ──claim──> running ──read──> done
      ^                 │ ├── input error ────────────> failed   (the file is the problem)
      │                 │ └── engine error, attempts left: queued again after a back-off
      └── lease ran out ┘     (a crashed worker)          failed once attempts run out

:func:`enqueue_licence` stores the upload encrypted as a ``business_licence`` document and
queues a job. :func:`claim_next` takes one with a conditional UPDATE (``WHERE state =
'queued'`` or a ``running`` job whose lease expired, then check the row count), so several
app instances never read one licence twice; :func:`settle` writes only while the worker
still holds the job.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select, update

from crypto.documents import DocumentVault
from portal.audit.log import AuditContext, AuditLog
from portal.db.lease import claim_each
from portal.db.ocr_tables import OcrJobRow
from portal.db.tables import table_of
from portal.documents import store as documents
from portal.domain.principal import Principal, Role

__all__ = [
    "JOB",
    "JobState",
    "OcrJob",
    "OcrJobNotFoundError",
    "OcrJobSettings",
    "claim_next",
    "enqueue_licence",
    "get_job",
    "mine",
    "settle",
    "utc_now",
]

JOB = table_of(OcrJobRow)


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class OcrJobNotFoundError(LookupError):
    """No such job, or not one this caller may see (the same answer on purpose)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no licence reading {job_id}")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OcrJobSettings:
    """``PORTAL_OCR_*`` (read by :mod:`portal.config`): the in-process worker, lease,
    attempts, back-off, confidence."""

    worker: bool = True  # PORTAL_OCR_WORKER=0 when separate worker processes run the queue
    lease_seconds: int = 300
    max_attempts: int = 4
    backoff_seconds: int = 30
    poll_seconds: float = 2.0
    min_confidence: float = 0.8  # below this a read value is shown, not pre-filled

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
    taken = claim_each(
        engine,
        JOB,
        select(JOB.c.id).where(_claimable(now)).order_by(JOB.c.created_at).limit(5),
        guard=lambda row: and_(JOB.c.id == row.id, _claimable(now)),
        lease=lambda row: {
            "state": JobState.RUNNING.value,
            "claimed_by": worker,
            "lease_until": now + lease,
            "started_at": now,
            "attempts": JOB.c.attempts + 1,
            "stage": "load",
            "progress": 0.0,
        },
        then=lambda conn, row: str(row.id),
    )
    return next(taken, None)


def mine(job_id: str, worker: str) -> Any:
    return and_(
        JOB.c.id == job_id, JOB.c.claimed_by == worker, JOB.c.state == JobState.RUNNING.value
    )


def settle(engine: Engine, job_id: str, worker: str, **values: Any) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(update(JOB).where(mine(job_id, worker)).values(**values)).rowcount)
