"""A finished reading as the supplier's form, and the typed / licence / registry
comparison (the rules of the comparison are in :mod:`verification.licence`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from approvals import Entity
from approvals.proposals import OPEN_ENDED, Proposal, capital_text, supplier_values
from portal.domain import fields, uscc
from portal.domain.findings import Finding
from portal.domain.supplier import Supplier
from portal.ocr_jobs.reasons import Doubt, doubts_of
from registry.model import EnterpriseRecord
from verification import OcrClaims, claims_of, verify_supplier
from verification.licence import ComparisonRow, compare_fields, licence_findings

__all__ = [
    "FORM_FIELDS",
    "ComparisonRow",
    "Prefill",
    "PrefillField",
    "compare_sources",
    "prefill",
    "proposal_from_form",
    "registry_values",
]

#: Licence fields the supplier's form offers (the credit code is the identity: compared only).
FORM_FIELDS = fields.licence()


@dataclass(frozen=True)
class PrefillField:
    """One field of the form: what the licence said, how sure, what is on file."""

    name: str
    read: str | None
    confidence: float
    status: str  # read, repaired, uncertain, unreadable, missing
    on_file: str | None
    prefilled: bool  # confident enough to put into the input
    reason: str = ""  # why an ``uncertain`` value is in doubt (the reader's words, English)
    #: the same reasons with their codes (``{"code", "about", "text"}``), worded by code
    reasons: tuple[Mapping[str, Any], ...] = ()

    @property
    def doubts(self) -> tuple[Doubt, ...]:
        """Why the value is in doubt, in words of both languages (:mod:`.reasons`)."""
        return doubts_of(self.reasons, self.reason)

    @property
    def value(self) -> str:
        return (self.read or "") if self.prefilled else ""

    @property
    def differs(self) -> bool:
        return self.prefilled and self.read != self.on_file


@dataclass(frozen=True)
class Prefill:
    """The form pre-filled from a reading, and the credit-code check."""

    fields: tuple[PrefillField, ...]
    uscc_read: str | None
    uscc_status: str
    uscc_confidence: float
    uscc_on_file: str
    qr_uscc: str | None = None  # the credit code the licence's QR code carries
    qr_agrees: bool | None = None  # False: the QR names another code (a finding to check)
    #: an old-style licence's 注册号: it prints no credit code and has been replaced since
    registration_number: str | None = None

    @property
    def uscc_matches(self) -> bool | None:
        """True / False, or None when the licence's code could not be read safely (a code
        in doubt only because the QR code names another one was read safely)."""
        readable = ("read", "repaired", *(("uncertain",) if self.qr_agrees is False else ()))
        if self.uscc_read is None or self.uscc_status not in readable:
            return None
        return uscc.compact(self.uscc_read) == uscc.compact(self.uscc_on_file)


def _text(name: str, reading: Mapping[str, Any]) -> str | None:
    """A read value in the form's text form (the one change requests carry)."""
    value = reading.get("value")
    if name == "term_to" and value is None and reading.get("status") == "read":
        return OPEN_ENDED
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return capital_text(Decimal(str(value["amount"])), str(value["currency"]))
    return str(value)


def prefill(supplier: Supplier, result: Mapping[str, Any], *, min_confidence: float) -> Prefill:
    """The form for ``supplier`` from ``LicenceReading.as_dict()``: a value goes into its
    input only when it was read (or repaired) with at least ``min_confidence``."""
    read_fields: Mapping[str, Mapping[str, Any]] = result.get("fields", {})
    on_file = supplier_values(supplier)
    out = []
    for name in FORM_FIELDS:
        reading = read_fields.get(name, {})
        text = _text(name, reading)
        status = str(reading.get("status", "missing"))
        confidence = float(reading.get("confidence", 0.0))
        sure = status in ("read", "repaired") and confidence >= min_confidence
        out.append(
            PrefillField(
                name,
                text,
                confidence,
                status,
                on_file.get(name),
                sure and text is not None,
                str(reading.get("reason") or ""),
                tuple(reading.get("reasons") or ()),
            )
        )
    code = read_fields.get("uscc", {})
    qr_agrees = result.get("qr_agrees")  # absent from readings stored before it existed
    return Prefill(
        tuple(out),
        code.get("value"),
        str(code.get("status", "missing")),
        float(code.get("confidence", 0.0)),
        supplier.uscc or "",
        qr_uscc=result.get("qr_uscc") or None,
        qr_agrees=qr_agrees if isinstance(qr_agrees, bool) else None,
        registration_number=result.get("registration_number") or None,
    )


def proposal_from_form(
    supplier_id: str, form: Mapping[str, str], pre: Prefill | None = None
) -> Proposal:
    """The supplier change the submitted form asks for (empty inputs change nothing).

    A value read with doubt is never pre-filled: the supplier types it, or ticks
    ``confirm_<field>`` to take the value of ``pre`` (the reading, looked up again on the
    server) after checking it against the licence.
    """
    read = {f.name: f.read for f in pre.fields} if pre is not None else {}
    values: dict[str, str | None] = {}
    for name in FORM_FIELDS:
        typed = (form.get(name) or "").strip()
        if typed:
            values[name] = typed
        elif form.get(f"confirm_{name}") and read.get(name):
            values[name] = read[name]
    return Proposal(Entity.SUPPLIER, supplier_id, values)


def registry_values(record: EnterpriseRecord) -> dict[str, str | None]:
    capital = record.registered_capital
    return {
        "name": record.name,
        "uscc": record.uscc,
        "entity_type": record.entity_type or None,
        "legal_representative": record.legal_representative,
        "registered_capital": capital_text(capital.amount, capital.currency) if capital else None,
        "established_on": _iso(record.established_on),
        "term_from": _iso(record.term_from),
        "term_to": _iso(record.term_to) or (OPEN_ENDED if record.term_from else None),
        "address": record.address or None,
        "business_scope": record.business_scope or None,
        "registration_authority": record.registration_authority or None,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def compare_sources(
    supplier: Supplier, pre: Prefill, record: EnterpriseRecord, *, today: date
) -> tuple[list[ComparisonRow], list[Finding]]:
    """Typed vs licence vs registry per field, and what ``verify_supplier`` finds when the
    licence's reading is passed to it as :class:`~verification.model.OcrClaims`."""
    licence = {f.name: f.read for f in pre.fields}
    licence["uscc"] = pre.uscc_read
    on_file = {**supplier_values(supplier), "uscc": supplier.uscc}
    registered = registry_values(record)
    rows = compare_fields(("uscc", *FORM_FIELDS), on_file, licence, registered)
    claims = OcrClaims(
        name=licence.get("name"),
        uscc=pre.uscc_read,
        legal_representative=licence.get("legal_representative"),
    )
    result = verify_supplier(claims_of(supplier), registry_record=record, ocr=claims, today=today)
    return rows, licence_findings(result.findings)
