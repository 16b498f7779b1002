"""Ask the registry and the tax bureau, then compare (:func:`~verification.rules.verify_supplier`).

:meth:`VerificationService.ask` returns the sources' raw answers
(:class:`~verification.model.Answers`), so a caller that keeps them (the stored
supplier's status, alerts) needs no second call; :meth:`VerificationService.verify`
asks and compares. It also auto-fills a supplier form from a credit code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from portal.domain.status import TaxpayerQualification
from providers.dates import today_in_china, utc_now
from registry.errors import CompanyNotFoundError, InvalidQueryError, RegistryError
from registry.model import EnterpriseRecord
from registry.ports import BusinessRegistry
from tax_bureau.errors import TaxBureauError, TaxpayerNotFoundError
from tax_bureau.model import InvoicingDetails, TaxpayerStatus
from tax_bureau.ports import TaxBureau
from verification.model import (
    Answers,
    AutofilledValue,
    OcrClaims,
    SourceUnavailable,
    SupplierClaims,
    TaxFacts,
    VerificationResult,
)
from verification.rules import shown, verify_supplier

_T = TypeVar("_T")


class VerificationService:
    """Asks the registry and the tax bureau, then compares (see :func:`verify_supplier`).

    Pass the resilient wrappers in production: a provider that is down then
    yields *unknown, retry later* here, never a mismatch.
    """

    def __init__(
        self,
        registry: BusinessRegistry,
        tax: TaxBureau,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._registry = registry
        self._tax = tax
        self._clock = clock

    async def _record(self, code: str) -> EnterpriseRecord | SourceUnavailable | None:
        try:
            return await self._registry.lookup(code)
        except (CompanyNotFoundError, InvalidQueryError):
            return None  # an unregistrable code is as good as not registered
        except RegistryError as exc:
            return SourceUnavailable("registry", str(exc), self._clock(), exc.retry_after)

    async def _tax_part(
        self, operation: Callable[[], Awaitable[_T]]
    ) -> _T | SourceUnavailable | None:
        try:
            return await operation()
        except TaxpayerNotFoundError:
            return None
        except TaxBureauError as exc:
            if exc.kind == "input":
                return None
            return SourceUnavailable("tax_bureau", str(exc), self._clock(), exc.retry_after)

    async def ask(self, claims: SupplierClaims) -> Answers:
        """What the registry and the tax bureau say about these claims now (no comparison)."""
        tax_number = (claims.invoicing.tax_number if claims.invoicing else "") or claims.uscc
        record, status, invoicing = await asyncio.gather(
            self._record(claims.uscc),
            self._tax_part(lambda: self._tax.taxpayer_status(tax_number)),
            self._tax_part(lambda: self._tax.invoicing_details(tax_number)),
        )
        return Answers(record, TaxFacts(status, invoicing))

    async def verify(
        self, claims: SupplierClaims, ocr: OcrClaims | None = None
    ) -> VerificationResult:
        """Verify a supplier's claims now."""
        answers = await self.ask(claims)
        return verify_supplier(
            claims,
            registry_record=answers.registry,
            tax=answers.tax,
            ocr=ocr,
            today=today_in_china(self._clock()),
        )

    async def autofill(self, uscc_code: str) -> dict[str, AutofilledValue]:
        """Fields for a supplier form from a credit code, each marked with its source.

        Raises ``CompanyNotFoundError`` or ``ProviderUnavailableError`` when the
        registry cannot give the company; tax fields are left out when the tax
        source cannot answer.
        """
        record = await self._registry.lookup(uscc_code)
        filled: dict[str, AutofilledValue] = {}

        def put(name: str, value: str, source: str, provider: str, rid: str | None,
                at: datetime | None) -> None:  # fmt: skip
            if value:
                filled[name] = AutofilledValue(value, source, provider, rid, at)

        reg = ("registry", record.provider, record.request_id, record.fetched_at)
        put("name", record.name, *reg)
        put("uscc", record.uscc, *reg)
        put("legal_representative", record.legal_representative, *reg)
        put("address", record.address, *reg)
        put("registration_status", record.status.value, *reg)
        put("business_term_end", shown(record.term_to), *reg)
        invoicing = await self._tax_part(lambda: self._tax.invoicing_details(record.uscc))
        if isinstance(invoicing, InvoicingDetails):
            tax = ("tax_bureau", invoicing.provider, invoicing.request_id, invoicing.fetched_at)
            for element, value in invoicing.elements().items():
                put(f"invoicing.{element}", value, *tax)
        status = await self._tax_part(lambda: self._tax.taxpayer_status(record.uscc))
        known = isinstance(status, TaxpayerStatus) and (
            status.qualification is not TaxpayerQualification.UNKNOWN
        )
        if isinstance(status, TaxpayerStatus) and known:
            tax = ("tax_bureau", status.provider, status.request_id, status.fetched_at)
            put("taxpayer_qualification", status.qualification.value, *tax)
        return filled


__all__ = ["VerificationService"]
