"""The bank-account versions (see :class:`payments.AccountVersion`).

A version keeps the blind index of its account number, not the number: the clear value
stays sealed in ``bank_account`` while the version is current, and a retired version is
still found by the index when a payment file names its old number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class AccountVersionRow(SQLModel, table=True):
    """One version of one bank account; the state follows from the times recorded."""

    __tablename__ = "account_version"
    __table_args__ = (UniqueConstraint("bank_account_id", "number"),)

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    bank_account_id: str = Field(index=True, max_length=36)
    number: int
    account_bidx: str = Field(max_length=64, index=True)
    bank_name: str = Field(max_length=200)
    holder_name: str = Field(max_length=200)
    proposed_at: datetime
    verified_at: datetime | None = None
    verification_method: str | None = Field(default=None, max_length=40)
    approvers: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    approved_at: datetime | None = None
    cooling_until: datetime | None = None
    retired_at: datetime | None = None
    change_request_id: str | None = Field(default=None, max_length=36)


class AttestationKeyRow(SQLModel, table=True):
    """The attestation signing key: the private half only ever stored wrapped by the
    customer's KEK (the key provider), the public half in clear for verifiers."""

    __tablename__ = "attestation_key"

    id: str = Field(primary_key=True, max_length=36)
    algorithm: str = Field(max_length=20)
    public_key: str = Field(sa_column=Column(Text, nullable=False))
    wrapped_private: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kek_id: str = Field(max_length=100)
    created_at: datetime


class OwnershipCheckRow(SQLModel, table=True):
    """The last ownership check of a version: the service's answer (an ``unknown`` answer
    is asked again from ``retry_at``) and the small-amount challenge (its amount kept only
    as a blind index, or a provider's flow whose amount only the provider knows; its
    attempts counted)."""

    __tablename__ = "ownership_check"

    version_id: str = Field(foreign_key="account_version.id", primary_key=True, max_length=36)
    provider: str | None = Field(default=None, max_length=40)
    outcome: str | None = Field(default=None, max_length=20)
    reference: str | None = Field(default=None, max_length=100)
    checked_at: datetime | None = None
    retry_at: datetime | None = Field(default=None, index=True)
    challenge_bidx: str | None = Field(default=None, max_length=64)
    challenge_sent_at: datetime | None = None
    #: a provider's flow (e签宝 对公打款): the amount is the provider's, never ours
    challenge_provider: str | None = Field(default=None, max_length=40)
    challenge_reference: str | None = Field(default=None, max_length=100)
    attempts: int = 0
