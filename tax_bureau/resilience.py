"""The registry's resilience (timeouts, retries, breakers, fallback, cache, quota) for tax sources.

See :mod:`providers.resilience`; this module only binds :class:`~providers.resilience.Failover`
to the :class:`~tax_bureau.ports.TaxBureau` port and the tax-bureau error family. A provider
that does not support an operation (天眼查 has no 开票信息) is skipped without counting a failure.
"""

from __future__ import annotations

import asyncio
import random as _random
from collections.abc import Callable, Sequence

from providers.cache import LookupCache
from providers.dates import utc_now
from providers.observer import NO_OBSERVER, ProviderCallObserver
from providers.quota import InMemoryQuotaBook, QuotaBook
from providers.resilience import Clock, Failover, ResiliencePolicy, Sleep
from tax_bureau.errors import TAX_ERRORS
from tax_bureau.model import InvoicingDetails, TaxpayerStatus, parse_tax_number
from tax_bureau.ports import TaxBureau


class ResilientTaxBureau:
    """:class:`~tax_bureau.ports.TaxBureau` over providers in fallback order."""

    def __init__(
        self,
        providers: Sequence[tuple[str, TaxBureau]],
        *,
        policy: ResiliencePolicy | None = None,
        cache: LookupCache | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        quota: QuotaBook | None = None,
        observer: ProviderCallObserver = NO_OBSERVER,
    ) -> None:
        self.failover: Failover[TaxBureau] = Failover(
            providers,
            TAX_ERRORS,
            policy or ResiliencePolicy(),
            cache,
            clock,
            sleep,
            random,
            quota=quota or InMemoryQuotaBook(),
            observer=observer,
            service="tax",
        )

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        number = parse_tax_number(tax_number)
        return await self.failover.call(
            f"tax.invoicing:{number}", lambda p: p.invoicing_details(number)
        )

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        number = parse_tax_number(tax_number)
        return await self.failover.call(f"tax.status:{number}", lambda p: p.taxpayer_status(number))


__all__ = ["ResilientTaxBureau"]
