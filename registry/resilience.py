"""The registry port over providers in fallback order (see :mod:`providers.resilience`)."""

from __future__ import annotations

import asyncio
import random as _random
from collections.abc import Callable, Sequence

from providers.cache import LookupCache
from providers.dates import utc_now
from providers.observer import NO_OBSERVER, ProviderCallObserver
from providers.quota import InMemoryQuotaBook, QuotaBook
from providers.resilience import Clock, Failover, ResiliencePolicy, Sleep
from registry.errors import REGISTRY_ERRORS
from registry.model import EnterpriseRecord, ThreeElementResult, parse_query
from registry.ports import BusinessRegistry


class ResilientBusinessRegistry:
    """:class:`~registry.ports.BusinessRegistry` over providers in fallback order."""

    def __init__(
        self,
        providers: Sequence[tuple[str, BusinessRegistry]],
        *,
        policy: ResiliencePolicy | None = None,
        cache: LookupCache | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        quota: QuotaBook | None = None,
        observer: ProviderCallObserver = NO_OBSERVER,
    ) -> None:
        self.failover: Failover[BusinessRegistry] = Failover(
            providers,
            REGISTRY_ERRORS,
            policy or ResiliencePolicy(),
            cache,
            clock,
            sleep,
            random,
            quota=quota or InMemoryQuotaBook(),
            observer=observer,
            service="registry",
        )

    async def lookup(self, uscc_or_name: str) -> EnterpriseRecord:
        query = parse_query(uscc_or_name)
        return await self.failover.call(
            f"registry.lookup:{query.cache_key}", lambda p: p.lookup(query.value)
        )

    async def verify_three_elements(
        self, uscc: str, name: str, legal_rep: str
    ) -> ThreeElementResult:
        code = parse_query(uscc).value
        person = "".join(legal_rep.split())
        key = f"registry.three:{code}:{parse_query(name).value}:{person}"
        return await self.failover.call(
            key, lambda p: p.verify_three_elements(code, name, legal_rep)
        )


__all__ = ["ResilientBusinessRegistry"]
