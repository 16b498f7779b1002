"""Verification of a supplier, field by field, against registry, tax bureau and OCR."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from portal.domain.findings import Severity
from registry.adapters.demo import DemoBusinessRegistry
from registry.errors import ProviderUnavailableError
from registry.fakes import InMemoryBusinessRegistry
from registry.model import EnterpriseRecord
from registry.testing import (
    DEREGISTERED,
    EXPIRING,
    FIXED_NOW,
    FORMER_NAMES,
    KNOWN,
    REVOKED,
    SMALL_SCALE,
    TAX_ABNORMAL,
    TestClock,
    company,
)
from tax_bureau.adapters.demo import DemoTaxBureau
from tax_bureau.fakes import InMemoryTaxBureau
from tax_bureau.model import InvoicingDetails, TaxpayerQualification, TaxpayerStatus, TaxStatus
from verification import (
    InvoicingProfile,
    OcrClaims,
    RegistryUnavailable,
    SourceUnavailable,
    State,
    SupplierClaims,
    TaxFacts,
    VerificationService,
    verify_supplier,
)

TODAY = date(2026, 11, 26)


def registered(**changes: object) -> EnterpriseRecord:
    record = dataclasses.replace(
        company(KNOWN).record, request_id="ECI2026112610000001", fetched_at=FIXED_NOW
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def invoicing_on_record() -> InvoicingDetails:
    inv = company(KNOWN).invoicing
    return InvoicingDetails(
        title=inv["title"], tax_number=inv["tax_number"], address=inv["address"],
        phone=inv["phone"], bank_name=inv["bank"], bank_account=inv["account"],
        provider="qichacha", request_id="ENTERPRISEINFO2026", fetched_at=FIXED_NOW,
    )  # fmt: skip


def typed_invoicing() -> InvoicingProfile:
    inv = company(KNOWN).invoicing
    return InvoicingProfile(
        title=inv["title"], tax_number=inv["tax_number"], address=inv["address"],
        phone=inv["phone"], bank_name=inv["bank"], bank_account=inv["account"],
    )  # fmt: skip


def normal_taxpayer() -> TaxpayerStatus:
    return TaxpayerStatus(
        tax_number=company(KNOWN).record.uscc,
        qualification=TaxpayerQualification.GENERAL,
        status=TaxStatus.NORMAL,
        provider="qichacha",
        request_id="ENTERPRISEINFO2026",
        fetched_at=FIXED_NOW,
    )


def claims(**changes: object) -> SupplierClaims:
    known = company(KNOWN).record
    base = SupplierClaims(
        name=known.name,
        uscc=known.uscc,
        legal_representative=known.legal_representative,
        business_term_open_ended=True,
        invoicing=typed_invoicing(),
        bank_account_holders=(known.name,),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_truncated_name_new_legal_rep_and_licence_ending_in_20_days_are_the_only_findings() -> None:
    term_end = TODAY + timedelta(days=20)
    record = registered(legal_representative="周新", term_to=term_end)
    typed = claims(
        name="上海澜川智能科技",  # registered: 上海澜川智能科技有限公司
        legal_representative="陈思远",  # the registry now says 周新
        business_term_open_ended=False,
        business_term_end=term_end,
    )
    result = verify_supplier(
        typed,
        registry_record=record,
        tax=TaxFacts(normal_taxpayer(), invoicing_on_record()),
        ocr=None,
        today=TODAY,
    )
    assert sorted(result.codes) == ["legal_rep.mismatch", "licence.expiring", "name.truncated"]
    by_code = {f.code: f for f in result.findings}
    truncated = by_code["name.truncated"]
    assert truncated.field_name == "name" and truncated.severity is Severity.WARNING
    assert truncated.source == "registry"
    assert truncated.request_id == "ECI2026112610000001" and truncated.observed_at == FIXED_NOW
    assert truncated.evidence["registered"] == "上海澜川智能科技有限公司"
    assert by_code["legal_rep.mismatch"].evidence["registered"] == "周新"
    expiring = by_code["licence.expiring"]
    assert expiring.evidence["days_left"] == "20" and expiring.severity is Severity.ERROR
    assert result.fields["name"].state is State.MISMATCH
    assert result.fields["legal_representative"].state is State.MISMATCH
    assert result.fields["licence_validity"].state is State.VERIFIED
    assert result.fields["uscc"].state is State.VERIFIED
    assert result.fields["uscc"].against == "registry:demo"
    assert result.fields["invoicing.bank_account"].state is State.VERIFIED
    assert result.fields["tax_status"].state is State.VERIFIED
    assert not result.needs_retry


def test_a_supplier_that_matches_everything_has_no_findings_and_every_field_verified() -> None:
    result = verify_supplier(
        claims(),
        registry_record=registered(),
        tax=TaxFacts(normal_taxpayer(), invoicing_on_record()),
        today=TODAY,
    )
    assert result.findings == ()
    assert {s.state for s in result.fields.values()} == {State.VERIFIED}
    assert result.fields["invoicing.title"].against == "tax_bureau:qichacha"


def test_an_unavailable_registry_leaves_fields_unknown_and_never_a_mismatch() -> None:
    down = RegistryUnavailable(
        "registry", "no provider could answer", FIXED_NOW, timedelta(minutes=5)
    )
    result = verify_supplier(
        claims(name="完全不同的名字", legal_representative="王五"),
        registry_record=down,
        tax=SourceUnavailable("tax_bureau", "qichacha timed out", FIXED_NOW),
        today=TODAY,
    )
    assert result.codes == ("registry.unavailable", "tax.unavailable")
    assert all(f.severity is Severity.INFO for f in result.findings)
    assert {s.state for s in result.fields.values()} == {State.UNKNOWN}
    assert result.needs_retry and result.retry_after == timedelta(minutes=5)


def test_an_unregistered_credit_code_is_not_found() -> None:
    result = verify_supplier(claims(), registry_record=None, today=TODAY)
    assert result.codes == ("registry.not_found",)
    assert result.fields["uscc"].state is State.MISMATCH


@pytest.mark.parametrize(
    ("name", "severity"), [(DEREGISTERED, Severity.ERROR), (REVOKED, Severity.ERROR)]
)
def test_deregistered_and_revoked_companies_are_inactive(name: str, severity: Severity) -> None:
    record = company(name).record
    typed = SupplierClaims(name=record.name, uscc=record.uscc)
    result = verify_supplier(typed, registry_record=record, today=TODAY)
    assert "status.inactive" in result.codes
    assert next(f for f in result.findings if f.code == "status.inactive").severity is severity
    assert result.fields["registration_status"].state is State.MISMATCH


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (120, None),
        (90, Severity.INFO),
        (61, Severity.INFO),
        (60, Severity.WARNING),
        (31, Severity.WARNING),
        (30, Severity.ERROR),
        (0, Severity.ERROR),
    ],
)
def test_licence_expiry_severity_rises_at_90_60_and_30_days(
    days: int, expected: Severity | None
) -> None:
    record = registered(term_to=TODAY + timedelta(days=days))
    result = verify_supplier(
        SupplierClaims(name=record.name, uscc=record.uscc), registry_record=record, today=TODAY
    )
    found = [f for f in result.findings if f.code == "licence.expiring"]
    assert [f.severity for f in found] == ([expected] if expected else [])


def test_a_licence_past_its_term_is_expired() -> None:
    record = registered(term_to=TODAY - timedelta(days=1))
    result = verify_supplier(
        SupplierClaims(name=record.name, uscc=record.uscc), registry_record=record, today=TODAY
    )
    assert result.codes == ("licence.expired",)
    assert result.fields["licence_validity"].state is State.MISMATCH


def test_a_former_name_is_a_mismatch_that_says_so() -> None:
    record = company(FORMER_NAMES).record
    typed = SupplierClaims(name="厦门鹭岛塑胶制品有限公司", uscc=record.uscc)
    result = verify_supplier(typed, registry_record=record, today=TODAY)
    assert result.codes == ("name.mismatch",)
    assert result.findings[0].evidence["former_name"] == "厦门鹭岛塑胶制品有限公司"


def test_a_different_name_is_a_mismatch_not_a_truncation() -> None:
    result = verify_supplier(
        claims(name="上海澜山智能科技有限公司"), registry_record=registered(), today=TODAY
    )
    assert result.codes == ("name.mismatch",)


def test_each_differing_invoicing_element_is_its_own_finding() -> None:
    typed = dataclasses.replace(
        typed_invoicing(), phone="021-00000000", bank_account="6222000011112222"
    )
    result = verify_supplier(
        claims(invoicing=typed),
        registry_record=registered(),
        tax=TaxFacts(normal_taxpayer(), invoicing_on_record()),
        today=TODAY,
    )
    assert result.codes == ("invoicing.mismatch", "invoicing.mismatch")
    assert {f.field_name for f in result.findings} == {"invoicing.phone", "invoicing.bank_account"}
    assert result.fields["invoicing.address"].state is State.VERIFIED


def test_a_masked_account_on_record_is_compared_by_its_visible_tail() -> None:
    typed = typed_invoicing()
    masked = dataclasses.replace(
        invoicing_on_record(), bank_account="****" + typed.bank_account[-4:]
    )
    result = verify_supplier(
        claims(), registry_record=registered(), tax=TaxFacts(None, masked), today=TODAY
    )
    assert result.fields["invoicing.bank_account"].state is State.VERIFIED


def test_a_bank_account_held_by_someone_else_is_flagged() -> None:
    result = verify_supplier(
        claims(bank_account_holders=(company(KNOWN).record.name, "陈思远")),
        registry_record=registered(),
        today=TODAY,
    )
    assert result.codes == ("bank_account.holder_mismatch",)
    assert result.findings[0].field_name == "bank_accounts[1].holder"


def test_an_abnormal_taxpayer_is_flagged_with_the_office_and_date() -> None:
    status = dataclasses.replace(
        normal_taxpayer(),
        status=TaxStatus.ABNORMAL,
        abnormal_since=date(2026, 6, 18),
        abnormal_office="重庆市渝北区税务局",
    )
    result = verify_supplier(
        claims(invoicing=None), registry_record=registered(), tax=TaxFacts(status), today=TODAY
    )
    assert result.codes == ("tax.abnormal",)
    assert "2026-06-18" in result.findings[0].message_en
    assert result.fields["tax_status"].state is State.MISMATCH


def test_the_licence_ocr_is_compared_with_the_registry_too() -> None:
    result = verify_supplier(
        claims(),
        registry_record=registered(),
        ocr=OcrClaims(name="上海澜川智能科技有限公司", legal_representative="李四"),
        today=TODAY,
    )
    assert result.codes == ("legal_rep.mismatch",)
    assert result.findings[0].evidence["ocr"] == "李四"
    assert result.fields["legal_representative"].state is State.VERIFIED  # typed is right


def test_findings_carry_messages_in_both_languages() -> None:
    result = verify_supplier(
        claims(name="上海澜川智能科技"), registry_record=registered(), today=TODAY
    )
    assert result.findings[0].message_zh.startswith("企业名称不完整")
    assert result.as_dict()["fields"]["name"]["state"] == "mismatch"  # type: ignore[index]


# --- the orchestrating service -------------------------------------------------------------


def demo_service() -> VerificationService:
    clock = TestClock()
    return VerificationService(DemoBusinessRegistry(clock=clock), DemoTaxBureau(clock=clock), clock)


def demo_claims(name: str) -> SupplierClaims:
    c = company(name)
    inv = c.invoicing
    return SupplierClaims(
        name=c.record.name,
        uscc=c.record.uscc,
        legal_representative=c.record.legal_representative,
        business_term_end=c.record.term_to,
        business_term_open_ended=c.record.term_to is None,
        invoicing=InvoicingProfile(
            inv["title"],
            inv["tax_number"],
            inv["address"],
            inv["phone"],
            inv["bank"],
            inv["account"],
        ),
        bank_account_holders=(c.record.name,),
    )


async def test_the_service_verifies_a_demo_supplier_field_by_field() -> None:
    result = await demo_service().verify(demo_claims(KNOWN))
    assert result.findings == ()
    assert result.fields["name"].against == "registry:demo"
    assert result.fields["name"].checked_at == FIXED_NOW
    assert result.fields["invoicing.bank_name"].state is State.VERIFIED


@pytest.mark.parametrize(
    ("name", "code"),
    [
        (EXPIRING, "licence.expiring"),
        (TAX_ABNORMAL, "tax.abnormal"),
        (DEREGISTERED, "status.inactive"),
        (REVOKED, "status.inactive"),
        (SMALL_SCALE, "licence.expiring"),
    ],
)
async def test_the_demo_data_set_shows_each_kind_of_finding(name: str, code: str) -> None:
    result = await demo_service().verify(demo_claims(name))
    assert code in result.codes


async def test_the_service_reports_an_unavailable_registry_as_unknown() -> None:
    clock = TestClock()
    broken = InMemoryBusinessRegistry(clock=clock)
    broken.fail_next(ProviderUnavailableError("qichacha did not answer", provider="qichacha"))
    service = VerificationService(broken, InMemoryTaxBureau(clock=clock), clock)
    result = await service.verify(demo_claims(KNOWN))
    assert result.codes == ("registry.unavailable",)
    assert State.MISMATCH not in {s.state for s in result.fields.values()}


async def test_autofill_marks_every_value_with_its_authority() -> None:
    filled = await demo_service().autofill(company(KNOWN).record.uscc)
    assert filled["name"].value == KNOWN and filled["name"].source == "registry"
    assert filled["legal_representative"].value == "陈思远"
    assert filled["address"].provider == "demo"
    assert filled["invoicing.bank_account"].source == "tax_bureau"
    assert filled["taxpayer_qualification"].value == "一般纳税人"
    assert filled["name"].fetched_at == FIXED_NOW and filled["name"].request_id
