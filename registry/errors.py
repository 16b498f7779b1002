"""Errors raised by business-registry adapters and services.

Every error says whether trying again can help (``retryable``) and what kind
of failure it is (``kind``), so the resilience layer and the verification
service treat providers alike. The root, :class:`~providers.errors.ProviderError`,
and :class:`~providers.errors.UnavailableReason` come from the shared provider
toolkit (re-exported here); :mod:`tax_bureau` has a tree of the same shape::

    ProviderError                      kind         retry helps?
    └── RegistryError
        ├── InvalidQueryError (ValueError)   input        no: fix the query
        ├── CompanyNotFoundError             not_found    no: the registry has no such company
        ├── ProviderUnavailableError         unavailable  yes, later (timeout, 5xx, rate
        │                                                 limited, malformed body, busy)
        ├── QuotaExhaustedError              quota        not today: the paid quota is used up
        └── InvalidCredentialsError          credentials  no: fix the key, secret or IP whitelist

A provider that is down, out of quota or misconfigured never means that a
company is invalid: those errors mean *unknown, retry later*. Only
:class:`CompanyNotFoundError` is an answer about the company.

>>> err = ProviderUnavailableError('qichacha did not answer within 10 s',
...                                provider='qichacha', reason=UnavailableReason.TIMEOUT)
>>> err.retryable, err.kind, str(err)
(True, 'unavailable', 'qichacha did not answer within 10 s (a retry later may help)')
>>> CompanyNotFoundError('no company 91310115MA1H7GXX4A').retryable
False
"""

from __future__ import annotations

from providers.errors import (
    ErrorContext,
    ErrorFamily,
    ProviderError,
    ProviderUnavailableBase,
    UnavailableReason,
)


class RegistryError(ProviderError):
    """Base of every business-registry error."""


class InvalidQueryError(RegistryError, ValueError):
    """The query cannot be asked (empty, malformed credit code, too short, ambiguous)."""

    kind = "input"
    hint = "a retry with the same query will not help"


class CompanyNotFoundError(RegistryError):
    """The registry answered: there is no such company."""

    kind = "not_found"
    hint = "permanent: the registry has no such company"


class ProviderUnavailableError(ProviderUnavailableBase, RegistryError):
    """The provider gave no answer (timeout, 5xx, rate limit, malformed body): unknown."""


class QuotaExhaustedError(RegistryError):
    """The account's paid quota or daily limit is used up."""

    kind = "quota"
    hint = "no retry today; another provider or tomorrow may answer"


class InvalidCredentialsError(RegistryError):
    """The key, secret, signature or IP whitelist was refused."""

    kind = "credentials"
    hint = "a retry will not help until the credentials are fixed"


REGISTRY_ERRORS = ErrorFamily(
    invalid_query=InvalidQueryError,
    not_found=CompanyNotFoundError,
    unavailable=ProviderUnavailableError,
    quota=QuotaExhaustedError,
    credentials=InvalidCredentialsError,
)

__all__ = [
    "REGISTRY_ERRORS",
    "CompanyNotFoundError",
    "ErrorContext",
    "ErrorFamily",
    "InvalidCredentialsError",
    "InvalidQueryError",
    "ProviderError",
    "ProviderUnavailableBase",
    "ProviderUnavailableError",
    "QuotaExhaustedError",
    "RegistryError",
    "UnavailableReason",
]
