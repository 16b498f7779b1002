"""Tables of change requests: the request, its field changes, decisions, approvals
(with call-back records) and the payment-hold bookkeeping.

Sensitive ``before``/``after`` values of a field change are stored sealed, bound to
``("change_field", "before" | "after", row id)``, so a token copied to another row or
column does not open. ``change_request.revision`` is bumped by every review act; the
use cases update a request only ``WHERE revision = <the one they read>`` (and on the
expected status), and ``change_approval`` allows one row per (request, position) and per
(request, approver), so two reviewers acting at the same moment cannot both count.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ChangeRequestRow(SQLModel, table=True):
    """One change request (see :class:`approvals.ChangeRequest`)."""

    __tablename__ = "change_request"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    kind: str = Field(max_length=40)
    channel: str = Field(max_length=20)
    requested_by: str = Field(max_length=200)
    requester_role: str = Field(max_length=40)
    requested_at: datetime = Field(index=True)
    base_version: int
    status: str = Field(max_length=20, index=True)
    touches_bank: bool = Field(default=False, index=True)
    approvals_given: int = 0
    approvals_required: int = 1
    revision: int = 1
    findings: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    risk_flags: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    submitted_at: datetime | None = None
    closed_at: datetime | None = None


class ChangeFieldRow(SQLModel, table=True):
    """One field of one entity, before and after (sealed when sensitive)."""

    __tablename__ = "change_field"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: str = Field(primary_key=True, max_length=36)
    request_id: str = Field(foreign_key="change_request.id", index=True, max_length=36)
    position: int
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=36)
    field_name: str = Field(max_length=60)
    sensitive: bool = False
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))


class ChangeDecisionRow(SQLModel, table=True):
    """The verdict on one field change, with the reason when rejected."""

    __tablename__ = "change_decision"

    request_id: str = Field(foreign_key="change_request.id", primary_key=True, max_length=36)
    position: int = Field(primary_key=True)
    field_key: str = Field(max_length=160)
    verdict: str = Field(default="pending", max_length=20)
    reason: str | None = Field(default=None, max_length=500)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None


class ChangeApprovalRow(SQLModel, table=True):
    """One approval; the first approval of a bank change carries the call-back record."""

    __tablename__ = "change_approval"
    __table_args__ = (
        UniqueConstraint("request_id", "position"),
        UniqueConstraint("request_id", "approver_id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    request_id: str = Field(foreign_key="change_request.id", index=True, max_length=36)
    position: int
    approver_id: str = Field(max_length=200)
    role: str = Field(max_length=40)
    at: datetime
    call_back_contact_id: str | None = Field(default=None, max_length=36)
    call_back_phone_masked: str | None = Field(default=None, max_length=40)
    call_back_at: datetime | None = None
    call_back_outcome: str | None = Field(default=None, max_length=20)
    call_back_note: str | None = Field(default=None, max_length=500)


class PaymentHoldRow(SQLModel, table=True):
    """When the supplier's last bank change reached the master record."""

    __tablename__ = "payment_hold"

    supplier_id: str = Field(foreign_key="supplier.id", primary_key=True, max_length=36)
    last_bank_change_applied_at: datetime
    last_request_id: str = Field(max_length=36)


class ApprovalPolicyRow(SQLModel, table=True):
    """One edit of the approval policy (the admin screen). The newest version is in force;
    with no row, the policy file (or the built-in default) is. ``document`` is the policy
    as :meth:`approvals.ApprovalPolicy.to_dict` writes it (JSON)."""

    __tablename__ = "approval_policy"

    version: int = Field(primary_key=True)
    document: str = Field(sa_column=Column(Text, nullable=False))
    edited_by: str = Field(max_length=200)
    edited_at: datetime
    reason: str = Field(default="", max_length=500)
