"""The error root every provider adapter shares, and the family each package binds.

Every error says whether trying again can help (``retryable``) and what kind
of failure it is (``kind``), so the resilience layer and the verification
treat providers alike. :mod:`registry` and :mod:`tax_bureau` each subclass
:class:`ProviderError` into a tree of the same shape and bind it in an
:class:`ErrorFamily`::

    ProviderError                      kind         retry helps?
    ├── RegistryError (registry)       ...
    └── TaxBureauError (tax_bureau)    ...
        <Package>InvalidQuery (ValueError)   input        no: fix the query
        <Package>NotFound                    not_found    no: the source has no such entry
        <Package>Unavailable                 unavailable  yes, later (timeout, 5xx, rate
          (ProviderUnavailableBase)                       limited, malformed body, busy)
        <Package>QuotaExhausted              quota        not today: the paid quota is used up
        <Package>Credentials                 credentials  no: fix the key, secret or whitelist

A provider that is down, out of quota or misconfigured never means that a
company is invalid: those errors mean *unknown, retry later*.

>>> err = ProviderUnavailableBase('qichacha did not answer within 10 s',
...                               provider='qichacha', reason=UnavailableReason.TIMEOUT)
>>> err.retryable, err.kind, str(err)
(True, 'unavailable', 'qichacha did not answer within 10 s (a retry later may help)')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar, TypedDict


class ErrorContext(TypedDict, total=False):
    """Keyword arguments shared by every error: who answered, with which id and code."""

    provider: str | None
    request_id: str | None
    provider_code: str | None


class UnavailableReason(StrEnum):
    """Why a provider gave no answer."""

    TIMEOUT = "timeout"
    NETWORK = "network"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    MALFORMED = "malformed"
    BUSY = "busy"
    UNSUPPORTED = "unsupported"
    UNEXPECTED = "unexpected"
    ALL_PROVIDERS_FAILED = "all_providers_failed"


class ProviderError(Exception):
    """Base of registry and tax-bureau errors; see the module docstring."""

    kind: ClassVar[str] = "unexpected"
    retryable: ClassVar[bool] = False
    hint: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        request_id: str | None = None,
        provider_code: str | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        text = f"{message} ({self.hint})" if self.hint else message
        super().__init__(text)
        self.provider = provider
        self.request_id = request_id
        self.provider_code = provider_code
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        """Whether repeating the same call can never give another answer."""
        return self.kind in ("input", "not_found")


class ProviderUnavailableBase(ProviderError):
    """Shared behaviour of the "no answer, retry later" errors of each package."""

    kind = "unavailable"
    retryable = True
    hint = "a retry later may help"

    def __init__(
        self,
        message: str,
        *,
        reason: UnavailableReason = UnavailableReason.UNEXPECTED,
        provider: str | None = None,
        request_id: str | None = None,
        provider_code: str | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            request_id=request_id,
            provider_code=provider_code,
            retry_after=retry_after,
        )
        self.reason = reason


@dataclass(frozen=True)
class ErrorFamily:
    """The concrete error classes a package raises for each kind of failure.

    Shared adapter code (envelope translation, the resilience wrapper) builds
    errors through a family so that :mod:`registry` raises ``RegistryError``
    and :mod:`tax_bureau` raises ``TaxBureauError`` from the same code.
    """

    invalid_query: type[ProviderError]
    not_found: type[ProviderError]
    unavailable: type[ProviderUnavailableBase]
    quota: type[ProviderError]
    credentials: type[ProviderError]


__all__ = [
    "ErrorContext",
    "ErrorFamily",
    "ProviderError",
    "ProviderUnavailableBase",
    "UnavailableReason",
]
