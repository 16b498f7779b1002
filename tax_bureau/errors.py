"""Errors raised by tax-bureau adapters; the same shape as :mod:`registry.errors`::

    ProviderError                          kind         retry helps?
    └── TaxBureauError
        ├── InvalidTaxNumberError (ValueError)   input        no: fix the tax number
        ├── TaxpayerNotFoundError                not_found    no: no such taxpayer
        ├── TaxBureauUnavailableError            unavailable  yes, later (timeout, 5xx, rate
        │                                                     limited, malformed, unsupported)
        ├── TaxQuotaExhaustedError               quota        not today
        └── TaxCredentialsError                  credentials  no: fix the configuration

A tax source that cannot answer never makes a supplier invalid: it is
*unknown, retry later*.

>>> TaxBureauUnavailableError('qichacha Status 120', provider='qichacha').retryable
True
"""

from __future__ import annotations

from providers.errors import ErrorFamily, ProviderError, ProviderUnavailableBase, UnavailableReason


class TaxBureauError(ProviderError):
    """Base of every tax-bureau error."""


class InvalidTaxNumberError(TaxBureauError, ValueError):
    """The tax number cannot be asked (empty or malformed)."""

    kind = "input"
    hint = "a retry with the same number will not help"


class TaxpayerNotFoundError(TaxBureauError):
    """The source answered: it has no such taxpayer."""

    kind = "not_found"
    hint = "permanent: the source has no such taxpayer"


class TaxBureauUnavailableError(ProviderUnavailableBase, TaxBureauError):
    """The source gave no answer: unknown, retry later."""


class TaxQuotaExhaustedError(TaxBureauError):
    """The paid quota or daily limit is used up."""

    kind = "quota"
    hint = "no retry today; another provider or tomorrow may answer"


class TaxCredentialsError(TaxBureauError):
    """The credentials were refused."""

    kind = "credentials"
    hint = "a retry will not help until the credentials are fixed"


TAX_ERRORS = ErrorFamily(
    invalid_query=InvalidTaxNumberError,
    not_found=TaxpayerNotFoundError,
    unavailable=TaxBureauUnavailableError,
    quota=TaxQuotaExhaustedError,
    credentials=TaxCredentialsError,
)

__all__ = [
    "TAX_ERRORS",
    "InvalidTaxNumberError",
    "TaxBureauError",
    "TaxBureauUnavailableError",
    "TaxCredentialsError",
    "TaxQuotaExhaustedError",
    "TaxpayerNotFoundError",
    "UnavailableReason",
]
