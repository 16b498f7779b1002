"""Suppliers stored in the test database, and fake authorities that know them."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from portal.bootstrap import Services
from portal.domain.supplier import (
    BankAccount,
    Contact,
    InvoicingProfile,
    LifecycleState,
    Supplier,
)
from portal.onboarding.registration import register_suppliers
from portal.verification.wiring import VerificationSettings, VerificationWiring
from providers.dates import today_in_china
from registry.fakes import InMemoryBusinessRegistry
from registry.model import EnterpriseRecord
from registry.testing import FIXED_NOW, KNOWN, TestClock, company
from tax_bureau.fakes import InMemoryTaxBureau
from tax_bureau.model import InvoicingDetails, TaxpayerQualification, TaxpayerStatus, TaxStatus

TODAY = today_in_china(FIXED_NOW)


def registered(name: str = KNOWN, **changes: object) -> EnterpriseRecord:
    """The registry's record of a demo company, with changes."""
    return dataclasses.replace(company(name).record, **changes)  # type: ignore[arg-type]


def invoicing_of(name: str = KNOWN) -> InvoicingDetails:
    inv = company(name).invoicing
    return InvoicingDetails(
        title=inv["title"], tax_number=inv["tax_number"], address=inv["address"],
        phone=inv["phone"], bank_name=inv["bank"], bank_account=inv["account"],
    )  # fmt: skip


def taxpayer(name: str = KNOWN, status: TaxStatus = TaxStatus.NORMAL) -> TaxpayerStatus:
    return TaxpayerStatus(
        tax_number=company(name).record.uscc,
        qualification=TaxpayerQualification.GENERAL,
        status=status,
        abnormal_since=date(2026, 10, 1) if status is TaxStatus.ABNORMAL else None,
    )


def typed(of: str = KNOWN, **changes: object) -> Supplier:
    """The supplier as typed: exactly the registry's data unless ``changes`` say otherwise."""
    c = company(of)
    inv = c.invoicing
    supplier = Supplier(
        uscc=c.record.uscc,
        name=c.record.name,
        legal_representative=c.record.legal_representative,
        term_from=c.record.term_from,
        term_to=c.record.term_to,
        lifecycle_state=LifecycleState.ACTIVE,
        bank_accounts=(
            BankAccount(bank_name=inv["bank"], account_number=inv["account"],
                        holder_name=c.record.name, is_default=True),
        ),
        invoicing_profile=InvoicingProfile(
            title=inv["title"], tax_number=inv["tax_number"], address=inv["address"],
            phone=inv["phone"], bank_name=inv["bank"], account_number=inv["account"],
        ),
        contacts=(Contact(name="张三", email="sales@example.cn"),),
    )  # fmt: skip
    return dataclasses.replace(supplier, **changes)  # type: ignore[arg-type]


def store_suppliers(
    services: Services, *suppliers: Supplier, now: datetime = FIXED_NOW
) -> list[str]:
    outcomes = register_suppliers(
        services.engine, services.suppliers, [(i, s, []) for i, s in enumerate(suppliers)], now=now
    )
    ids = [o.supplier_id for o in outcomes]
    assert all(ids), [o.findings for o in outcomes]
    return [i for i in ids if i]


class Authorities:
    """A fake registry and tax bureau, a hand-moved clock, and a wiring over them.

    The tax port delegates to an :class:`InMemoryTaxBureau` rebuilt whenever a company
    is added, since that fake takes its answers at construction.
    """

    def __init__(self) -> None:
        self.clock = TestClock()
        self.registry = InMemoryBusinessRegistry(provider="fake", clock=self.clock)
        self._invoicing: dict[str, InvoicingDetails] = {}
        self._statuses: dict[str, TaxpayerStatus] = {}
        self.tax = InMemoryTaxBureau(provider="fake", clock=self.clock)
        self.settings = VerificationSettings(mode="demo", cadence_days=30, calls_per_minute=600)
        self.wiring = VerificationWiring.fixed(self.registry, self, self.settings, clock=self.clock)

    def know(
        self,
        record: EnterpriseRecord,
        status: TaxStatus = TaxStatus.NORMAL,
        invoicing: InvoicingDetails | None = None,
    ) -> None:
        self.registry.add(record)
        self._statuses[record.uscc] = dataclasses.replace(
            taxpayer(record.name, status), tax_number=record.uscc
        )
        inv = invoicing or invoicing_of(record.name)
        self._invoicing[inv.tax_number] = inv
        self.tax = InMemoryTaxBureau(
            self._invoicing.values(), self._statuses.values(), provider="fake", clock=self.clock
        )

    async def invoicing_details(self, tax_number: str) -> InvoicingDetails:
        return await self.tax.invoicing_details(tax_number)

    async def taxpayer_status(self, tax_number: str) -> TaxpayerStatus:
        return await self.tax.taxpayer_status(tax_number)


@pytest.fixture
def authorities() -> Authorities:
    return Authorities()


def days(n: int) -> timedelta:
    return timedelta(days=n)
