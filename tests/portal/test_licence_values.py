"""One vocabulary for licence values: the registry, the import and OCR read a value alike.

Each entry point below is the one a user's value really goes through: a 企查查 answer
(``record_from_qcc``), a spreadsheet row or change request (``parse_supplier``) and the
text OCR found after 注册资本 / 营业期限 on a licence photo.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ocr import normalise
from portal.domain.amounts import OPEN_ENDED, Money
from portal.domain.supplier_input import parse_supplier
from providers.dates import parse_term_end
from registry.adapters.qichacha import record_from_qcc

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
USCC, NAME = "91110000600037341L", "北京示例科技有限公司"


def registry_capital(text: str) -> Money | None:
    return record_from_qcc({"Name": NAME, "RegistCapi": text}, None, NOW).registered_capital


def imported_capital(text: str) -> Money | None:
    supplier, findings = parse_supplier({"uscc": USCC, "name": NAME, "registered_capital": text})
    assert supplier is not None, [f.code for f in findings]
    return supplier.registered_capital


def ocr_capital(text: str) -> Money | None:
    return normalise.parse_capital(text)


CAPITAL: dict[str, Callable[[str], Money | None]] = {
    "registry": registry_capital,
    "import": imported_capital,
    "ocr": ocr_capital,
}


@pytest.mark.parametrize("read", CAPITAL.values(), ids=CAPITAL.keys())
def test_500_wan_singapore_dollars_is_sgd_5_million_wherever_it_is_read(read) -> None:
    assert read("500万新加坡元") == Money(Decimal(5_000_000), "SGD")


@pytest.mark.parametrize("read", CAPITAL.values(), ids=CAPITAL.keys())
@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        # what the registry parser read
        ("100万元人民币", "1000000", "CNY"),
        ("500万美元", "5000000", "USD"),
        ("1000万人民币元", "10000000", "CNY"),
        ("185000 万元", "1850000000", "CNY"),
        ("77800.32万人民币", "778003200", "CNY"),
        ("1亿元", "100000000", "CNY"),
        ("200万港元", "2000000", "HKD"),
        # what the OCR parser read
        ("壹佰万元整", "1000000", "CNY"),
        ("人民币壹仟零伍拾万元整", "10500000", "CNY"),
        ("叁拾万元整", "300000", "CNY"),
        ("壹亿贰仟万元整", "120000000", "CNY"),
        ("100.5万元", "1005000", "CNY"),
        ("伍佰万美元", "5000000", "USD"),
        ("50 万元人民币", "500000", "CNY"),
        # what the import parser read
        ("1,234.5", "1234.5", "CNY"),
        ("300万欧元", "3000000", "EUR"),
    ],
)
def test_every_capital_wording_one_parser_read_is_read_alike_by_all(
    read, text: str, amount: str, currency: str
) -> None:
    assert read(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("word", [*OPEN_ENDED, "长期有效"])
def test_every_open_ended_word_means_no_end_for_the_registry_the_import_and_ocr(word) -> None:
    supplier, findings = parse_supplier(
        {"uscc": USCC, "name": NAME, "term_from": "2015-03-12", "term_to": word}
    )
    assert parse_term_end(word) is None
    assert supplier is not None and supplier.term_to is None and findings == []
    assert normalise.parse_term(f"2015年03月12日至{word}") == (date(2015, 3, 12), None, True)


def test_a_capital_nobody_can_read_is_absent_for_sources_and_refused_for_typists() -> None:
    assert registry_capital("未公示") is None and ocr_capital("壹佰点五万元") is None
    _, findings = parse_supplier({"uscc": USCC, "name": NAME, "registered_capital": "abc"})
    assert [f.code for f in findings] == ["value.invalid"]
