"""The part every HTTP adapter shares: send, and translate every transport failure.

Nothing from httpx escapes: timeouts, connection errors, 5xx, 429 and bodies
that are not JSON become the package's ``unavailable`` error with a reason;
401/403 become ``credentials``. Adapters then read the provider envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx

from providers.errors import ErrorFamily, UnavailableReason


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    provider: str,
    errors: ErrorFamily,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    accept_status: frozenset[int] = frozenset({200}),
) -> tuple[int, Any]:
    """GET ``url`` and return ``(http status, decoded JSON)``, or raise a family error."""
    try:
        response = await client.get(url, params=params, headers=headers)
    except httpx.TimeoutException as exc:
        raise errors.unavailable(
            f"{provider} did not answer in time",
            provider=provider,
            reason=UnavailableReason.TIMEOUT,
        ) from exc
    except httpx.HTTPError as exc:
        raise errors.unavailable(
            f"{provider} could not be reached: {type(exc).__name__}",
            provider=provider,
            reason=UnavailableReason.NETWORK,
        ) from exc
    status = response.status_code
    if status not in accept_status:
        if status == 429:
            raise errors.unavailable(
                f"{provider} is rate limiting requests (HTTP 429)",
                provider=provider,
                reason=UnavailableReason.RATE_LIMITED,
                retry_after=_retry_after(response),
            )
        if status in (401, 403):
            raise errors.credentials(
                f"{provider} refused the credentials (HTTP {status})", provider=provider
            )
        reason = UnavailableReason.SERVER_ERROR if status >= 500 else UnavailableReason.UNEXPECTED
        raise errors.unavailable(
            f"{provider} answered HTTP {status}", provider=provider, reason=reason
        )
    try:
        return status, response.json()
    except ValueError as exc:
        raise errors.unavailable(
            f"{provider} sent a body that is not JSON",
            provider=provider,
            reason=UnavailableReason.MALFORMED,
        ) from exc


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("Retry-After", "")
    return timedelta(seconds=int(value)) if value.isdigit() else None


def malformed(
    errors: ErrorFamily, provider: str, exc: Exception, request_id: str | None = None
) -> Exception:
    """The error for a JSON body whose shape is not the documented one."""
    return errors.unavailable(
        f"{provider} sent an unexpected body ({type(exc).__name__}: {exc})",
        provider=provider,
        request_id=request_id,
        reason=UnavailableReason.MALFORMED,
    )


def text(value: object) -> str:
    """A provider string field, stripped; absent or null becomes ''."""
    return "" if value is None else str(value).strip()
