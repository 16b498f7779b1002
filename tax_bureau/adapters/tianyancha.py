"""天眼查 tax facts: 1048 一般纳税人 (reference §2.5).

天眼查 documents no 开票信息 endpoint and no tax 非正常户 endpoint, so
``invoicing_details`` answers *unsupported* (the resilient wrapper then asks
the next provider without counting a failure) and the tax status is UNKNOWN.
A taxpayer absent from the general-taxpayer list is reported with
qualification UNKNOWN rather than 小规模: the list cannot tell a small-scale
taxpayer from a company it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from portal.domain import uscc
from providers.dates import parse_date, parse_term_end, today_in_china, utc_now
from providers.http import malformed, text
from providers.settings import TianyanchaCredentials
from providers.tianyancha import BASE_URL, PROVIDER, TianyanchaClient
from tax_bureau.errors import TAX_ERRORS, TaxpayerNotFoundError, UnavailableReason
from tax_bureau.model import (
    InvoicingDetails,
    TaxpayerQualification,
    TaxpayerStatus,
    TaxStatus,
    parse_tax_number,
)


class TianyanchaTaxBureau:
    """:class:`tax_bureau.ports.TaxBureau` over 天眼查 (qualification only)."""

    provider = PROVIDER

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: TianyanchaCredentials,
        *,
        base_url: str = BASE_URL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tyc = TianyanchaClient(client, credentials, base_url=base_url)
        self._clock = clock

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        parse_tax_number(tax_number)
        raise TAX_ERRORS.unavailable(
            "tianyancha has no invoicing-details endpoint",
            provider=PROVIDER,
            reason=UnavailableReason.UNSUPPORTED,
        )

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        number = parse_tax_number(tax_number)
        now = self._clock()
        try:
            result = await self._tyc.get(
                "/services/open/m/taxpayer/2.0",
                {"keyword": number, "pageNum": "1", "pageSize": "20"},
                TAX_ERRORS,
            )
        except TaxpayerNotFoundError:
            result = None
        try:
            items = (result or {}).get("items") or []
            general = [
                item
                for item in items
                if "一般纳税人" in text(item.get("taxpayerQualificationType"))
                and uscc.compact(text(item.get("taxpayerIdentificationNumber"))) == number
            ]
            current = [
                item
                for item in general
                if (end := parse_term_end(item.get("endDate"))) is None
                or end >= today_in_china(now)
            ]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise malformed(TAX_ERRORS, PROVIDER, exc) from exc
        valid_until = parse_date(current[0].get("endDate")) if current else None
        return TaxpayerStatus(
            tax_number=number,
            qualification=TaxpayerQualification.GENERAL
            if current
            else TaxpayerQualification.UNKNOWN,
            status=TaxStatus.UNKNOWN,
            qualification_valid_until=valid_until
            if valid_until and valid_until.year < 9999
            else None,
            provider=PROVIDER,
            request_id=None,
            fetched_at=now,
        )


__all__ = ["TianyanchaTaxBureau"]
