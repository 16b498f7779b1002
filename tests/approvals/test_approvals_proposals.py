"""The proposal diff, pure: what a person wants, turned into the field changes of one supplier."""

from __future__ import annotations

import pytest

from approvals import Entity
from approvals.proposals import (
    EDITABLE,
    InvalidProposalError,
    Proposal,
    UnknownEntityError,
    change_kind,
    diff,
)
from portal.domain.supplier import BankAccount, InvoicingProfile, Supplier

NAME = "上海甲贸易有限公司"
SUPPLIER = Supplier(
    uscc="91310000MA1FL8L972",
    name=NAME,
    id="s-jia",
    bank_accounts=(BankAccount("中国工商银行", "6222021234567891234", NAME, id="ba-1"),),
    invoicing_profile=InvoicingProfile(title=NAME, tax_number="91310000MA1FL8L972"),
)


def test_a_changed_account_number_is_one_sensitive_field_change() -> None:
    [change], findings = diff(
        SUPPLIER, [Proposal(Entity.BANK_ACCOUNT, "ba-1", {"account_number": "6217000011112222333"})]
    )
    assert (change.key, change.sensitive, findings) == (
        "bank_account[ba-1].account_number",
        True,
        [],
    )


@pytest.mark.parametrize("entity", [Entity.SUPPLIER, Entity.INVOICING_PROFILE])
def test_a_proposal_naming_another_suppliers_record_is_unknown(entity: Entity) -> None:
    with pytest.raises(UnknownEntityError):
        diff(SUPPLIER, [Proposal(entity, "s-someone-else", {"address": "北京市某路1号"})])


def test_another_suppliers_account_is_unknown() -> None:
    with pytest.raises(UnknownEntityError):
        diff(SUPPLIER, [Proposal(Entity.BANK_ACCOUNT, "ba-of-yi", {"bank_name": "招商银行"})])


def test_a_field_the_catalogue_does_not_let_a_request_touch_is_refused() -> None:
    assert "uscc" not in EDITABLE[Entity.SUPPLIER]
    with pytest.raises(InvalidProposalError):
        diff(SUPPLIER, [Proposal(Entity.SUPPLIER, "s-jia", {"uscc": "91110000600037341L"})])


def test_a_holder_written_with_other_brackets_and_case_is_not_a_mismatch() -> None:
    _, findings = diff(
        SUPPLIER, [Proposal(Entity.BANK_ACCOUNT, None, {
            "bank_name": "招商银行", "account_number": "6214830012345678",
            "holder_name": " 上海甲贸易 有限公司 "})],
    )  # fmt: skip
    assert findings == []


def test_a_bank_change_gives_the_request_its_kind() -> None:
    contact = Proposal(Entity.CONTACT, None, {"name": "王经理"})
    bank = Proposal(Entity.BANK_ACCOUNT, "ba-1", {"bank_name": "招商银行"})
    assert change_kind([contact, bank]).value == "bank_account_change"
