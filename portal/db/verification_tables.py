"""Tables of supplier verification: runs, field states, findings, the schedule, confirmations.

``verification_schedule`` is the monitoring job's work list: one row per
supplier, due at ``next_due_at``, claimed by a conditional UPDATE on
``claimed_until`` (a lease) so two workers never verify the same supplier at
once. It also remembers what was last seen (registry and tax status, the
licence-expiry threshold already alerted), so each alert is raised once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class VerificationRunRow(SQLModel, table=True):
    """One verification of one supplier: when, why, how it ended, whether to retry."""

    __tablename__ = "verification_run"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    trigger: str = Field(max_length=20)  # creation, change, schedule, retry, manual, demo
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str = Field(max_length=20)  # validated, findings, unavailable, stale
    needs_retry: bool = Field(default=False, index=True)
    retry_after: datetime | None = None
    supplier_version: int = 0
    summary: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class FieldStateRow(SQLModel, table=True):
    """The latest state of one field of a supplier: verified / mismatch / unknown."""

    __tablename__ = "field_state"

    supplier_id: str = Field(foreign_key="supplier.id", primary_key=True, max_length=36)
    field_path: str = Field(primary_key=True, max_length=80)
    state: str = Field(max_length=10)
    checked_at: datetime | None = None
    against: str | None = Field(default=None, max_length=60)
    request_id: str | None = Field(default=None, max_length=100)
    run_id: str = Field(max_length=36)


class VerificationFindingRow(SQLModel, table=True):
    """A finding of a verification; open until a later verification replaces it."""

    __tablename__ = "verification_finding"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    run_id: str = Field(foreign_key="verification_run.id", max_length=36)
    code: str = Field(max_length=60, index=True)
    severity: str = Field(max_length=10)
    field_path: str | None = Field(default=None, max_length=80)
    message_en: str = Field(sa_column=Column(Text, nullable=False))
    message_zh: str = Field(sa_column=Column(Text, nullable=False))
    source: str = Field(max_length=20)
    evidence: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    observed_at: datetime | None = None
    request_id: str | None = Field(default=None, max_length=100)
    status: str = Field(default="open", max_length=10, index=True)  # open, resolved
    resolved_at: datetime | None = None


class VerificationScheduleRow(SQLModel, table=True):
    """When a supplier is next due, who holds it now, and what was last seen and alerted."""

    __tablename__ = "verification_schedule"

    supplier_id: str = Field(foreign_key="supplier.id", primary_key=True, max_length=36)
    next_due_at: datetime = Field(index=True)
    reason: str = Field(default="schedule", max_length=20)
    claimed_until: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=36)
    attempts: int = 0
    last_run_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_registry_status: str | None = Field(default=None, max_length=20)
    last_tax_status: str | None = Field(default=None, max_length=20)
    expiry_alerted_days: int | None = None
    expiry_alerted_term_to: date | None = None


class ConfirmationRequestRow(SQLModel, table=True):
    """A yearly "please confirm your data is still right" request; only the token's hash."""

    __tablename__ = "confirmation_request"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(index=True)
    expires_at: datetime
    confirmed_at: datetime | None = None
    confirmed_from: str | None = Field(default=None, max_length=64)
