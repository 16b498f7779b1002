"""企查查 business registry: 410 企业工商照面 and 856 三要素核验 (reference §1.3, §1.6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from portal.domain import names
from providers.dates import parse_date, parse_term_end, utc_now
from providers.http import malformed, text
from providers.qichacha import BASE_URL, PROVIDER, QichachaClient
from providers.settings import QichachaCredentials
from registry.errors import REGISTRY_ERRORS
from registry.model import (
    EnterpriseRecord,
    RegistryStatus,
    ThreeElementOutcome,
    ThreeElementResult,
    parse_query,
    read_capital,
)

_THREE_ELEMENTS = {
    0: ThreeElementOutcome.UNKNOWN_CODE,
    1: ThreeElementOutcome.MATCH,
    2: ThreeElementOutcome.NAME_MISMATCH,
    3: ThreeElementOutcome.LEGAL_REP_MISMATCH,
}


class QichachaBusinessRegistry:
    """:class:`registry.ports.BusinessRegistry` over the 企查查 open API."""

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

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        query = parse_query(uscc_or_name)
        reply = await self._qcc.get(
            "/ECIV4/GetBasicDetailsByName", {"keyword": query.value}, REGISTRY_ERRORS
        )
        if not reply.result:
            raise REGISTRY_ERRORS.not_found(
                f"qichacha has no company {query.value}",
                provider=PROVIDER,
                request_id=reply.order_number,
            )
        try:
            return record_from_qcc(reply.result, reply.order_number, self._qcc.now())
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise malformed(REGISTRY_ERRORS, PROVIDER, exc, reply.order_number) from exc

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        code = parse_query(uscc).value
        reply = await self._qcc.get(
            "/ECIThreeElVerify/GetInfo",
            {
                "creditCode": code,
                "companyName": names.normalise(name),
                "operName": legal_rep.strip(),
            },
            REGISTRY_ERRORS,
        )
        try:
            outcome = _THREE_ELEMENTS[int(reply.result["VerifyResult"])]
        except (KeyError, TypeError, ValueError) as exc:
            raise malformed(REGISTRY_ERRORS, PROVIDER, exc, reply.order_number) from exc
        return ThreeElementResult(outcome, PROVIDER, reply.order_number, self._qcc.now())


def record_from_qcc(
    r: dict[str, Any], request_id: str | None, fetched_at: datetime
) -> EnterpriseRecord:
    """Normalise a 410 ``Result`` (or a 2001 ``Data``) object."""
    amount, unit = text(r.get("RegisteredCapital")), text(r.get("RegisteredCapitalUnit"))
    capital = (
        read_capital(f"{amount}{unit}", text(r.get("RegisteredCapitalCCY"))) if amount else None
    )
    capital = capital or read_capital(text(r.get("RegistCapi")))
    former = tuple(
        names.normalise(text(item["Name"]))
        for item in (r.get("OriginalName") or [])
        if item.get("Name")
    )
    status_text = text(r.get("Status"))
    return EnterpriseRecord(
        name=names.normalise(text(r["Name"])),
        uscc=text(r.get("CreditCode")).upper(),
        legal_representative=text(r.get("OperName")),
        status=RegistryStatus.from_text(status_text),
        status_text=status_text,
        registered_capital=capital,
        established_on=parse_date(r.get("StartDate")),
        term_from=parse_date(r.get("TermStart")),
        # Legacy V4 bodies spell it TeamEnd (QCC's typo): read both.
        term_to=parse_term_end(r.get("TermEnd") or r.get("TeamEnd")),
        address=text(r.get("Address")),
        business_scope=text(r.get("Scope")),
        registration_authority=text(r.get("BelongOrg")),
        former_names=former,
        entity_type=text(r.get("EconKind")),
        provider=PROVIDER,
        request_id=request_id,
        fetched_at=fetched_at,
    )


__all__ = ["QichachaBusinessRegistry", "record_from_qcc"]
