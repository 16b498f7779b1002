"""What the audit entry of each change event says (``approvals.events.event_detail``)."""

from __future__ import annotations

from datetime import UTC, datetime

from approvals import CallBack, CallBackOutcome, ChangeApproved, ChangeConflicted, ChangeWithdrawn
from approvals.events import event_detail

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def test_an_approval_with_a_call_back_records_only_the_masked_phone() -> None:
    call = CallBack("c-1", "138****5678", T0, CallBackOutcome.CONFIRMED, "王经理确认")
    event = ChangeApproved(request_id="r", supplier_id="s", at=T0, approver_id="u-alice",
                           role="purchasing_supervisor", call_back=call, approvals_given=1,
                           approvals_required=2, fully_approved=False)  # fmt: skip
    detail = event_detail(event)
    assert detail["call_back"]["phone_masked"] == "138****5678"
    assert (detail["approvals_given"], detail["approvals_required"]) == (1, 2)


def test_a_conflict_records_both_versions_and_a_withdrawal_nothing_more() -> None:
    conflict = ChangeConflicted(request_id="r", supplier_id="s", at=T0, base_version=3,
                                current_version=5)  # fmt: skip
    assert event_detail(conflict) == {"base_version": 3, "current_version": 5}
    assert (
        event_detail(ChangeWithdrawn(request_id="r", supplier_id="s", at=T0, withdrawn_by="u"))
        == {}
    )
