"""The normalised vocabulary and the demo data set."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.domain import orgcode, uscc
from providers.demo import DEMO_DATA
from providers.demo_generate import generate
from registry.adapters.demo import load_demo_companies
from registry.model import Money, RegistryStatus, read_capital

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("存续", RegistryStatus.ACTIVE),
        ("在业", RegistryStatus.ACTIVE),
        ("存续（在营、开业、在册）", RegistryStatus.ACTIVE),
        ("在营（开业）企业", RegistryStatus.ACTIVE),
        ("仍注册", RegistryStatus.ACTIVE),
        ("迁入", RegistryStatus.ACTIVE),
        ("吊销", RegistryStatus.REVOKED),
        ("吊销，未注销", RegistryStatus.REVOKED),
        ("存续（吊销）", RegistryStatus.REVOKED),
        ("责令关闭", RegistryStatus.REVOKED),
        ("吊销，已注销", RegistryStatus.DEREGISTERED),
        ("注销", RegistryStatus.DEREGISTERED),
        ("撤销", RegistryStatus.CANCELLED),
        ("迁出", RegistryStatus.MOVED_OUT),
        ("停业", RegistryStatus.SUSPENDED),
        ("清算", RegistryStatus.LIQUIDATING),
        ("", RegistryStatus.UNKNOWN),
        ("其他", RegistryStatus.UNKNOWN),
    ],
)
def test_every_provider_status_wording_maps_to_one_vocabulary(
    text: str, status: RegistryStatus
) -> None:
    assert RegistryStatus.from_text(text) is status


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("100万元人民币", "1000000", "CNY"),
        ("500万美元", "5000000", "USD"),
        ("1000万人民币元", "10000000", "CNY"),
        ("185000 万元", "1850000000", "CNY"),
        ("77800.32万人民币", "778003200", "CNY"),
        ("1亿元", "100000000", "CNY"),
        ("200万港元", "2000000", "HKD"),
    ],
)
def test_registered_capital_wording_is_read_as_amount_and_currency(
    text: str, amount: str, currency: str
) -> None:
    assert read_capital(text) == Money(Decimal(amount), currency)


def test_unreadable_capital_is_absent() -> None:
    assert read_capital("") is None and read_capital("未公示") is None


def test_every_demo_credit_code_passes_both_checks() -> None:
    for company in load_demo_companies():
        code = company.record.uscc
        assert uscc.is_valid(code), code
        assert orgcode.is_valid(code[8:17]), code
        assert company.invoicing["tax_number"] == code


def test_the_demo_data_set_covers_the_cases_the_demo_shows() -> None:
    companies = load_demo_companies()
    records = [c.record for c in companies]
    statuses = [r.status for r in records]
    assert len(companies) >= 30
    assert statuses.count(RegistryStatus.DEREGISTERED) == 2
    assert statuses.count(RegistryStatus.REVOKED) == 1
    assert any(r.former_names for r in records)
    expiring = [r for r in records if r.term_to and 20 <= (r.term_to - TODAY).days <= 60]
    assert len(expiring) == 2
    assert [c.tax["status"] for c in companies].count("非正常户") == 1
    qualifications = {c.tax["qualification"] for c in companies}
    assert qualifications == {"一般纳税人", "小规模纳税人"}
    assert len({r.uscc[2:4] for r in records}) >= 15  # many provinces
    assert all(
        set(c.invoicing) >= {"title", "address", "phone", "bank", "account"} for c in companies
    )
    assert all(r.term_to is None or r.term_to > TODAY - timedelta(days=1) for r in records)


def test_the_demo_file_is_what_the_generator_writes() -> None:
    assert json.loads(DEMO_DATA.read_text(encoding="utf-8")) == generate()
