"""企查查 (api.qichacha.com) protocol, shared by the registry and tax-bureau adapters.

Every call is a GET with ``key`` in the query and two headers: ``Timespan``
(Unix seconds) and ``Token`` = upper-case hex MD5 of key + Timespan + secret.
HTTP is 200 even for business errors; the envelope's ``Status`` (a string)
decides. See reference §1.1-1.2.

>>> sign('APPKEY', '1717000000', 'SECRET')
'FB575491138A216074C713F50DB649F0'
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from providers.dates import utc_now
from providers.errors import ErrorContext, ErrorFamily, UnavailableReason
from providers.http import get_json, text
from providers.settings import QichachaCredentials

BASE_URL = "https://api.qichacha.com"
PROVIDER = "qichacha"

_INVALID_QUERY = {"202", "207", "208", "209", "213", "215", "223", "224", "125", "126"}
_CREDENTIALS = {"101", "103", "105", "107", "111", "113", "114", "115", "118", "119", "121", "214"}
_QUOTA = {"102", "109", "112", "116", "123"}
_RATE_LIMITED = {"106", "108", "110", "117", "122"}
_BUSY = {"104", "120", "124", "199", "203", "205"}


def sign(key: str, timespan: str, secret: str) -> str:
    """The ``Token`` header: MD5(key + Timespan + SecretKey), 32 upper-case hex."""
    digest = hashlib.md5(f"{key}{timespan}{secret}".encode(), usedforsecurity=False)
    return digest.hexdigest().upper()


@dataclass(frozen=True)
class QccReply:
    """A successful (Status 200) answer."""

    result: Any
    order_number: str | None


class QichachaClient:
    """Signs requests and translates the envelope into a package's errors."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: QichachaCredentials,
        *,
        base_url: str = BASE_URL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def headers(self) -> dict[str, str]:
        timespan = str(int(self._clock().timestamp()))
        token = sign(self._credentials.key, timespan, self._credentials.secret)
        return {"Token": token, "Timespan": timespan}

    async def get(self, path: str, params: Mapping[str, str], errors: ErrorFamily) -> QccReply:
        """Call ``path``; return the reply for Status 200, raise a family error otherwise."""
        _, body = await get_json(
            self._client,
            f"{self._base_url}{path}",
            provider=PROVIDER,
            errors=errors,
            params={"key": self._credentials.key, **params},
            headers=self.headers(),
        )
        if not isinstance(body, dict) or "Status" not in body:
            raise errors.unavailable(
                "qichacha sent a body without the Status envelope",
                provider=PROVIDER,
                reason=UnavailableReason.MALFORMED,
            )
        status = text(body.get("Status"))
        order = text(body.get("OrderNumber")) or None
        message = text(body.get("Message"))
        if status == "200":
            return QccReply(body.get("Result"), order)
        raise translate(status, message, order, errors)


def translate(status: str, message: str, order: str | None, errors: ErrorFamily) -> Exception:
    """Map a non-200 ``Status`` to the package error (reference §1.2)."""
    detail = f"qichacha Status {status}: {message}"
    common: ErrorContext = {"provider": PROVIDER, "request_id": order, "provider_code": status}
    if status == "201":
        return errors.not_found(detail, **common)
    if status in _INVALID_QUERY:
        return errors.invalid_query(detail, **common)
    if status in _CREDENTIALS:
        return errors.credentials(detail, **common)
    if status in _QUOTA:
        return errors.quota(detail, **common)
    if status in _RATE_LIMITED:
        wait = timedelta(hours=2) if status == "110" else None
        return errors.unavailable(
            detail, reason=UnavailableReason.RATE_LIMITED, retry_after=wait, **common
        )
    reason = UnavailableReason.BUSY if status in _BUSY else UnavailableReason.UNEXPECTED
    return errors.unavailable(detail, reason=reason, **common)
