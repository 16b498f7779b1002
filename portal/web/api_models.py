"""The typed bodies of ``/api/v1``: what an ERP builds its client from.

The handlers still build their answers with the use cases' views (plain dicts); they are
converted into these structs on the way out (:func:`typed`), so the OpenAPI document
describes every field. The structs refuse fields they do not declare: a field added to a
view without being declared here fails the API tests loudly instead of vanishing from the
schema (``tests/api/test_openapi_document.py`` also compares them with the field catalogue).

Every error answer has one shape, :class:`ErrorBody` (``portal/web/errors.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta, Struct

__all__ = [
    "ERROR_SCHEMA_NAME",
    "BankAccountView",
    "CapitalView",
    "ChangeRequestIn",
    "ChangeRequestView",
    "ChangedField",
    "ContactView",
    "ErrorBody",
    "ErrorDetail",
    "EventSupplier",
    "FeedApprover",
    "FeedEvent",
    "FeedField",
    "FeedPage",
    "FindingDetail",
    "FindingView",
    "InvoicingProfileView",
    "Iso",
    "PaymentHoldView",
    "ProposalIn",
    "RiskFlagView",
    "SupplierData",
    "SupplierPage",
    "SupplierView",
    "error_schema_components",
    "typed",
]

T = TypeVar("T")

ERROR_SCHEMA_NAME = "ErrorBody"


class _Closed(Struct, forbid_unknown_fields=True, kw_only=True):
    """Views converted from dicts: an undeclared key is an error, never dropped silently."""


Iso = Annotated[str, Meta(description="ISO 8601 time")]

# --- errors -------------------------------------------------------------------------------


class FindingDetail(_Closed, kw_only=True):
    """A finding: what was seen, in both languages, with its evidence."""

    code: str
    severity: Annotated[str, Meta(description="error, warning or info")]
    field: str | None = None
    message_en: str
    message_zh: str
    source: str | None = None
    evidence: dict[str, Any] = {}
    observed_at: Iso | None = None
    request_id: str | None = None


class ErrorDetail(Struct, kw_only=True, omit_defaults=True):
    """What went wrong, in English and Chinese."""

    code: Annotated[str, Meta(description="stable machine code, e.g. supplier.not_found")]
    message: Annotated[str, Meta(description="English message")]
    message_zh: Annotated[str, Meta(description="中文说明")]
    retryable: Annotated[bool, Meta(description="whether the same request can succeed later")]
    field: Annotated[str | None, Meta(description="the input field at fault, when one is")] = None
    findings: Annotated[
        list[FindingDetail], Meta(description="what was found wrong, when the error lists it")
    ] = []


class ErrorBody(Struct, kw_only=True):
    """The one shape of every 4xx/5xx answer of the API."""

    error: ErrorDetail


def error_schema_components() -> dict[str, Any]:
    """JSON schemas of :class:`ErrorBody` and :class:`ErrorDetail` for ``components``."""
    _, components = msgspec.json.schema_components(
        [ErrorBody], ref_template="#/components/schemas/{name}"
    )
    return components


# --- finance: suppliers ---------------------------------------------------------------------


class CapitalView(_Closed, kw_only=True):
    amount: Annotated[str, Meta(description="decimal amount as text")]
    currency: str


class BankAccountView(_Closed, kw_only=True):
    """A bank account; ``account_number`` masked unless revealed. The version fields say
    whether a payment may go to it (only an ``active`` version)."""

    id: str
    bank_name: str | None = None
    cnaps_code: str | None = None
    account_number: str | None = None
    holder_name: str | None = None
    currency: str | None = None
    purpose: str | None = None
    department: str | None = None
    is_default: bool = False
    retired: bool = False
    version_id: str | None = None
    version_state: Annotated[
        str | None, Meta(description="active, pending, scheduled, ... or unversioned")
    ] = None
    valid_from: Annotated[str | None, Meta(description="ISO 8601 time")] = None
    approvers: list[str] = []
    attestation: Annotated[
        str | None,
        Meta(
            description="on an active version whose number is revealed: the signed statement a "
            "passing payment line carries, <base64url(statement)>.<base64url(signature)>"
        ),
    ] = None


class ContactView(_Closed, kw_only=True):
    """A contact; ``phone`` masked unless revealed."""

    id: str
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    email: str | None = None


class InvoicingProfileView(_Closed, kw_only=True):
    """The invoicing (开票) details; phone and account number masked."""

    title: str | None = None
    tax_number: str | None = None
    address: str | None = None
    phone: str | None = None
    bank_name: str | None = None
    account_number: str | None = None


class PaymentHoldView(_Closed, kw_only=True):
    """Whether payments to the supplier must wait (a pending or fresh bank change)."""

    on_hold: bool
    reason: str | None = None
    until: Annotated[str | None, Meta(description="ISO 8601 time")] = None


class ForeignTaxIdView(_Closed, kw_only=True):
    """A foreign supplier's tax identity (it has no credit code)."""

    scheme: Annotated[
        str, Meta(description="eu_vat, gb_vat, ch_vat, no_vat, us_ein, jp_cn, sg_uen, ...")
    ]
    country: Annotated[str, Meta(description="ISO 3166 country code (GR for an EL VAT number)")]
    number: Annotated[str, Meta(description="the number in its compact, canonical form")]
    formatted: Annotated[str, Meta(description="the number as its country writes it")]


class SupplierData(_Closed, kw_only=True):
    """Master data of one supplier (what the finance API and the change feed share)."""

    id: str
    uscc: Annotated[
        str | None,
        Meta(
            description="unified social credit code (统一社会信用代码); null for a foreign supplier"
        ),
    ]
    foreign_tax_id: Annotated[
        ForeignTaxIdView | None, Meta(description="a foreign supplier's tax number, else null")
    ] = None
    name: str
    aliases: list[str] = []
    entity_type: str | None = None
    legal_representative: str | None = None
    legal_rep_id_number: Annotated[str | None, Meta(description="masked unless revealed")] = None
    registered_capital: CapitalView | None = None
    established_on: Annotated[str | None, Meta(description="ISO 8601 date")] = None
    term_from: str | None = None
    term_to: str | None = None
    open_ended_term: bool = False
    address: str | None = None
    registration_authority: str | None = None
    registry_status: str
    taxpayer_qualification: str
    tax_status: str
    lifecycle_state: Annotated[str, Meta(description="prospective, active, blocked, archived")]
    validated: bool
    version: int
    bank_accounts: list[BankAccountView] = []
    invoicing_profile: InvoicingProfileView | None = None
    contacts: list[ContactView] = []
    unreadable_fields: Annotated[
        dict[str, str], Meta(description="fields whose stored value could not be read, why")
    ] = {}


class SupplierView(SupplierData, kw_only=True):
    """Validated master data of one supplier, as finance reads it."""

    payment_hold: PaymentHoldView | None = None


class SupplierPage(_Closed, kw_only=True):
    """A page of suppliers; ask again with ``cursor=next_cursor`` until it is null."""

    items: list[SupplierView]
    next_cursor: str | None = None


# --- change requests ------------------------------------------------------------------------


class ProposalIn(Struct, kw_only=True):
    """One proposed change of one entity."""

    entity: Annotated[str, Meta(description="supplier, bank_account, invoicing_profile or contact")]
    entity_id: Annotated[
        str | None, Meta(description="the existing row changed; null to add one")
    ] = None
    values: Annotated[
        dict[str, str | None], Meta(description="field name to new value (null clears)")
    ] = {}
    remove: Annotated[bool, Meta(description="retire/remove the entity")] = False


class ChangeRequestIn(Struct, kw_only=True):
    """``POST /api/v1/changes``: what to change of which supplier."""

    supplier_uscc: Annotated[
        str, Meta(description="the supplier's credit code (a foreign supplier: its tax number)")
    ]
    proposals: list[ProposalIn]


class ChangedField(_Closed, kw_only=True):
    entity: str
    entity_id: str | None = None
    field: str
    sensitive: bool
    before: Annotated[str | None, Meta(description="null when sensitive")] = None
    after: Annotated[str | None, Meta(description="null when sensitive")] = None


class FindingView(_Closed, kw_only=True):
    code: str


class RiskFlagView(_Closed, kw_only=True):
    code: str
    message_en: str
    message_zh: str


class ChangeRequestView(_Closed, kw_only=True):
    """Where a change request stands."""

    id: str
    supplier_id: str
    kind: str
    channel: Annotated[str, Meta(description="portal, staff, import or api")]
    status: Annotated[
        str, Meta(description="draft, pending, partially_approved, approved, applied, ...")
    ]
    base_version: int
    changes: list[ChangedField]
    findings: list[FindingView]
    risk_flags: list[RiskFlagView]
    approvals: Annotated[int, Meta(description="approvals given so far")]


# --- change feed ----------------------------------------------------------------------------


class FeedField(_Closed, kw_only=True):
    entity: str
    entity_id: str | None = None
    field: str


class FeedApprover(_Closed, kw_only=True):
    approver: str
    role: str
    at: Annotated[str, Meta(description="ISO 8601 time")]


class EventSupplier(SupplierData, kw_only=True):
    """The supplier in an event, as it was after the change (the payment hold and the bank
    accounts' versions are the finance API's: they change without an event); for a merge,
    what it was merged from or into."""

    event_detail: Annotated[
        dict[str, Any] | None,
        Meta(description="merged_from (the absorbed supplier) or merged_into (the survivor)"),
    ] = None


class FeedEvent(_Closed, kw_only=True):
    """One applied change, with the supplier's full state after it."""

    seq: Annotated[int, Meta(description="increasing; keep the last one processed")]
    id: str
    type: Annotated[str, Meta(description="supplier.created, supplier.changed, ...")]
    supplier_id: str
    at: Annotated[str, Meta(description="ISO 8601 time")]
    request_id: str | None = None
    changed_fields: list[FeedField] = []
    approvers: list[FeedApprover] = []
    supplier: Annotated[
        EventSupplier,
        Meta(description="the supplier after the change, as the finance API shows it (masked)"),
    ]
    audit_entry_id: str | None = None
    audit_hash: str | None = None


class FeedPage(_Closed, kw_only=True):
    """Events after ``after``; keep ``next_after`` once the page is processed."""

    events: list[FeedEvent]
    next_after: int


def typed(value: Any, model: type[T]) -> T:
    """Convert a use case's view (dict) into its struct (refusing undeclared keys)."""
    return msgspec.convert(value, model, strict=False)
