from datetime import date
from decimal import Decimal

import pytest

from ocr.model import Money
from ocr.normalise import parse_capital, parse_date, parse_term


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("壹佰万元整", 1_000_000, "CNY"),
        ("100万元人民币", 1_000_000, "CNY"),
        ("人民币壹仟零伍拾万元整", 10_500_000, "CNY"),
        ("叁拾万元整", 300_000, "CNY"),
        ("壹亿贰仟万元整", 120_000_000, "CNY"),
        ("100.5万元", 1_005_000, "CNY"),
        ("伍佰万美元", 5_000_000, "USD"),
        ("50 万元人民币", 500_000, "CNY"),
    ],
)
def test_registered_capital_in_capitals_or_figures(text, amount, currency):
    assert parse_capital(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize("text", ["", "万元整", "abc", "壹佰点五万元"])
def test_unparseable_capital_is_none(text):
    assert parse_capital(text) is None


def test_dates_with_ocr_lookalikes_and_impossible_dates():
    assert parse_date("2015年03月12日") == date(2015, 3, 12)
    assert parse_date("2O15年O3月l2日") == date(2015, 3, 12)
    assert parse_date("2015年 3月 2日") == date(2015, 3, 2)
    assert parse_date("2015年13月12日") is None
    assert parse_date("长期") is None


def test_terms_open_ended_or_dated():
    assert parse_term("2015年03月12日至长期") == (date(2015, 3, 12), None, True)
    assert parse_term("2015年03月12日至2035年03月11日") == (
        date(2015, 3, 12),
        date(2035, 3, 11),
        False,
    )
    assert parse_term("自2015年03月12日至不约定期限")[2] is True
