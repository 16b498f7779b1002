"""Tax facts from the demo data set (:mod:`providers.demo`: ``tax`` and ``invoicing``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from providers.dates import utc_now
from providers.demo import load_demo_data
from tax_bureau.errors import TAX_ERRORS
from tax_bureau.model import (
    InvoicingDetails,
    TaxpayerQualification,
    TaxpayerStatus,
    TaxStatus,
    parse_tax_number,
)

PROVIDER = "demo"


class DemoTaxBureau:
    """:class:`tax_bureau.ports.TaxBureau` over the demo data set."""

    provider = PROVIDER

    def __init__(
        self,
        companies: Sequence[Mapping[str, Any]] | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._companies = tuple(companies if companies is not None else load_demo_data())
        self._clock = clock
        self._ids = itertools.count(1)

    def _find(self, tax_number: str) -> Mapping[str, Any]:
        number = parse_tax_number(tax_number)
        for company in self._companies:
            if number in (company["uscc"], company.get("invoicing", {}).get("tax_number")):
                return company
        raise TAX_ERRORS.not_found(f"no demo taxpayer {number}", provider=PROVIDER)

    def _request_id(self) -> str:
        return f"DEMOTAX{next(self._ids):06d}"

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        inv = self._find(tax_number)["invoicing"]
        return InvoicingDetails(
            title=inv["title"],
            tax_number=inv["tax_number"],
            address=inv.get("address", ""),
            phone=inv.get("phone", ""),
            bank_name=inv.get("bank", ""),
            bank_account=inv.get("account", ""),
            provider=PROVIDER,
            request_id=self._request_id(),
            fetched_at=self._clock(),
        )

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        company = self._find(tax_number)
        tax = company.get("tax", {})
        since = tax.get("abnormal_since")
        return TaxpayerStatus(
            tax_number=company["uscc"],
            qualification=TaxpayerQualification.from_text(tax.get("qualification")),
            status=TaxStatus.from_text(tax.get("status")),
            abnormal_since=date.fromisoformat(since) if since else None,
            abnormal_office=tax.get("abnormal_office"),
            provider=PROVIDER,
            request_id=self._request_id(),
            fetched_at=self._clock(),
        )


__all__ = ["DemoTaxBureau"]
