"""A foreign supplier is verified through VIES (the recorded cassette): valid, invalid, no answer."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from portal.bootstrap import Services
from portal.domain.foreign_tax import parse
from portal.domain.supplier import Supplier
from portal.verification.verify import (
    SupplierVerification,
)
from portal.verification.view import verification_view
from registry.testing import FIXED_NOW
from tax_bureau.model import VatCheck, VatState
from tests.support.vies import verify_with_vies
from tests.verification.conftest import Authorities, store_suppliers
from verification.foreign import verify_foreign


def foreign(number: str, name: str = "Sarl Exemple Fictif") -> Supplier:
    return Supplier(uscc=None, name=name, foreign_tax_id=parse(number))


def verify(services: Services, authorities: Authorities, sid: str) -> SupplierVerification:
    return asyncio.run(
        verify_with_vies(services, sid, clock=authorities.clock, settings=authorities.settings)
    )


def test_a_valid_vat_number_with_the_same_name_validates_the_supplier(
    services: Services, authorities: Authorities
) -> None:
    [sid] = store_suppliers(services, foreign("FR40303265045"))
    done = verify(services, authorities, sid)
    assert (done.outcome, done.validated) == ("validated", True)
    with services.engine.connect() as conn:
        view = verification_view(conn, sid)
    assert {f["field"]: f["state"] for f in view["fields"]} == {
        "foreign_tax_id": "verified",
        "name": "verified",
    }
    assert view["vies"]["name"] == "SARL EXEMPLE FICTIF"
    assert view["vies"]["address"] == "1 RUE DE L'EXEMPLE\n75001 PARIS"


def test_another_name_at_vies_is_a_finding_and_not_validated(
    services: Services, authorities: Authorities
) -> None:
    [sid] = store_suppliers(services, foreign("FR40303265045", name="Autre Société SA"))
    done = verify(services, authorities, sid)
    assert not done.validated
    assert done.result is not None and done.result.codes == ("vat.name_mismatch",)
    [finding] = done.result.findings
    assert "SARL EXEMPLE FICTIF" in finding.message_en and "名称与欧盟 VIES" in finding.message_zh


def test_a_number_vies_calls_invalid_is_an_error(
    services: Services, authorities: Authorities
) -> None:
    [sid] = store_suppliers(services, foreign("NL004495445B01", name="Voorbeeld BV"))
    done = verify(services, authorities, sid)
    assert not done.validated and done.outcome == "findings"
    assert done.result is not None and done.result.codes == ("vat.invalid",)


def test_vies_down_is_unknown_and_retried_never_a_fail(
    services: Services, authorities: Authorities
) -> None:
    [sid] = store_suppliers(services, foreign("IT00010000016", name="Esempio SpA"))
    done = verify(services, authorities, sid)
    assert done.outcome == "unavailable" and not done.validated
    assert done.retry_at is not None and done.retry_at > FIXED_NOW
    assert done.result is not None
    assert [f.severity.value for f in done.result.findings] == ["info"]
    with services.engine.connect() as conn:
        view = verification_view(conn, sid)
    assert view["vies"]["state"] == "unknown" and view["vies"]["error"] == "MS_UNAVAILABLE"


def test_vies_down_keeps_a_supplier_validated_before() -> None:
    down = VatCheck("FR40303265045", VatState.UNKNOWN, "FR", error="MS_UNAVAILABLE")
    result = verify_foreign("Sarl Exemple Fictif", parse("FR40303265045"), down, today=date.today())
    assert result.needs_retry and {s.state.value for s in result.fields.values()} == {"unknown"}


@pytest.mark.parametrize("number", ["GB980780684", "us_ein:04-2103594"])
def test_a_scheme_without_a_register_is_only_format_checked(number: str) -> None:
    result = verify_foreign("Example Ltd", parse(number), None, today=date.today())
    assert result.codes == ("foreign.no_register",) and not result.needs_retry
    assert result.fields["foreign_tax_id"].state.value == "unknown"
