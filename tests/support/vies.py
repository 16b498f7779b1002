"""Verifying a stored foreign supplier with the real VIES adapter replaying the recorded
cassette (tests/tax_bureau/cassettes/vies.yaml, built from the reference's VIES shapes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from portal.audit.log import AuditLog
from portal.bootstrap import Services
from portal.verification.verify import SupplierVerification, VerificationDeps, verify_supplier_now
from portal.verification.wiring import VerificationPorts, VerificationSettings
from registry.fakes import InMemoryBusinessRegistry
from tax_bureau.adapters.vies import ViesVatChecker
from tax_bureau.fakes import InMemoryTaxBureau
from tests.support.cassettes import use_cassette

VIES_CASSETTE = Path(__file__).parents[1] / "tax_bureau" / "cassettes" / "vies.yaml"


async def verify_with_vies(
    services: Services,
    supplier_id: str,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    settings: VerificationSettings | None = None,
) -> SupplierVerification:
    """One verification of ``supplier_id``; the Chinese sources are empty fakes (a foreign
    supplier never reaches them)."""
    with use_cassette(VIES_CASSETTE):
        async with httpx.AsyncClient() as http:
            ports = VerificationPorts(
                InMemoryBusinessRegistry(clock=clock),
                InMemoryTaxBureau(clock=clock),
                ("fake",),
                vat=ViesVatChecker(http, clock=clock),
            )
            deps = VerificationDeps(
                services.suppliers,
                AuditLog(services.sealer),
                ports,
                settings or VerificationSettings(mode="demo"),
            )
            return await verify_supplier_now(services.engine, deps, supplier_id, now=clock())
