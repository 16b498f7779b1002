"""EU VIES REST API for foreign suppliers' VAT numbers (reference §6).

The number is first checked offline with python-stdnum (``stdnum.eu.vat``):
a number that fails its format or checksum is INVALID without a call. Then
``GET /ms/{CC}/vat/{number}``: only ``isValid == false`` with
``userError == "INVALID"`` is INVALID; ``isValid == true`` (``userError``
absent, empty or ``VALID``) is VALID; everything else (``MS_UNAVAILABLE``,
``TIMEOUT``, ``MS_MAX_CONCURRENT_REQ``, 5xx, network errors, odd bodies) is
UNKNOWN, "no answer", never to be cached as invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError

from providers.dates import utc_now
from providers.http import text
from tax_bureau.model import VatCheck, VatState

BASE_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"
PROVIDER = "vies"
_UNDISCLOSED = {"", "---"}


def offline_check(vat_number: str, checked_at: datetime) -> tuple[str, VatCheck | None]:
    """Return the compact number, and an INVALID check if the format already fails."""
    compact = str(eu_vat.compact(vat_number or ""))
    try:
        eu_vat.validate(compact)
    except ValidationError as exc:
        return compact, VatCheck(
            vat_number=compact,
            state=VatState.INVALID,
            country_code=compact[:2],
            source="format",
            error=str(exc),
            checked_at=checked_at,
        )
    return compact, None


class ViesVatChecker:
    """:class:`tax_bureau.ports.VatNumberChecker` over the VIES REST API (no auth)."""

    provider = PROVIDER

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str = BASE_URL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    async def check(self, vat_number: str) -> VatCheck:
        now = self._clock()
        number, failed = offline_check(vat_number, now)
        if failed is not None:
            return failed
        country, local = number[:2], number[2:]
        if country == "GR":
            country = "EL"  # VIES uses EL for Greece
        try:
            response = await self._client.get(f"{self._base_url}/ms/{country}/vat/{local}")
        except httpx.TimeoutException:
            return self._unknown(number, country, "TIMEOUT", now)
        except httpx.HTTPError as exc:
            return self._unknown(number, country, f"NETWORK:{type(exc).__name__}", now)
        if response.status_code != 200:
            return self._unknown(number, country, f"HTTP_{response.status_code}", now)
        try:
            body = response.json()
        except ValueError:
            return self._unknown(number, country, "MALFORMED", now)
        if not isinstance(body, dict):
            return self._unknown(number, country, "MALFORMED", now)
        return _read(body, number, country, now)

    @staticmethod
    def _unknown(number: str, country: str, error: str, now: datetime) -> VatCheck:
        return VatCheck(number, VatState.UNKNOWN, country, error=error, checked_at=now)


def _read(body: dict[str, Any], number: str, country: str, now: datetime) -> VatCheck:
    is_valid = body.get("isValid")
    user_error = text(body.get("userError"))
    if is_valid is True and user_error in ("", "VALID"):
        state = VatState.VALID
    elif is_valid is False and user_error == "INVALID":
        state = VatState.INVALID
    else:
        state = VatState.UNKNOWN
    name, address = text(body.get("name")), text(body.get("address"))
    return VatCheck(
        vat_number=number,
        state=state,
        country_code=country,
        name=None if name in _UNDISCLOSED else name,
        address=None if address in _UNDISCLOSED else address,
        source=PROVIDER,
        error=None if state is VatState.VALID else (user_error or "NO_ANSWER"),
        request_identifier=text(body.get("requestIdentifier")) or None,
        checked_at=now,
    )


__all__ = ["ViesVatChecker", "offline_check"]
