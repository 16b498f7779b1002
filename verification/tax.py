"""The tax part of a verification: taxpayer status and invoicing details (开票信息)."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from portal.domain import names, uscc
from portal.domain.findings import finding
from portal.domain.status import TaxStatus
from tax_bureau.model import InvoicingDetails, TaxpayerStatus, mask_tail
from verification.model import (
    Collector,
    InvoicingProfile,
    SourceUnavailable,
    State,
    SupplierClaims,
    TaxFacts,
)


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


def _same(element: str, typed: str, official: str) -> bool | None:
    """Compare one invoicing element; None when the official value cannot tell."""
    if not official:
        return None
    if element == "title" or element == "bank_name":
        return names.normalise(typed) == names.normalise(official)
    if element == "tax_number":
        return uscc.compact(typed) == uscc.compact(official)
    if element == "phone":
        return _digits(typed) == _digits(official)
    if element == "bank_account":
        tail = mask_tail(official)
        if tail is not None:
            return _digits(typed).endswith(tail) if tail else None
        return _digits(typed) == _digits(official)
    return _plain(typed) == _plain(official)


def against_tax(out: Collector, typed: SupplierClaims, tax: TaxFacts) -> list[timedelta]:
    retry: list[timedelta] = []
    down = [part for part in (tax.status, tax.invoicing) if isinstance(part, SourceUnavailable)]
    if down:
        out.findings.append(
            finding(
                "tax.unavailable",
                None,
                detail=down[0].reason,
                source="tax_bureau",
                observed_at=down[0].observed_at,
            )
        )
        retry.append(down[0].retry_after or timedelta(hours=1))
    _tax_status(out, tax.status)
    if typed.invoicing is not None:
        _invoicing(out, typed.invoicing, tax.invoicing)
    return retry


def _tax_status(out: Collector, status: TaxpayerStatus | SourceUnavailable | None) -> None:
    if status is None:
        return
    if isinstance(status, SourceUnavailable):
        out.state("tax_status", State.UNKNOWN, status.observed_at, "tax_bureau", None)
        return
    against = f"tax_bureau:{status.provider}"
    if status.status is TaxStatus.UNKNOWN:
        out.state("tax_status", State.UNKNOWN, status.fetched_at, against, status.request_id)
        return
    abnormal = status.status is TaxStatus.ABNORMAL
    state = State.MISMATCH if abnormal else State.VERIFIED
    out.state("tax_status", state, status.fetched_at, against, status.request_id)
    if abnormal:
        since = status.abnormal_since.isoformat() if status.abnormal_since else "unknown date"
        detail = f"{status.abnormal_office or ''} {since}".strip()
        out.findings.append(
            finding(
                "tax.abnormal",
                "tax_status",
                detail=detail,
                source="tax_bureau",
                observed_at=status.fetched_at,
                request_id=status.request_id,
                evidence={"provider": status.provider, "since": since},
            )
        )


def _invoicing(
    out: Collector,
    claimed: InvoicingProfile,
    official: InvoicingDetails | SourceUnavailable | None,
) -> None:
    for element, value in _elements(claimed).items():
        name = f"invoicing.{element}"
        if not value:
            continue
        if official is None or isinstance(official, SourceUnavailable):
            at = official.observed_at if official is not None else None
            out.state(name, State.UNKNOWN, at, "tax_bureau", None)
            continue
        against, on_record = f"tax_bureau:{official.provider}", official.elements()[element]
        same = _same(element, value, on_record)
        state = State.UNKNOWN if same is None else State.VERIFIED if same else State.MISMATCH
        out.state(name, state, official.fetched_at, against, official.request_id)
        if same is False:
            out.findings.append(
                finding(
                    "invoicing.mismatch",
                    name,
                    detail=f"{element}: typed {value}, on record {on_record}",
                    source="tax_bureau",
                    observed_at=official.fetched_at,
                    request_id=official.request_id,
                    evidence={
                        "provider": official.provider,
                        "element": element,
                        "typed": value,
                        "registered": on_record,
                    },
                )
            )


def _elements(profile: InvoicingProfile) -> dict[str, str]:
    return {
        "title": profile.title,
        "tax_number": profile.tax_number,
        "address": profile.address,
        "phone": profile.phone,
        "bank_name": profile.bank_name,
        "bank_account": profile.bank_account,
    }


__all__ = ["against_tax"]
