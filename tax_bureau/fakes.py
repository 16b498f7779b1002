"""In-memory tax sources for tests, recording every call.

>>> import asyncio
>>> from tax_bureau.model import VatState
>>> vies = InMemoryVatNumberChecker(valid={'DE136695976': 'Beispiel GmbH'})
>>> asyncio.run(vies.check('DE 136 695 976')).state
<VatState.VALID: 'valid'>
>>> asyncio.run(vies.check('DE136695975')).source  # fails the checksum: no call needed
'format'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from providers.dates import utc_now
from tax_bureau.adapters.vies import offline_check
from tax_bureau.errors import TaxBureauError, TaxpayerNotFoundError
from tax_bureau.model import InvoicingDetails, TaxpayerStatus, VatCheck, VatState, parse_tax_number


class InMemoryTaxBureau:
    """Answers from the details and statuses it was given; ``fail_next`` queues errors."""

    def __init__(
        self,
        invoicing: Iterable[InvoicingDetails] = (),
        statuses: Iterable[TaxpayerStatus] = (),
        *,
        provider: str = "fake",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.provider = provider
        self._invoicing = {i.tax_number: i for i in invoicing}
        self._statuses = {s.tax_number: s for s in statuses}
        self._clock = clock
        self.calls: list[tuple[str, str]] = []
        self.failures: list[TaxBureauError] = []

    def fail_next(self, *errors: TaxBureauError) -> None:
        self.failures.extend(errors)

    def _before(self, operation: str, tax_number: str) -> str:
        self.calls.append((operation, tax_number))
        if self.failures:
            raise self.failures.pop(0)
        return parse_tax_number(tax_number)

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        number = self._before("invoicing_details", tax_number)
        if number not in self._invoicing:
            raise TaxpayerNotFoundError(f"no taxpayer {number}", provider=self.provider)
        return dataclasses.replace(
            self._invoicing[number],
            provider=self.provider,
            request_id=f"FAKETAX{len(self.calls):06d}",
            fetched_at=self._clock(),
        )

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        number = self._before("taxpayer_status", tax_number)
        if number not in self._statuses:
            raise TaxpayerNotFoundError(f"no taxpayer {number}", provider=self.provider)
        return dataclasses.replace(
            self._statuses[number],
            provider=self.provider,
            request_id=f"FAKETAX{len(self.calls):06d}",
            fetched_at=self._clock(),
        )


class InMemoryVatNumberChecker:
    """VIES stand-in: ``valid`` numbers (with names), ``invalid`` ones, the rest UNKNOWN."""

    def __init__(
        self,
        valid: Mapping[str, str] | None = None,
        invalid: Iterable[str] = (),
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._valid = dict(valid or {})
        self._invalid = set(invalid)
        self._clock = clock
        self.calls: list[str] = []

    async def check(self, vat_number: str) -> VatCheck:
        now = self._clock()
        number, failed = offline_check(vat_number, now)
        if failed is not None:
            return failed
        self.calls.append(number)
        country = "EL" if number[:2] == "GR" else number[:2]
        if number in self._valid:
            return VatCheck(number, VatState.VALID, country, self._valid[number], checked_at=now)
        if number in self._invalid:
            return VatCheck(number, VatState.INVALID, country, error="INVALID", checked_at=now)
        return VatCheck(number, VatState.UNKNOWN, country, error="MS_UNAVAILABLE", checked_at=now)


__all__ = ["InMemoryTaxBureau", "InMemoryVatNumberChecker"]
