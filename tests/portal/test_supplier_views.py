"""The masked and the clear view built together say what each built alone says."""

from __future__ import annotations

from portal.domain.supplier import BankAccount, Contact, InvoicingProfile, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.finance.reads import supplier_view, supplier_views


def _supplier(**changes: object) -> Supplier:
    values: dict[str, object] = {
        "id": "s-1",
        "uscc": make_uscc(801),
        "name": "视图科技有限公司",
        "legal_rep_id_number": "11010519491231002X",
        "bank_accounts": (
            BankAccount(
                id="a-1",
                bank_name="招商银行",
                account_number="6222021234567890123",
                holder_name="视图",
            ),
            BankAccount(
                id="a-2",
                bank_name="工商银行",
                account_number="6212261234567890",
                holder_name="视图",
            ),
        ),
        "contacts": (
            Contact(id="c-1", name="张三", phone="13812345678"),
            Contact(id="c-2", name="李四", phone=None),
        ),
        "invoicing_profile": InvoicingProfile(
            title="视图科技有限公司",
            tax_number=make_uscc(801),
            phone="02112345678",
            account_number="6222029876543210",
        ),
    }
    return Supplier(**(values | changes))  # type: ignore[arg-type]


def _revealed(supplier: Supplier) -> tuple[dict[str, object], list[list[str]]]:
    reveals: list[list[str]] = []
    clear = supplier_view(supplier, reveal=lambda t, c, r: reveals.append([t, c, r]))
    return clear, reveals


def test_both_views_of_a_supplier_with_every_secret_match_the_views_built_alone():
    supplier = _supplier()
    masked, clear, reveals = supplier_views(supplier)
    assert masked == supplier_view(supplier)
    assert (clear, reveals) == _revealed(supplier)
    assert masked["bank_accounts"][0]["account_number"] != "6222021234567890123"  # type: ignore[index]
    assert clear["bank_accounts"][0]["account_number"] == "6222021234567890123"  # type: ignore[index]


def test_a_supplier_with_no_secret_has_one_view_and_reveals_nothing():
    supplier = _supplier(
        legal_rep_id_number=None, bank_accounts=(), contacts=(), invoicing_profile=None
    )
    masked, clear, reveals = supplier_views(supplier)
    assert masked == clear == supplier_view(supplier)
    assert reveals == []


def test_a_stored_secret_of_one_row_is_masked_in_that_row_only():
    supplier = _supplier(legal_rep_id_number=None)
    masked, clear, _ = supplier_views(supplier)
    assert masked == supplier_view(supplier)
    assert masked["contacts"][1] == clear["contacts"][1]  # type: ignore[index]
