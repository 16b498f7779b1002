"""天眼查 business registry: 1116 企业基本信息 and 1074 三要素验证 (reference §2.3-2.4)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from portal.domain import names
from providers.dates import parse_date, parse_term_end, utc_now
from providers.http import malformed, text
from providers.settings import TianyanchaCredentials
from providers.tianyancha import BASE_URL, PROVIDER, TianyanchaClient
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
    0: ThreeElementOutcome.MISMATCH,
    1: ThreeElementOutcome.MATCH,
    2: ThreeElementOutcome.FORMER_NAME,
}
_EM = re.compile(r"</?em>")


class TianyanchaBusinessRegistry:
    """:class:`registry.ports.BusinessRegistry` over the 天眼查 open API."""

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

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        query = parse_query(uscc_or_name)
        result = await self._tyc.get(
            "/services/open/ic/baseinfo/normal", {"keyword": query.value}, REGISTRY_ERRORS
        )
        if not result:
            raise REGISTRY_ERRORS.not_found(
                f"tianyancha has no company {query.value}", provider=PROVIDER
            )
        try:
            return record_from_tyc(result, self._clock())
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise malformed(REGISTRY_ERRORS, PROVIDER, exc) from exc

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        code = parse_query(uscc).value
        result = await self._tyc.get(
            "/services/open/ic/verify/2.0",
            {"code": code, "name": names.normalise(name), "legalPersonName": legal_rep.strip()},
            REGISTRY_ERRORS,
        )
        try:
            outcome = _THREE_ELEMENTS[int(result["result"])]
        except (KeyError, TypeError, ValueError) as exc:
            raise malformed(REGISTRY_ERRORS, PROVIDER, exc) from exc
        return ThreeElementResult(outcome, PROVIDER, None, self._clock())


def record_from_tyc(r: dict[str, Any], fetched_at: datetime) -> EnterpriseRecord:
    """Normalise a 1116 ``result`` object (epoch-ms dates, ``estiblishTime`` sic)."""
    history = r.get("historyNameList")
    if not history:
        history = [h for h in text(r.get("historyNames")).split(";") if h.strip()]
    status_text = text(r.get("regStatus"))
    return EnterpriseRecord(
        name=names.normalise(_EM.sub("", text(r["name"]))),
        uscc=text(r.get("creditCode")).upper(),
        legal_representative=text(r.get("legalPersonName")),
        status=RegistryStatus.from_text(status_text),
        status_text=status_text,
        registered_capital=read_capital(
            text(r.get("regCapital")), text(r.get("regCapitalCurrency"))
        ),
        established_on=parse_date(r.get("estiblishTime") or r.get("establishTime")),
        term_from=parse_date(r.get("fromTime")),
        term_to=parse_term_end(r.get("toTime")),
        address=text(r.get("regLocation")),
        business_scope=text(r.get("businessScope")),
        registration_authority=text(r.get("regInstitute")),
        former_names=tuple(names.normalise(text(h)) for h in history),
        entity_type=text(r.get("companyOrgType")),
        provider=PROVIDER,
        request_id=None,
        fetched_at=fetched_at,
    )


__all__ = ["TianyanchaBusinessRegistry", "record_from_tyc"]
