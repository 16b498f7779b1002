"""The toolkit every provider adapter shares (registry, tax bureau): HTTP, errors, resilience.

``registry`` and ``tax_bureau`` both build on this package and never on each other:

- :mod:`providers.errors`: :class:`ProviderError`, :class:`ErrorFamily`, :class:`UnavailableReason`;
- :mod:`providers.http`: send a GET and translate every transport failure;
- :mod:`providers.qichacha`, :mod:`providers.tianyancha`: signing and envelopes of 企查查 / 天眼查;
- :mod:`providers.resilience`: :class:`Failover` (timeouts, retries, circuit breaker, fallback);
- :mod:`providers.cache`: :class:`LookupCache` and its in-memory implementation;
- :mod:`providers.quota`: :class:`TokenBucket` (a :class:`CallPacer`), :class:`QuotaBook`;
- :mod:`providers.redis_state`: the cache, quota book and pacer shared in Redis;
- :mod:`providers.observer`: :class:`ProviderCallObserver`, the port every call is reported to;
- :mod:`providers.codec`: provider answers as tagged JSON (the shared cache's format);
- :mod:`providers.dates`: provider date quirks, China's calendar day;
- :mod:`providers.settings`: provider credentials;
- :mod:`providers.demo`: the fictional demo data set both demo adapters serve.

It imports nothing of ours but :mod:`portal.domain`.
"""

from providers.cache import CachedNotFound, InMemoryLookupCache, LookupCache
from providers.codec import ValueCodec
from providers.errors import ErrorContext, ErrorFamily, ProviderError, UnavailableReason
from providers.observer import ProviderCallObserver, RecordingObserver
from providers.quota import CallPacer, InMemoryQuotaBook, QuotaBook, TokenBucket
from providers.resilience import CircuitBreaker, Failover, ResiliencePolicy
from providers.settings import (
    QichachaCredentials,
    QixinCredentials,
    RegistrySettings,
    TianyanchaCredentials,
)

__all__ = [
    "CachedNotFound",
    "CallPacer",
    "CircuitBreaker",
    "ErrorContext",
    "ErrorFamily",
    "Failover",
    "InMemoryLookupCache",
    "InMemoryQuotaBook",
    "LookupCache",
    "ProviderCallObserver",
    "ProviderError",
    "QichachaCredentials",
    "QixinCredentials",
    "QuotaBook",
    "RecordingObserver",
    "RegistrySettings",
    "ResiliencePolicy",
    "TianyanchaCredentials",
    "TokenBucket",
    "UnavailableReason",
    "ValueCodec",
]
