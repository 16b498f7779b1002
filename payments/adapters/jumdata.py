"""聚美智数 (jumdata) 企业银行卡账户验证 V2: account number, company name and code, legal
person and bank checked together.

Request (documented, showdoc.com.cn/jumdata/8615276704750749): ``POST
https://api.jumdata.com/bankcard/enterprise-account/validate/v2``, form-encoded
``appId, timestamp (ms), sign = sha256(appId + appSecret + timestamp), idType (1: credit
code), idNo, enterpriseName, legalPersonName, bankName, enterpriseAccountNo``. The
provider notes the call makes one random-amount transfer to the account.

Answer: the jumdata validation family's shape (documented on its 企业二要素 page,
showdoc.com.cn/jumdata/7428694031180183; the V2 page we could read stops before its
sample): ``{"code": 200, "msg", "taskNo", "charge", "data": {"result": 1 pass | 2 fail |
3 cannot verify | 4 no record, "resultMsg"}}``. Any other ``code``, a transport error, a
5xx or a body we cannot read answers ``UNKNOWN``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from payments.ports import OwnershipAnswer, OwnershipOutcome, OwnershipQuery

__all__ = ["JUMDATA_URL", "JumdataCredentials", "JumdataOwnershipVerifier"]

JUMDATA_URL = "https://api.jumdata.com/bankcard/enterprise-account/validate/v2"
_RESULTS = {
    1: OwnershipOutcome.MATCH,
    2: OwnershipOutcome.NO_MATCH,
    3: OwnershipOutcome.UNKNOWN,
    4: OwnershipOutcome.NOT_FOUND,
}


@dataclass(frozen=True)
class JumdataCredentials:
    app_id: str
    app_secret: str = field(repr=False)


def _now() -> datetime:
    return datetime.now(UTC)


class JumdataOwnershipVerifier:
    """Implements :class:`payments.ports.OwnershipVerifier`; the caller owns the client."""

    name = "jumdata"

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: JumdataCredentials,
        *,
        clock: Callable[[], datetime] = _now,
        timeout: float = 15.0,
        url: str = JUMDATA_URL,
    ) -> None:
        self.client = client
        self.credentials = credentials
        self.clock = clock
        self.timeout = timeout
        self.url = url

    def _form(self, query: OwnershipQuery) -> dict[str, str]:
        stamp = str(int(self.clock().timestamp() * 1000))
        secret = self.credentials.app_id + self.credentials.app_secret + stamp
        return {
            "appId": self.credentials.app_id,
            "timestamp": stamp,
            "sign": hashlib.sha256(secret.encode()).hexdigest(),
            "idType": "1",
            "idNo": query.credit_code,
            "enterpriseName": query.enterprise_name,
            "legalPersonName": query.legal_person,
            "bankName": query.bank_name,
            "enterpriseAccountNo": query.account_number,
        }

    def _unknown(self, why: str, reference: str = "") -> OwnershipAnswer:
        return OwnershipAnswer(OwnershipOutcome.UNKNOWN, self.name, reference, why)

    async def verify(self, query: OwnershipQuery) -> OwnershipAnswer:
        try:
            response = await self.client.post(
                self.url, data=self._form(query), timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return self._unknown(f"provider unreachable ({type(exc).__name__})")
        if response.status_code != 200:
            return self._unknown(f"provider answered HTTP {response.status_code}")
        try:
            body: Any = response.json()
            code, data = body.get("code"), body.get("data") or {}
            reference = str(body.get("taskNo") or "")
            result = data.get("result")
        except (ValueError, AttributeError):
            return self._unknown("provider answer not readable")
        if code != 200:
            return self._unknown(f"provider code {code}: {body.get('msg') or ''}", reference)
        outcome = _RESULTS.get(result) if isinstance(result, int) else None
        if outcome is None:
            return self._unknown(f"provider result {result!r} not documented", reference)
        return OwnershipAnswer(outcome, self.name, reference, str(data.get("resultMsg") or ""))
