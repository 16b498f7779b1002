"""Sensitive changes are approved by people, never by API tokens (issue 12, high 3)."""

from __future__ import annotations

import pytest

from approvals import (
    DEFAULT_POLICY,
    ApproverNotAPersonError,
    ChangeKind,
    FieldChange,
    check_person,
    is_sensitive,
)
from tests.support.approvals import (
    ALICE,
    bank_change,
    contact_change,
    contact_phone_change,
    request,
)

TOKEN = "api:erp-supervisor"


def test_an_api_token_cannot_approve_a_bank_change() -> None:
    with pytest.raises(ApproverNotAPersonError) as refused:
        check_person(DEFAULT_POLICY, bank_change(), TOKEN, is_person=False)
    assert "API clients may propose and read" in str(refused.value)


def test_an_api_token_cannot_approve_a_contact_phone_change() -> None:
    with pytest.raises(ApproverNotAPersonError):
        check_person(DEFAULT_POLICY, contact_phone_change(), TOKEN, is_person=False)


def test_a_person_may_approve_a_bank_change() -> None:
    check_person(DEFAULT_POLICY, bank_change(), ALICE, is_person=True)


def test_an_api_token_cannot_approve_even_a_contact_name_change() -> None:
    with pytest.raises(ApproverNotAPersonError):
        check_person(DEFAULT_POLICY, contact_change(), TOKEN, is_person=False)


def test_an_api_token_may_still_approve_a_change_of_the_supplier_address() -> None:
    address = FieldChange("supplier", "s-acme", "address", "旧址", "新址")
    profile = request(ChangeKind.SUPPLIER_PROFILE, address)
    assert not is_sensitive(DEFAULT_POLICY, profile)
    check_person(DEFAULT_POLICY, profile, TOKEN, is_person=False)
