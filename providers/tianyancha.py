"""天眼查 (open.api.tianyancha.com) protocol, shared by registry and tax-bureau adapters.

Auth is the raw token in ``Authorization`` (no "Bearer"); the envelope is
``{"error_code": 0, "reason": "ok", "result": ...}`` with an int code
(reference §2.1-2.2). 天眼查 sends no request id, so none is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.errors import ErrorContext, ErrorFamily, UnavailableReason
from providers.http import get_json, text
from providers.settings import TianyanchaCredentials

BASE_URL = "https://open.api.tianyancha.com"
PROVIDER = "tianyancha"

_CREDENTIALS = {300002, 300003, 300005, 300009, 300010, 300011}
_QUOTA = {300006, 300007}


class TianyanchaClient:
    """Adds the token and translates ``error_code`` into a package's errors."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: TianyanchaCredentials,
        *,
        base_url: str = BASE_URL,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._base_url = base_url.rstrip("/")

    async def get(self, path: str, params: Mapping[str, str], errors: ErrorFamily) -> Any:
        """Return ``result`` for ``error_code == 0``; raise a family error otherwise."""
        _, body = await get_json(
            self._client,
            f"{self._base_url}{path}",
            provider=PROVIDER,
            errors=errors,
            params=params,
            headers={"Authorization": self._credentials.token},
        )
        if not isinstance(body, dict) or "error_code" not in body:
            raise errors.unavailable(
                "tianyancha sent a body without error_code",
                provider=PROVIDER,
                reason=UnavailableReason.MALFORMED,
            )
        try:
            code = int(body["error_code"])
        except (TypeError, ValueError) as exc:
            raise errors.unavailable(
                "tianyancha sent a non-numeric error_code",
                provider=PROVIDER,
                reason=UnavailableReason.MALFORMED,
            ) from exc
        if code == 0:
            return body.get("result")
        raise translate(code, text(body.get("reason")), errors)


def translate(code: int, reason: str, errors: ErrorFamily) -> Exception:
    """Map a non-zero ``error_code`` to the package error (reference §2.2)."""
    detail = f"tianyancha error_code {code}: {reason}"
    common: ErrorContext = {"provider": PROVIDER, "provider_code": str(code)}
    if code == 300000:
        return errors.not_found(detail, **common)
    if code == 300008:
        return errors.invalid_query(detail, **common)
    if code in _CREDENTIALS:
        return errors.credentials(detail, **common)
    if code in _QUOTA:
        return errors.quota(detail, **common)
    if code == 300004:
        return errors.unavailable(detail, reason=UnavailableReason.RATE_LIMITED, **common)
    if code == 300012:
        return errors.unavailable(detail, reason=UnavailableReason.BUSY, **common)
    return errors.unavailable(detail, reason=UnavailableReason.UNEXPECTED, **common)
