"""The toolkit every provider adapter shares (registry, tax bureau): HTTP, errors, resilience.

``registry`` and ``tax_bureau`` both build on this package and never on each other:

- :mod:`providers.errors`: :class:`ProviderError`, :class:`ErrorFamily`, :class:`UnavailableReason`;
- :mod:`providers.http`: send a GET and translate every transport failure;
- :mod:`providers.qichacha`, :mod:`providers.tianyancha`: signing and envelopes of 企查查 / 天眼查;
- :mod:`providers.resilience`: :class:`Failover` (timeouts, retries, circuit breaker, fallback);
- :mod:`providers.cache`: :class:`LookupCache` and its in-memory implementation;
- :mod:`providers.quota`: :class:`TokenBucket`;
- :mod:`providers.dates`: provider date quirks, China's calendar day;
- :mod:`providers.settings`: provider credentials;
- :mod:`providers.demo`: the fictional demo data set both demo adapters serve.

It imports nothing of ours but :mod:`portal.domain`.
"""

from providers.cache import InMemoryLookupCache, LookupCache
from providers.errors import ErrorContext, ErrorFamily, ProviderError, UnavailableReason
from providers.quota import TokenBucket
from providers.resilience import CircuitBreaker, Failover, ResiliencePolicy
from providers.settings import (
    QichachaCredentials,
    QixinCredentials,
    RegistrySettings,
    TianyanchaCredentials,
)

__all__ = [
    "CircuitBreaker",
    "ErrorContext",
    "ErrorFamily",
    "Failover",
    "InMemoryLookupCache",
    "LookupCache",
    "ProviderError",
    "QichachaCredentials",
    "QixinCredentials",
    "RegistrySettings",
    "ResiliencePolicy",
    "TianyanchaCredentials",
    "TokenBucket",
    "UnavailableReason",
]
