from __future__ import annotations

from datetime import timedelta

import pytest

from approvals.risk import (
    BANK_ACCOUNT_CHANGED,
    BANK_ACCOUNT_SHARED,
    CHANGES_FREQUENT,
    HOLDER_MISMATCH,
    RiskSettings,
    assess_risk,
    bank_account_changed,
    frequent_changes,
    holder_mismatch,
    normalise_company_name,
    shared_account,
)
from tests.support.approvals import SUPPLIER, T0, at, bank_change, contact_change


def test_bank_change_is_flagged_as_bank_account_changed() -> None:
    flag = bank_account_changed(bank_change())
    assert flag is not None and flag.code == BANK_ACCOUNT_CHANGED
    assert flag.message_zh and flag.message_en
    assert flag.evidence["kind"] == "bank_account_change"


def test_contact_change_is_not_flagged_as_bank_account_changed() -> None:
    assert bank_account_changed(contact_change()) is None


@pytest.mark.parametrize(
    ("holder", "registered"),
    [
        ("上海某某（集团）有限公司", "上海某某(集团)有限公司"),
        ("上海某某 有限公司", "上海某某有限公司"),
        ("ＡＢＣ贸易有限公司", "abc贸易有限公司"),
        ("  上海某某有限公司\u3000", "上海某某有限公司"),
    ],
)
def test_holder_name_written_differently_is_not_a_mismatch(holder: str, registered: str) -> None:
    assert holder_mismatch(holder, registered) is None


def test_holder_name_of_another_company_is_a_mismatch() -> None:
    flag = holder_mismatch("上海乙贸易有限公司", "上海甲科技有限公司")
    assert flag is not None and flag.code == HOLDER_MISMATCH
    assert flag.evidence["registered_name"] == "上海甲科技有限公司"
    assert "上海乙贸易有限公司" in flag.message_zh


def test_normalisation_folds_full_width_brackets_and_spaces() -> None:
    # the domain's spelling (portal.domain.names): brackets as printed on a licence
    assert (
        normalise_company_name("甲 (乙) 丙") == normalise_company_name("甲（乙）丙") == "甲（乙）丙"
    )


def test_account_used_by_another_supplier_is_flagged_as_shared() -> None:
    flag = shared_account(SUPPLIER, "bi-123", {SUPPLIER, "s-other", "s-third"})
    assert flag is not None and flag.code == BANK_ACCOUNT_SHARED
    assert flag.evidence["other_supplier_ids"] == ["s-other", "s-third"]


def test_account_used_only_by_this_supplier_is_not_shared() -> None:
    asked: list[str] = []

    def lookup(blind_index: str) -> set[str]:
        asked.append(blind_index)
        return {SUPPLIER}

    assert shared_account(SUPPLIER, "bi-123", lookup) is None
    assert asked == ["bi-123"]


def test_more_than_the_limit_of_requests_in_the_window_is_frequent() -> None:
    now = at(0)
    times = [now - timedelta(days=d) for d in (1, 2, 3, 4)]
    flag = frequent_changes(times, now)
    assert flag is not None and flag.code == CHANGES_FREQUENT
    assert flag.evidence == {"count": 4, "limit": 3, "window_hours": 720.0}


def test_requests_outside_the_window_are_not_counted() -> None:
    now = at(0)
    times = [now - timedelta(days=d) for d in (1, 2, 3, 40, 50)]
    assert frequent_changes(times, now) is None


def test_frequency_limit_and_window_are_configurable() -> None:
    settings = RiskSettings(frequent_limit=1, frequent_window=timedelta(hours=1))
    now = at(0)
    assert frequent_changes([now - timedelta(minutes=5)], now, settings) is None
    flag = frequent_changes([now - timedelta(minutes=5), now], now, settings)
    assert flag is not None and "1 days" not in flag.message_en


def test_assess_risk_collects_every_flag_that_applies() -> None:
    flags = assess_risk(
        bank_change(),
        now=at(0),
        registered_name="上海甲公司",
        account_blind_index="bi-9",
        suppliers_using=lambda index: {"s-other"},
        recent_request_times=[T0 - timedelta(hours=h) for h in range(5)],
    )
    # The builder's new holder name is 上海乙公司, not the registered 上海甲公司.
    assert [f.code for f in flags] == [
        BANK_ACCOUNT_CHANGED,
        HOLDER_MISMATCH,
        BANK_ACCOUNT_SHARED,
        CHANGES_FREQUENT,
    ]


def test_assess_risk_of_a_quiet_contact_change_is_empty() -> None:
    assert assess_risk(contact_change(), now=at(0), registered_name="上海甲公司") == ()


def test_every_account_of_a_request_is_judged_on_its_own() -> None:
    from approvals import ChangeKind, ChangeRequest, Channel, FieldChange
    from approvals.risk import AccountInRequest, accounts_in

    changes = (
        FieldChange("bank_account", "ba-1", "account_number", "tok:a", "tok:b", True),
        FieldChange("bank_account", "ba-2", "holder_name", None, "上海乙贸易有限公司"),
    )
    req = ChangeRequest(id="r-two", supplier_id=SUPPLIER, kind=ChangeKind.BANK_ACCOUNT_CHANGE,
                        channel=Channel.PORTAL, requested_by="u", requester_role="supplier",
                        requested_at=T0, base_version=1, changes=changes)  # fmt: skip
    found = accounts_in(req.changes, {"ba-1": "上海甲科技有限公司"})
    assert found == {
        "ba-1": {"account_number": "tok:b", "holder_name": "上海甲科技有限公司"},
        "ba-2": {"holder_name": "上海乙贸易有限公司"},
    }
    accounts = [
        AccountInRequest("上海甲科技有限公司", "bi-1"),
        AccountInRequest("上海乙贸易有限公司", "bi-2"),
    ]
    flags = assess_risk(req, now=at(1), registered_name="上海甲科技有限公司", accounts=accounts,
                        suppliers_using={"bi-1": {SUPPLIER}, "bi-2": {SUPPLIER, "s-other"}}.__getitem__)  # fmt: skip
    assert [f.code for f in flags] == [BANK_ACCOUNT_CHANGED, HOLDER_MISMATCH, BANK_ACCOUNT_SHARED]
