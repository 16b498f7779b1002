"""The typed bodies of the staff areas of ``/api/v1``: graph, duplicates, relations (contracts,
invoices, stores), data health, verification, licence reading and payment checks.

Like :mod:`portal.web.api_models`, answers are the use cases' views converted on the way out
(:func:`~portal.web.api_models.typed`), and an undeclared key fails loudly. Request bodies
take the names the import files use (``docs/import.md``); what a row must hold is the use
case's decision, so most fields are optional here and a missing one is a 422 with findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from litestar.datastructures import UploadFile
from msgspec import Meta, Struct

from portal.web.api_models import CapitalView, FindingDetail, Iso, _Closed

__all__ = [
    "AutofillView",
    "ContractIn",
    "ContractPage",
    "ContractView",
    "DuplicatePage",
    "DuplicatePair",
    "FileUpload",
    "GraphEdge",
    "GraphNode",
    "HealthReportView",
    "InvoiceIn",
    "InvoicePage",
    "InvoiceStatus",
    "InvoiceView",
    "LicenceReadingView",
    "NotTheSameDecision",
    "NotTheSameIn",
    "PaymentCheckView",
    "RejectionCause",
    "RelationOutcome",
    "RelationStatus",
    "StoreIn",
    "StorePage",
    "StoreView",
    "SupplierGraph",
    "VerificationView",
]

IsoDate = Annotated[str, Meta(description="ISO 8601 date")]
Decimal = Annotated[str, Meta(description="decimal amount as text")]


# --- graph and duplicates ------------------------------------------------------------------


class GraphNode(_Closed, kw_only=True):
    id: Annotated[str, Meta(description="kind:row id, e.g. supplier:…")]
    kind: Annotated[str, Meta(description="supplier, contract, invoice, store, bank_account, …")]
    label: str
    detail: dict[str, str] = {}


class GraphEdge(_Closed, kw_only=True):
    source: str
    target: str
    kind: Annotated[str, Meta(description="contract, shares_account, shares_phone, …")]


class SupplierGraph(_Closed, kw_only=True):
    """The neighbourhood of one supplier (account numbers and phones masked)."""

    center: str
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: Annotated[bool, Meta(description="more ties exist than ``limit`` shows")]


class DuplicatePair(_Closed, kw_only=True):
    a_id: str
    b_id: str
    a_name: str
    b_name: str
    codes: Annotated[list[str], Meta(description="every reason found for the pair")]
    score: float


class DuplicatePage(_Closed, kw_only=True):
    """Open likely duplicates, strongest first."""

    items: list[DuplicatePair]


class NotTheSameIn(Struct, kw_only=True, forbid_unknown_fields=True):
    """Two suppliers a person decided are different companies."""

    a_id: Annotated[str, Meta(max_length=36)]
    b_id: Annotated[str, Meta(max_length=36)]
    note: Annotated[str, Meta(max_length=500)] | None = None


class NotTheSameDecision(_Closed, kw_only=True):
    status: Annotated[str, Meta(description="decided")]
    decision: Annotated[str, Meta(description="not_the_same")]


# --- data health ---------------------------------------------------------------------------


class ChangeRequestAgesView(_Closed, kw_only=True):
    available: bool
    pending: int = 0
    by_age: Annotated[dict[str, int], Meta(description="<1d, 1-3d, 3-7d, 7-30d, >30d")] = {}


class InvoiceRejectionsView(_Closed, kw_only=True):
    total: int
    rejected: int
    caused_by_master_data: int
    master_data_share: float


class SweepStateView(_Closed, kw_only=True):
    cursor: str
    screened: int
    state: str
    updated_at: Iso


class HealthReportView(_Closed, kw_only=True):
    """The data-health dashboard's numbers."""

    as_of: IsoDate
    active_suppliers: int
    verified_active: int
    verified_share: float
    open_duplicates: int
    expiring_licences: Annotated[dict[str, int], Meta(description="30d, 60d, 90d")]
    change_requests: ChangeRequestAgesView
    invoices: InvoiceRejectionsView
    sweep: SweepStateView | None = None


# --- relations: contracts, invoices, stores ------------------------------------------------

Text = Annotated[str, Meta(max_length=500)] | None
Amount = Annotated[str | float | None, Meta(description="123.45, 1,234.50 or ¥100")]
SupplierUscc = (
    Annotated[str, Meta(max_length=200, description="credit code (store: several, ; separated)")]
    | None
)


class ContractIn(Struct, kw_only=True):
    """A contract; sent again with the same number, it is updated."""

    contract_number: Text = None
    title: Text = None
    signed_on: Annotated[str | None, Meta(description="2024-01-31 or 2024年1月31日")] = None
    valid_from: Text = None
    valid_to: Text = None
    amount: Amount = None
    currency: Annotated[str, Meta(max_length=3)] | None = None
    supplier_uscc: SupplierUscc = None
    supplier_name: Text = None


class InvoiceIn(Struct, kw_only=True):
    """An invoice as printed; sent again with the same code and number, it is updated."""

    invoice_code: Text = None
    invoice_number: Text = None
    seller_name: Text = None
    seller_tax_number: Text = None
    seller_bank_account: (
        Annotated[
            str,
            Meta(
                max_length=64,
                description="the seller's account printed on the invoice; kept only as a blind "
                "index and compared with the supplier's accounts on file",
            ),
        ]
        | None
    ) = None
    issued_on: Text = None
    amount: Amount = None
    status: Annotated[str | None, Meta(description="received, accepted, rejected, …")] = None
    rejection_reason: Text = None
    rejection_cause: Text = None


class StoreIn(Struct, kw_only=True):
    """A store or warehouse and the suppliers delivering to it."""

    code: Text = None
    name: Text = None
    address: Text = None
    supplier_uscc: SupplierUscc = None


class ContractView(_Closed, kw_only=True):
    id: str
    supplier_id: str
    contract_number: str
    title: str
    signed_on: IsoDate | None = None
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    amount: Decimal | None = None
    currency: str


class InvoiceView(_Closed, kw_only=True):
    id: str
    supplier_id: str | None = None
    invoice_code: str
    invoice_number: str
    seller_name: str
    seller_tax_number: str
    issued_on: IsoDate | None = None
    amount: Decimal | None = None
    status: str
    rejection_reason: str | None = None
    rejection_cause: Annotated[str | None, Meta(description="master_data or other")] = None


class StoreView(_Closed, kw_only=True):
    id: str
    code: str
    name: str
    address: str | None = None


_NEXT = Meta(description="ask again with after=next_after; null on the last page")


class ContractPage(_Closed, kw_only=True):
    items: list[ContractView]
    next_after: Annotated[str | None, _NEXT] = None


class InvoicePage(_Closed, kw_only=True):
    items: list[InvoiceView]
    next_after: Annotated[str | None, _NEXT] = None


class StorePage(_Closed, kw_only=True):
    items: list[StoreView]
    next_after: Annotated[str | None, _NEXT] = None


class RelationStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


class RelationOutcome(_Closed, kw_only=True):
    """What happened to the row (a refused row is a 422 with its findings)."""

    status: RelationStatus
    id: str
    supplier_id: str | None = None
    matched_by: Annotated[str, Meta(description="uscc, org_code, legacy, name_core or none")]
    findings: list[FindingDetail] = []


class InvoiceStatus(StrEnum):
    """Invoice states the listing filters on."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    PAID = "paid"
    REJECTED = "rejected"


class RejectionCause(StrEnum):
    """Why an invoice was rejected: the supplier's master data, or something else."""

    MASTER_DATA = "master_data"
    OTHER = "other"


# --- verification ---------------------------------------------------------------------------


class VerifiedForeignTaxId(_Closed, kw_only=True):
    """A foreign supplier's tax number, with its scheme in words."""

    key: Annotated[str, Meta(description="scheme:number, e.g. eu_vat:DE136695976")]
    scheme: str
    country: Annotated[str, Meta(description="ISO 3166 country code")]
    number: str
    words_zh: str
    words_en: str


class VerifiedSupplier(_Closed, kw_only=True):
    id: str
    name: str
    uscc: Annotated[str | None, Meta(description="null for a foreign supplier")] = None
    foreign_tax_id: VerifiedForeignTaxId | None = None
    validated: bool
    lifecycle_state: str
    version: int


class FieldState(_Closed, kw_only=True):
    field: str
    state: Annotated[str, Meta(description="verified, mismatch, unknown, …")]
    checked_at: Iso | None = None
    against: Annotated[str | None, Meta(description="the source checked against")] = None
    request_id: str | None = None


class VerificationRun(_Closed, kw_only=True):
    id: str
    trigger: str
    started_at: Iso | None = None
    outcome: str | None = None
    needs_retry: bool
    retry_after: Iso | None = None


class VerificationSchedule(_Closed, kw_only=True):
    next_due_at: Iso | None = None
    reason: str | None = None
    last_run_at: Iso | None = None
    last_error: str | None = None


class ViesAnswer(_Closed, kw_only=True):
    """What the EU's VIES service last answered for a foreign supplier's VAT number."""

    state: Annotated[str, Meta(description="valid, invalid or unknown (VIES did not answer)")]
    vat_number: str | None = None
    country: str | None = None
    name: Annotated[str | None, Meta(description="as VIES has it; null if withheld")] = None
    address: str | None = None
    error: str | None = None
    request_identifier: str | None = None
    checked_at: Iso | None = None


class VerificationView(_Closed, kw_only=True):
    """Per-field verification states, open findings and the last runs of one supplier."""

    supplier: VerifiedSupplier
    fields: list[FieldState]
    findings: list[FindingDetail]
    vies: Annotated[
        ViesAnswer | None, Meta(description="the last VIES answer; null for a domestic supplier")
    ] = None
    runs: list[VerificationRun]
    schedule: VerificationSchedule | None = None
    configured: Annotated[bool, Meta(description="whether registry and tax bureau are wired")]
    mode: str


class AutofillValue(_Closed, kw_only=True):
    value: Any = None
    source: str | None = None
    provider: str | None = None
    request_id: str | None = None
    fetched_at: Iso | None = None


class AutofillView(_Closed, kw_only=True):
    """Form values from the registry and the tax bureau, each with where it came from."""

    uscc: str
    fields: dict[str, AutofillValue]


@dataclass
class FileUpload:
    """A multipart form with one file, ``file``."""

    file: UploadFile


# --- licence reading ------------------------------------------------------------------------


class DoubtReasonView(_Closed, kw_only=True):
    """One reason a value is uncertain: its stable code and what it is about."""

    code: Annotated[str, Meta(description="stable reason code, e.g. label_in_value, copy_stamp")]
    about: Annotated[list[str], Meta(description="the label, stamp, district … it is about")]
    text: Annotated[str, Meta(description="the reader's own words (English)")]


class FieldReadingView(_Closed, kw_only=True):
    value: Annotated[
        str | CapitalView | None, Meta(description="text, ISO date, or the capital's amount")
    ] = None
    confidence: float
    status: Annotated[str, Meta(description="read, repaired, uncertain, unreadable, missing")]
    source: str
    reason: Annotated[str, Meta(description="the reasons' words joined by '; '")]
    reasons: list[DoubtReasonView] = []


class LicenceReadingView(_Closed, kw_only=True):
    """Everything read from one business licence (营业执照)."""

    layout: Annotated[str, Meta(description="landscape (正本) or portrait (副本)")]
    qr_payload: str | None = None
    qr_uscc: Annotated[
        str | None, Meta(description="the credit code the QR code carries (uniscid=), if valid")
    ] = None
    qr_agrees: Annotated[
        bool | None,
        Meta(description="the QR's code is the printed one; false is a finding to check"),
    ] = None
    warnings: list[str] = []
    registration_number: Annotated[
        str | None,
        Meta(
            description="the 注册号 of an old-style licence (before the 2016 five-in-one "
            "reform): it prints no credit code and has been replaced by a current licence"
        ),
    ] = None
    fields: dict[str, FieldReadingView]


# --- payment checks -------------------------------------------------------------------------


class PaymentReason(_Closed, kw_only=True):
    code: str
    message: str
    message_zh: str
    clears: str
    clears_zh: str
    since: Iso | None = None
    until: Iso | None = None
    detail: str | None = None


class PaymentPayee(_Closed, kw_only=True):
    id: str
    name: str


class PaymentLineView(_Closed, kw_only=True):
    row: int
    payee: str | None = None
    amount: Decimal | None = None
    verdict: str
    verdict_zh: str
    supplier: PaymentPayee | None = None
    account_version_id: str | None = None
    attestation: str | None = None
    reasons: list[PaymentReason] = []


class PaymentCheckView(_Closed, kw_only=True):
    """A verdict for every line of a payment file."""

    id: str
    filename: str
    layout: str
    checked_at: Iso
    counts: Annotated[dict[str, int], Meta(description="lines per verdict")]
    lines: list[PaymentLineView]
