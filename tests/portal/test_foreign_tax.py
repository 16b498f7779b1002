"""A foreign supplier's tax number: what people type, what is kept, what is refused."""

from __future__ import annotations

import pytest

from portal.domain import foreign_tax
from portal.domain.errors import DomainValidationError, InvalidChecksum
from portal.domain.supplier_input import parse_supplier


def test_an_eu_vat_number_is_recognised_by_its_country_prefix() -> None:
    tax_id = foreign_tax.parse(" fr 40 303 265 045 ")
    assert (tax_id.scheme, tax_id.country, tax_id.number) == ("eu_vat", "FR", "FR40303265045")


def test_a_greek_vat_number_is_kept_under_el_but_its_country_is_greece() -> None:
    assert foreign_tax.parse("EL094259216").country == "GR"


@pytest.mark.parametrize(
    ("typed", "scheme", "number"),
    [
        ("GB980780684", "gb_vat", "GB980780684"),
        ("us_ein:04-2103594", "us_ein", "042103594"),
        ("jp_cn:5835678256246", "jp_cn", "5835678256246"),
        ("CHE-113.690.319 MWST", "eu_vat", None),  # not EU: needs its scheme named
    ],
)
def test_other_countries_numbers_are_checked_by_their_own_scheme(
    typed: str, scheme: str, number: str | None
) -> None:
    if number is None:
        assert not foreign_tax.is_valid(typed)
        assert foreign_tax.parse(typed, "ch_vat").scheme == "ch_vat"
        return
    tax_id = foreign_tax.parse(typed)
    assert (tax_id.scheme, tax_id.number) == (scheme, number)


def test_a_wrong_check_digit_is_refused_in_both_languages() -> None:
    with pytest.raises(InvalidChecksum) as refused:
        foreign_tax.parse("DE136695975")
    assert "not a valid EU VAT number: the check digit is wrong" in str(refused.value)
    assert "不是有效的欧盟增值税号" in refused.value.message_zh


def test_a_number_without_a_known_prefix_asks_for_its_scheme() -> None:
    with pytest.raises(DomainValidationError, match="name the scheme"):
        foreign_tax.parse("12-3456789")


def test_the_stored_key_reads_back_as_the_same_identity() -> None:
    tax_id = foreign_tax.parse("DE 136 695 976")
    assert foreign_tax.from_key(tax_id.key) == tax_id


def test_a_lookup_number_is_a_credit_code_or_a_foreign_key() -> None:
    assert foreign_tax.supplier_number("91110000600037341L") == "91110000600037341L"
    assert foreign_tax.supplier_number("DE136695976") == "eu_vat:DE136695976"


def test_a_foreign_supplier_needs_no_credit_code() -> None:
    supplier, findings = parse_supplier({"foreign_tax_id": "DE136695976", "name": "Beispiel GmbH"})
    assert supplier is not None and supplier.uscc is None and findings == []
    assert supplier.foreign_tax_id == foreign_tax.parse("DE136695976")


def test_a_supplier_with_neither_number_is_refused() -> None:
    supplier, findings = parse_supplier({"name": "Beispiel GmbH"})
    assert supplier is None
    assert [f.code for f in findings] == ["required.missing"]
    assert "foreign tax number" in findings[0].message_en


def test_a_supplier_with_both_numbers_is_refused() -> None:
    supplier, findings = parse_supplier(
        {"uscc": "91110000600037341L", "foreign_tax_id": "DE136695976", "name": "Beispiel GmbH"}
    )
    assert supplier is None and [f.code for f in findings] == ["identity.both"]


def test_a_malformed_vat_number_is_a_finding_people_can_read() -> None:
    supplier, findings = parse_supplier({"foreign_tax_id": "DE136695975", "name": "Beispiel GmbH"})
    assert supplier is None
    [refused] = findings
    assert refused.code == "foreign_tax_id.invalid" and refused.field_name == "foreign_tax_id"
    assert "DE136695975 is not a valid EU VAT number" in refused.message_en
    assert "境外税号无效" in refused.message_zh
