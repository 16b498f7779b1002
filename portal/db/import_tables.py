"""The web import's job table and the suppliers each import created (for their first
verification).

A job is claimed by a conditional UPDATE (a ``*_queued`` state, or a running state whose
lease ran out) like ``ocr_job`` and the outbox; ``sha256`` is unique: one import per file.
The uploaded file is kept encrypted in the document blob store (``blob_*`` columns: the
per-file key wrapped under the DOCUMENT data key); the dry-run and import reports are sealed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel


class ImportJobRow(SQLModel, table=True):
    """One uploaded supplier list: checked, confirmed, imported, its suppliers verified."""

    __tablename__ = "import_job"

    id: str = Field(primary_key=True, max_length=36)
    sha256: str = Field(unique=True, max_length=64)
    filename: str = Field(max_length=200)
    sheet: str | None = Field(default=None, max_length=100)
    requested_by: str = Field(max_length=200)
    requested_role: str = Field(max_length=40)
    requested_name: str = Field(max_length=200)
    confirmed_by: str | None = Field(default=None, max_length=200)
    confirmed_role: str | None = Field(default=None, max_length=40)
    # check_queued checking checked import_queued importing verify_queued verifying done failed
    state: str = Field(default="check_queued", max_length=16, index=True)
    rows_total: int | None = None
    rows_done: int = 0
    verify_total: int = 0
    verify_done: int = 0
    counts: str | None = Field(default=None, sa_column=Column(Text))  # JSON
    report: str | None = Field(default=None, sa_column=Column(Text))  # sealed JSON
    error: str | None = Field(default=None, sa_column=Column(Text))
    blob_size: int
    blob_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    blob_key_version: int
    blob_algorithm: str = Field(max_length=20)
    attempts: int = 0
    run_after: datetime = Field(index=True)
    lease_until: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    created_at: datetime
    phase_started_at: datetime | None = None
    checked_at: datetime | None = None
    imported_at: datetime | None = None
    finished_at: datetime | None = None


class ImportJobSupplierRow(SQLModel, table=True):
    """A supplier an import created, until its first verification is done."""

    __tablename__ = "import_job_supplier"

    job_id: str = Field(foreign_key="import_job.id", primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", primary_key=True, max_length=36)
    verified: bool = Field(default=False, index=True)
    outcome: str | None = Field(default=None, max_length=20)
