"""企查查 tax facts: 2001 企业信息核验 (开票信息, 纳税人资质), 271 税号开票信息 and
1132 税务非正常户核查 (reference §1.4, §1.5, §1.7). Same signed GET as the registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from portal.domain import names
from providers.dates import parse_date, utc_now
from providers.http import malformed, text
from providers.qichacha import BASE_URL, PROVIDER, QccReply, QichachaClient
from providers.settings import QichachaCredentials
from tax_bureau.errors import TAX_ERRORS
from tax_bureau.model import (
    InvoicingDetails,
    TaxpayerQualification,
    TaxpayerStatus,
    TaxStatus,
    parse_tax_number,
)

_PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _unmasked(value: object) -> str:
    """Provider placeholders such as ``XXXXXXXXX`` mean "not disclosed"."""
    result = text(value)
    return "" if result and set(result) <= set("xX*") else result


class QichachaTaxBureau:
    """:class:`tax_bureau.ports.TaxBureau` over the 企查查 open API."""

    provider = PROVIDER

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: QichachaCredentials,
        *,
        base_url: str = BASE_URL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._qcc = QichachaClient(client, credentials, base_url=base_url, clock=clock)

    async def _verify(self, number: str) -> tuple[dict[str, Any], QccReply]:
        reply = await self._qcc.get("/EnterpriseInfo/Verify", {"searchKey": number}, TAX_ERRORS)
        try:
            result = reply.result or {}
            data = result.get("Data")
            if isinstance(data, list):  # the SDK models Data as a list, the doc as an object
                data = data[0] if data else None
            found = int(result.get("VerifyResult", 0)) == 1 and data
        except _PARSE_ERRORS as exc:
            raise malformed(TAX_ERRORS, PROVIDER, exc, reply.order_number) from exc
        if not found or not isinstance(data, dict):
            raise TAX_ERRORS.not_found(
                f"qichacha has no taxpayer {number}",
                provider=PROVIDER,
                request_id=reply.order_number,
            )
        return data, reply

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        number = parse_tax_number(tax_number)
        data, reply = await self._verify(number)
        try:
            bank = data.get("BankInfo") or {}
            contact = data.get("ContactInfo") or {}
            return InvoicingDetails(
                title=names.normalise(text(bank.get("Name") or data["Name"])),
                tax_number=text(
                    data.get("TaxNo") or bank.get("CreditCode") or data.get("CreditCode")
                ),
                address=text(bank.get("Address") or data.get("Address")),
                phone=text(bank.get("Tel") or contact.get("Tel")),
                bank_name=_unmasked(bank.get("Bank")),
                bank_account=_unmasked(bank.get("BankAccount")),
                provider=PROVIDER,
                request_id=reply.order_number,
                fetched_at=self._qcc.now(),
            )
        except _PARSE_ERRORS as exc:
            raise malformed(TAX_ERRORS, PROVIDER, exc, reply.order_number) from exc

    async def invoicing_details_by_name(self, name: str) -> InvoicingDetails:
        """271 税号开票信息, which takes the company name (``keyWord``)."""
        reply = await self._qcc.get(
            "/ECICreditCode/GetCreditCodeNew", {"keyWord": names.normalise(name)}, TAX_ERRORS
        )
        if not reply.result:
            raise TAX_ERRORS.not_found(f"qichacha has no taxpayer {name}", provider=PROVIDER)
        try:
            r = reply.result
            return InvoicingDetails(
                title=names.normalise(text(r["Name"])),
                tax_number=text(r.get("CreditCode")),
                address=text(r.get("Address")),
                phone=text(r.get("Tel")),
                bank_name=_unmasked(r.get("Bank")),
                bank_account=_unmasked(r.get("BankAccount")),
                provider=PROVIDER,
                request_id=reply.order_number,
                fetched_at=self._qcc.now(),
            )
        except _PARSE_ERRORS as exc:
            raise malformed(TAX_ERRORS, PROVIDER, exc, reply.order_number) from exc

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        number = parse_tax_number(tax_number)
        data, reply = await self._verify(number)
        abnormal = await self._abnormal(number)
        try:
            qualification = TaxpayerQualification.from_text(text(data.get("TaxpayerType")))
            record = abnormal[0] if abnormal else {}
            return TaxpayerStatus(
                tax_number=number,
                qualification=qualification,
                status=TaxStatus.ABNORMAL if abnormal else TaxStatus.NORMAL,
                abnormal_since=parse_date(record.get("AddDate")),
                abnormal_office=text(record.get("AddOffice")) or None,
                provider=PROVIDER,
                request_id=reply.order_number,
                fetched_at=self._qcc.now(),
            )
        except _PARSE_ERRORS as exc:
            raise malformed(TAX_ERRORS, PROVIDER, exc, reply.order_number) from exc

    async def _abnormal(self, number: str) -> list[dict[str, Any]]:
        """1132: the 非正常户 records (empty when the taxpayer is not listed)."""
        try:
            reply = await self._qcc.get(
                "/TaxAbnormalCheck/GetList",
                {"searchKey": number, "pageIndex": "1", "pageSize": "10"},
                TAX_ERRORS,
            )
        except TAX_ERRORS.not_found:
            return []  # 201: no record, i.e. not listed as abnormal
        try:
            result = reply.result or {}
            if int(result.get("VerifyResult", 0)) != 1:
                return []
            return [dict(item) for item in result.get("Data") or []] or [{}]
        except _PARSE_ERRORS as exc:
            raise malformed(TAX_ERRORS, PROVIDER, exc, reply.order_number) from exc


__all__ = ["QichachaTaxBureau"]
