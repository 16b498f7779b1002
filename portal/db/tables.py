"""SQLModel tables of the master data.

Sensitive values live only in ``*_enc`` columns (ciphertext tokens bound to
table, column and row) and ``*_bidx`` columns (blind indexes for exact-match
lookups). Primary keys are UUID strings made by the application, so a row's
ciphertext can be bound to its id before the row is inserted.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Column, Index, LargeBinary, Numeric, Table, Text, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from portal.db import name_search


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class (for bulk statements)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


#: Binary field tokens (``crypto.field``): ``bytea`` on PostgreSQL. SQLite keeps any
#: value's own storage class whatever a column declares, so there the columns stay
#: declared TEXT and hold BLOBs: changing the declared type would rebuild each table
#: with foreign keys switched off, which cannot happen inside a migration's transaction.
SEALED = LargeBinary().with_variant(Text(), "sqlite")


class SupplierRow(SQLModel, table=True):
    """The supplier master record."""

    __tablename__ = "supplier"

    id: str = Field(primary_key=True, max_length=36)
    # a foreign supplier has no credit code (and so no organisation code): its
    # ``foreign_tax_id`` (``<scheme>:<number>``, portal.domain.foreign_tax) instead
    uscc: str | None = Field(default=None, max_length=18, unique=True, index=True)
    org_code: str | None = Field(default=None, max_length=9, index=True)
    foreign_tax_id: str | None = Field(default=None, max_length=40, unique=True, index=True)
    legacy_tax_number: str | None = Field(default=None, max_length=15, index=True)
    name: str = Field(max_length=200, index=True)
    name_core: str = Field(max_length=200)  # searched through ix_supplier_name_core_state
    aliases: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    entity_type: str | None = Field(default=None, max_length=100)
    legal_representative: str | None = Field(default=None, max_length=100)
    legal_rep_id_number_enc: bytes | None = Field(default=None, sa_column=Column(SEALED))
    legal_rep_id_number_bidx: str | None = Field(default=None, max_length=64, index=True)
    registered_capital_amount: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(20, 2))
    )
    registered_capital_currency: str | None = Field(default=None, max_length=3)
    established_on: date | None = None
    term_from: date | None = None
    term_to: date | None = None
    address: str | None = Field(default=None, max_length=500)
    business_scope: str | None = Field(default=None, sa_column=Column(Text))
    registration_authority: str | None = Field(default=None, max_length=200)
    registry_status: str = Field(default="未知", max_length=20)
    taxpayer_qualification: str = Field(default="未知", max_length=20)
    tax_status: str = Field(default="未知", max_length=20)
    lifecycle_state: str = Field(default="prospective", max_length=20, index=True)
    validated: bool = Field(default=False)
    version: int = Field(default=1)
    created_at: datetime
    updated_at: datetime
    #: the block in force (set by ``block_supplier``, cleared by ``unblock_supplier``)
    blocked_reason: str | None = Field(default=None, max_length=500)
    blocked_by: str | None = Field(default=None, max_length=200)
    blocked_at: datetime | None = None


# the name-fragment index (trigrams) is built with the table, whichever way it is created
event.listen(table_of(SupplierRow), "after_create", name_search.on_create)


class BankAccountRow(SQLModel, table=True):
    """One account a supplier is paid into (several per supplier are allowed)."""

    __tablename__ = "bank_account"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    bank_name: str = Field(max_length=200)
    cnaps_code: str | None = Field(default=None, max_length=12)
    account_number_enc: bytes = Field(sa_column=Column(SEALED, nullable=False))
    account_number_bidx: str = Field(max_length=64, index=True)
    holder_name: str = Field(max_length=200)
    currency: str = Field(default="CNY", max_length=3)
    purpose: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    is_default: bool = False
    retired: bool = False
    created_at: datetime


class InvoicingProfileRow(SQLModel, table=True):
    """开票信息, one per supplier."""

    __tablename__ = "invoicing_profile"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", unique=True, max_length=36)
    title: str = Field(max_length=200)
    tax_number: str = Field(max_length=20)
    address: str | None = Field(default=None, max_length=500)
    phone_enc: bytes | None = Field(default=None, sa_column=Column(SEALED))
    bank_name: str | None = Field(default=None, max_length=200)
    account_number_enc: bytes | None = Field(default=None, sa_column=Column(SEALED))
    account_number_bidx: str | None = Field(default=None, max_length=64, index=True)


class ContactRow(SQLModel, table=True):
    """A person at the supplier."""

    __tablename__ = "contact"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    name: str = Field(max_length=100)
    role: str | None = Field(default=None, max_length=100)
    phone_enc: bytes | None = Field(default=None, sa_column=Column(SEALED))
    phone_bidx: str | None = Field(default=None, max_length=64, index=True)
    email: str | None = Field(default=None, max_length=254)
    #: ``zh`` or ``en``: the language of the messages this contact receives
    language: str = Field(default="zh", max_length=5, sa_column_kwargs={"server_default": "zh"})


class DocumentRow(SQLModel, table=True):
    """An uploaded document; the bytes are encrypted in the blob storage."""

    __tablename__ = "document"

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    kind: str = Field(max_length=40)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    key_material: str = Field(sa_column=Column(Text, nullable=False))
    expires_on: date | None = None
    uploaded_by: str = Field(max_length=100)
    created_at: datetime


class ContractRow(SQLModel, table=True):
    """A purchasing contract with a supplier."""

    __tablename__ = "contract"
    __table_args__ = (UniqueConstraint("contract_number"),)

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", index=True, max_length=36)
    contract_number: str = Field(max_length=64)
    title: str = Field(max_length=200)
    signed_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(20, 2)))
    currency: str = Field(default="CNY", max_length=3)


class InvoiceRow(SQLModel, table=True):
    """A purchase invoice as printed, matched to a supplier when possible."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("invoice_code", "invoice_number"),)

    id: str = Field(primary_key=True, max_length=36)
    supplier_id: str | None = Field(
        default=None, foreign_key="supplier.id", index=True, max_length=36
    )
    invoice_code: str = Field(default="", max_length=20)
    invoice_number: str = Field(max_length=20)
    seller_name: str = Field(max_length=200)
    seller_tax_number: str = Field(max_length=20, index=True)
    #: blind index of the seller's account printed on the invoice (销售方开户行及账号); the
    #: number itself is not kept
    seller_account_bidx: str | None = Field(default=None, max_length=64)
    issued_on: date | None = None
    amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(20, 2)))
    status: str = Field(default="received", max_length=20)
    rejection_reason: str | None = Field(default=None, max_length=500)
    rejection_cause: str | None = Field(default=None, max_length=40)


class StoreRow(SQLModel, table=True):
    """A store or warehouse that receives goods."""

    __tablename__ = "store"

    id: str = Field(primary_key=True, max_length=36)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    address: str | None = Field(default=None, max_length=500)


class StoreSupplierRow(SQLModel, table=True):
    """Which supplier delivers to which store."""

    __tablename__ = "store_supplier"

    store_id: str = Field(foreign_key="store.id", primary_key=True, max_length=36)
    supplier_id: str = Field(foreign_key="supplier.id", primary_key=True, max_length=36)


class DataKeyRow(SQLModel, table=True):
    """A data-encryption key, only ever stored wrapped by the customer's KEK."""

    __tablename__ = "data_key"

    purpose: str = Field(primary_key=True, max_length=20)
    version: int = Field(primary_key=True)
    algorithm: str = Field(max_length=10)
    wrapped: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kek_id: str = Field(max_length=100)
    state: str = Field(max_length=10)
    created_at: datetime


class JobStateRow(SQLModel, table=True):
    """Progress of a resumable batch job (key rotation, duplicate sweep)."""

    __tablename__ = "job_state"

    name: str = Field(primary_key=True, max_length=100)
    cursor: str = Field(default="", max_length=200)
    done: int = 0
    state: str = Field(default="running", max_length=20)
    updated_at: datetime


Index("ix_supplier_name_core_state", SupplierRow.name_core, SupplierRow.lifecycle_state)


class ApiClientRow(SQLModel, table=True):
    """A machine client of the API (finance systems); only the token's hash is stored."""

    __tablename__ = "api_client"

    id: str = Field(primary_key=True, max_length=36)
    name: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=40)
    can_reveal: bool = False
    token_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime
    revoked_at: datetime | None = None


class AuditEntryRow(SQLModel, table=True):
    """One entry of the append-only, hash-chained audit log (retention: 10 years).

    The application has no code path that updates or deletes these rows.
    """

    __tablename__ = "audit_entry"
    #: the auditor's screen: one act over a time range, newest first (pos is the rowid)
    __table_args__ = (Index("ix_audit_entry_action_at", "action", "at"),)

    pos: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    id: str = Field(max_length=36, unique=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=200)
    actor_role: str | None = Field(default=None, max_length=40)
    action: str = Field(max_length=60, index=True)
    subject_type: str | None = Field(default=None, max_length=40)
    subject_id: str | None = Field(default=None, max_length=36, index=True)
    field_name: str | None = Field(default=None, max_length=120)
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=400)
    request_id: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=200)
    actor_name: str | None = Field(default=None, max_length=200)
    channel: str | None = Field(default=None, max_length=200)
    #: which fields the hash covers (approvals.audit.HASHED_FIELDS); 1 for older entries
    payload_version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    prev_hash: str = Field(max_length=80)
    hash: str = Field(max_length=80)


class AuditHeadRow(SQLModel, table=True):
    """The newest entry's seq and hash: appends lock this row, verify uses it as an anchor."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True)
    seq: int
    hash: str = Field(max_length=80)
