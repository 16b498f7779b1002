"""e签宝 (esign) 企业对公打款认证: e签宝 sends a random amount (0.01–0.99 CNY) to the
company's account and checks the amount the company types back (认证服务纯API版, v2).

Documented at open.esign.cn (``/doc/opendoc/identity_service/``; the same pages under
``/doc/opendoc/paas_api/`` and ``/docs/identity/认证服务纯API版/企业认证/``):

* ``POST /v2/identity/auth/api/organization/threeFactors`` ``{name, orgCode,
  legalRepName}`` → ``{"code": 0, "message", "data": {"flowId"}}``; ``30504001`` 信息比对
  不通过, ``30500001`` 企业信息校验未通过, ``1100007`` 企业信息不匹配 and ``1203052`` 核验
  信息不存在 mean the company's details do not match (nothing is sent); ``30503107`` 余额
  不足 and ``30504002`` 数据源查询失败 are the provider's trouble.
* ``GET /v2/identity/auth/pub/organization/{flowId}/subbranch?cnapsCode=`` (or
  ``?keyWord=`` the branch's name) → ``data.list[] {bank, bankName, cnapsCode, province,
  city}``: the branch details the transfer needs.
* ``PUT /v2/identity/auth/pub/organization/{flowId}/transferRandomAmount`` ``{bank,
  province, city, subbranch, cardNo, cnapsCode}`` → ``{"code": 0, "message"}``;
  ``1203043`` 打款失败.
* ``PUT /v2/identity/auth/pub/organization/{flowId}/verifyRandomAmount`` ``{amount}`` →
  ``code`` ``0`` right; ``30502002`` 金额校验失败 (wrong, may be typed again); ``30502003``
  (more than three wrong), ``30502013`` (send again), ``30502014`` (more than 7 days),
  ``30500002``/``30500003``/``30500004`` (flow ended, lapsed, unknown): a new transfer is
  needed.

Every call is signed (请求签名鉴权): ``X-Tsign-Open-Ca-Signature = base64(HmacSHA256(
appSecret, METHOD "\\n" Accept "\\n" Content-MD5 "\\n" Content-Type "\\n" Date "\\n" Url))``
with ``Url`` the path and its query sorted by name, ``Content-MD5 = base64(md5(body))``,
``X-Tsign-Open-Ca-Timestamp`` in ms (valid 15 minutes), ``X-Tsign-Open-App-Id``,
``X-Tsign-Open-Auth-Mode: Signature``. Any other ``code``, a transport error, a non-2xx or
a body we cannot read answers ``UNKNOWN``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from payments.ports import SmallAmountAnswer, SmallAmountOutcome, SmallAmountQuery

__all__ = ["ESIGN_SANDBOX_URL", "ESIGN_URL", "EsignCredentials", "EsignSmallAmountTransfer"]

ESIGN_URL = "https://openapi.esign.cn"
ESIGN_SANDBOX_URL = "https://smlopenapi.esign.cn"
_ORG = "/v2/identity/auth/pub/organization"
_ACCEPT = "*/*"
_JSON = "application/json;charset=UTF-8"
#: threeFactors codes saying the company's details do not match the registry
_DETAILS_DIFFER = frozenset({30504001, 30500001, 1100007, 1203052})
#: verifyRandomAmount codes saying this transfer can no longer be confirmed
_FLOW_OVER = frozenset({30502003, 30502013, 30502014, 30500002, 30500003, 30500004})
_WRONG_AMOUNT = 30502002


@dataclass(frozen=True)
class EsignCredentials:
    app_id: str
    app_secret: str = field(repr=False)


class _Unknown(Exception):
    """The provider did not give a documented answer (internal: never leaves the adapter)."""


def _now() -> datetime:
    return datetime.now(UTC)


def signature(secret: str, method: str, url: str, content_md5: str, content_type: str) -> str:
    """e签宝's request signature (Date and signed headers left empty, as we send none)."""
    text = f"{method}\n{_ACCEPT}\n{content_md5}\n{content_type}\n\n{url}"
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class EsignSmallAmountTransfer:
    """Implements :class:`payments.ports.SmallAmountTransfer`; the caller owns the client."""

    name = "esign"

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: EsignCredentials,
        *,
        clock: Callable[[], datetime] = _now,
        timeout: float = 15.0,
        base_url: str = ESIGN_URL,
    ) -> None:
        self.client = client
        self.credentials = credentials
        self.clock = clock
        self.timeout = timeout
        self.base_url = base_url.rstrip("/")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, object] | None = None,
        query: Mapping[str, str] | None = None,
    ) -> tuple[int, str, dict[str, Any]]:
        """``(code, message, data)`` of one signed call; ``_Unknown`` when unreadable."""
        content = b""
        headers = {
            "Accept": _ACCEPT,
            "X-Tsign-Open-App-Id": self.credentials.app_id,
            "X-Tsign-Open-Auth-Mode": "Signature",
            "X-Tsign-Open-Ca-Timestamp": str(int(self.clock().timestamp() * 1000)),
        }
        content_md5 = content_type = ""
        if body is not None:
            content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            content_md5 = base64.b64encode(hashlib.md5(content).digest()).decode()  # noqa: S324 - the provider's checksum
            content_type = _JSON
            headers |= {"Content-MD5": content_md5, "Content-Type": content_type}
        signed_url = path
        if query:
            signed_url += "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))
        headers["X-Tsign-Open-Ca-Signature"] = signature(
            self.credentials.app_secret, method, signed_url, content_md5, content_type
        )
        try:
            response = await self.client.request(
                method, self.base_url + path, params=query, content=content or None,
                headers=headers, timeout=self.timeout,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            raise _Unknown(f"provider unreachable ({type(exc).__name__})") from exc
        if not response.is_success:
            raise _Unknown(f"provider answered HTTP {response.status_code}")
        try:
            answer: Any = response.json()
            code, message = answer["code"], str(answer.get("message") or "")
            data = answer.get("data") or {}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _Unknown("provider answer not readable") from exc
        if not isinstance(code, int) or not isinstance(data, dict):
            raise _Unknown("provider answer not readable")
        return code, message, data

    def _answer(
        self, outcome: SmallAmountOutcome, reference: str = "", detail: str = ""
    ) -> SmallAmountAnswer:
        return SmallAmountAnswer(outcome, self.name, reference, detail)

    async def send(self, query: SmallAmountQuery) -> SmallAmountAnswer:
        try:
            code, message, data = await self._call(
                "POST", "/v2/identity/auth/api/organization/threeFactors",
                body={"name": query.enterprise_name, "orgCode": query.credit_code,
                      "legalRepName": query.legal_person},
            )  # fmt: skip
            if code in _DETAILS_DIFFER:
                return self._answer(SmallAmountOutcome.NO_MATCH, detail=f"{code}: {message}")
            flow = str(data.get("flowId") or "")
            if code != 0 or not flow:
                return self._answer(SmallAmountOutcome.UNKNOWN, detail=f"{code}: {message}")
            return await self._transfer(flow, query)
        except _Unknown as exc:
            return self._answer(SmallAmountOutcome.UNKNOWN, detail=str(exc))

    async def _transfer(self, flow: str, query: SmallAmountQuery) -> SmallAmountAnswer:
        lookup = {"cnapsCode": query.cnaps_code} if query.cnaps_code else {
            "keyWord": query.bank_name}  # fmt: skip
        code, message, data = await self._call("GET", f"{_ORG}/{flow}/subbranch", query=lookup)
        branches = data.get("list") if code == 0 else None
        if not isinstance(branches, list) or not branches or not isinstance(branches[0], dict):
            why = f"{code}: {message}" if code else "the branch is not in e签宝's bank list"
            return self._answer(SmallAmountOutcome.UNKNOWN, flow, why)
        branch = branches[0]
        code, message, _ = await self._call(
            "PUT", f"{_ORG}/{flow}/transferRandomAmount",
            body={"bank": branch.get("bank"), "province": branch.get("province"),
                  "city": branch.get("city"), "subbranch": branch.get("bankName"),
                  "cardNo": query.account_number, "cnapsCode": branch.get("cnapsCode")},
        )  # fmt: skip
        if code != 0:
            return self._answer(SmallAmountOutcome.UNKNOWN, flow, f"{code}: {message}")
        return self._answer(SmallAmountOutcome.SENT, flow, message)

    async def confirm(self, reference: str, amount: Decimal) -> SmallAmountAnswer:
        try:
            code, message, _ = await self._call(
                "PUT", f"{_ORG}/{reference}/verifyRandomAmount",
                body={"amount": float(amount.quantize(Decimal("0.01")))},
            )  # fmt: skip
        except _Unknown as exc:
            return self._answer(SmallAmountOutcome.UNKNOWN, reference, str(exc))
        if code == 0:
            outcome = SmallAmountOutcome.MATCH
        elif code == _WRONG_AMOUNT:
            outcome = SmallAmountOutcome.NO_MATCH
        elif code in _FLOW_OVER:
            outcome = SmallAmountOutcome.EXPIRED
        else:
            outcome = SmallAmountOutcome.UNKNOWN
        return self._answer(outcome, reference, f"{code}: {message}")
