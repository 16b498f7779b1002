"""The licence-OCR job table: the work list of the OCR workers, and each job's outcome.

A job is claimed by a conditional UPDATE (``WHERE state = 'queued'``, or a ``running``
job whose lease ran out) so two workers never read one licence at once; the lease is
extended with every progress report, so only a crashed worker's job is taken over.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class OcrJobRow(SQLModel, table=True):
    """One uploaded licence to be read: queued, running, done or failed."""

    __tablename__ = "ocr_job"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    document_id: str = Field(foreign_key="document.id", max_length=36)
    requested_by: str = Field(max_length=200)
    state: str = Field(default="queued", max_length=10, index=True)  # queued running done failed
    stage: str = Field(default="queued", max_length=20)
    progress: float = 0.0
    result: str | None = Field(default=None, sa_column=Column(Text))  # LicenceReading.as_dict()
    error: str | None = Field(default=None, sa_column=Column(Text))
    error_code: str | None = Field(default=None, max_length=40)
    attempts: int = 0
    run_after: datetime = Field(index=True)  # not before (retry back-off)
    lease_until: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    seconds: float | None = None  # how long the successful read took
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
