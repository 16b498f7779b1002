"""启信宝 business registry: 1.41 工商照面 with v2 signed headers (reference §3).

Auth: ``Auth-Version: 2.0``, ``appkey``, ``timestamp`` (epoch **ms**) and
``sign`` = lower-case hex MD5 of appkey + timestamp + secret. The v1 style
(secret in the query) is never used: it would leak into URLs and cassettes.
启信宝's three-element response shape is not documented, so the check is
made locally against the 工商照面 record.

>>> sign('APPKEY', '1717000000000', 'SECRET')
'3823594f393f1af82e55e0baf7413e5e'
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from portal.domain import names
from providers.dates import parse_date, parse_term_end, utc_now
from providers.http import get_json, malformed, text
from providers.settings import QixinCredentials
from registry.errors import (
    REGISTRY_ERRORS,
    CompanyNotFoundError,
    ErrorContext,
    UnavailableReason,
)
from registry.model import (
    EnterpriseRecord,
    RegistryStatus,
    ThreeElementOutcome,
    ThreeElementResult,
    parse_query,
    read_capital,
    three_elements,
)

BASE_URL = "https://api.qixin.com"
PROVIDER = "qixin"


def sign(app_key: str, timestamp: str, secret: str) -> str:
    """The ``sign`` header: MD5(appkey + timestamp + secret), 32 lower-case hex."""
    return hashlib.md5(f"{app_key}{timestamp}{secret}".encode(), usedforsecurity=False).hexdigest()


class QixinBusinessRegistry:
    """:class:`registry.ports.BusinessRegistry` over the 启信宝 API."""

    provider = PROVIDER

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: QixinCredentials,
        *,
        base_url: str = BASE_URL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def _headers(self) -> dict[str, str]:
        timestamp = str(int(self._clock().timestamp() * 1000))
        return {
            "Auth-Version": "2.0",
            "appkey": self._credentials.app_key,
            "timestamp": timestamp,
            "sign": sign(self._credentials.app_key, timestamp, self._credentials.secret),
        }

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        query = parse_query(uscc_or_name)
        _, body = await get_json(
            self._client,
            f"{self._base_url}/APIService/enterprise/getBasicInfo",
            provider=PROVIDER,
            errors=REGISTRY_ERRORS,
            params={"keyword": query.value},
            headers=self._headers(),
        )
        if not isinstance(body, dict) or "status" not in body:
            raise REGISTRY_ERRORS.unavailable(
                "qixin sent a body without status",
                provider=PROVIDER,
                reason=UnavailableReason.MALFORMED,
            )
        status, message = text(body.get("status")), text(body.get("message"))
        if status != "200":
            raise translate(status, message)
        data = body.get("data")
        if not data:
            raise REGISTRY_ERRORS.not_found(
                f"qixin has no company {query.value}", provider=PROVIDER
            )
        try:
            return record_from_qixin(data, self._clock())
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise malformed(REGISTRY_ERRORS, PROVIDER, exc) from exc

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        try:
            record = await self.lookup(uscc)
        except CompanyNotFoundError:
            return ThreeElementResult(
                ThreeElementOutcome.UNKNOWN_CODE, PROVIDER, None, self._clock()
            )
        outcome = three_elements(record, uscc, name, legal_rep)
        return ThreeElementResult(outcome, PROVIDER, record.request_id, self._clock())


def translate(status: str, message: str) -> Exception:
    """Map a non-200 status; only 113 is documented, the rest is read from the message."""
    detail = f"qixin status {status}: {message}"
    common: ErrorContext = {"provider": PROVIDER, "provider_code": status}
    if status == "201":  # [unconfirmed] in the reference: no result
        return REGISTRY_ERRORS.not_found(detail, **common)
    if status == "113" or any(w in message for w in ("签名错误", "无权限", "未激活")):
        return REGISTRY_ERRORS.credentials(detail, **common)
    if any(w in message for w in ("余额不足", "次数不足")):
        return REGISTRY_ERRORS.quota(detail, **common)
    if any(w in message for w in ("频率", "过快", "频繁")):
        return REGISTRY_ERRORS.unavailable(detail, reason=UnavailableReason.RATE_LIMITED, **common)
    return REGISTRY_ERRORS.unavailable(detail, reason=UnavailableReason.UNEXPECTED, **common)


def record_from_qixin(d: dict[str, Any], fetched_at: datetime) -> EnterpriseRecord:
    """Normalise a 1.41 ``data`` object."""
    status_text = text(d.get("new_status")) if not d.get("status") else text(d.get("status"))
    return EnterpriseRecord(
        name=names.normalise(text(d["name"])),
        uscc=text(d.get("creditNo")).upper(),
        legal_representative=text(d.get("operName")),
        status=RegistryStatus.from_text(status_text),
        status_text=status_text,
        registered_capital=read_capital(text(d.get("registCapi")), text(d.get("currency_unit"))),
        established_on=parse_date(d.get("startDate")),
        term_from=parse_date(d.get("termStart")),
        term_to=parse_term_end(d.get("termEnd")),
        address=text(d.get("address")),
        business_scope=text(d.get("scope")),
        registration_authority=text(d.get("belongOrg")),
        former_names=tuple(
            names.normalise(text(h.get("name") if isinstance(h, dict) else h))
            for h in d.get("historyNames") or []
            if h
        ),
        entity_type=text(d.get("econKind")),
        provider=PROVIDER,
        request_id=None,  # 启信宝 sends no request id; data.id is the company's id
        fetched_at=fetched_at,
    )


__all__ = ["QixinBusinessRegistry", "record_from_qixin"]
