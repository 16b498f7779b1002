from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from approvals import (
    TRANSITIONS,
    ChangeApplied,
    ChangeApproved,
    ChangeConflicted,
    ChangeKind,
    ChangeRejected,
    ChangeRequest,
    ChangeSubmitted,
    ChangeWithdrawn,
    FieldChange,
    FieldsRejected,
    InvalidInputError,
    InvalidTransitionError,
    NaiveDatetimeError,
    NotInConflictError,
    NotRequesterError,
    Status,
    UnknownFieldError,
    Verdict,
    VersionConflictError,
)
from tests.support.approvals import (
    ALICE,
    BOB,
    CONTACT_ON_FILE,
    ON_FILE,
    REQUESTER,
    SUPERVISOR,
    T0,
    at,
    bank_change,
    bank_holder_change,
    bank_number_change,
    call_back,
    contact_change,
    first_bank_approval,
    request,
)

NAME = f"contact[{CONTACT_ON_FILE}].name"
TITLE = f"contact[{CONTACT_ON_FILE}].title"


def approved_contact_change() -> ChangeRequest:
    approved, _ = contact_change().approve(ALICE, SUPERVISOR, at(10))
    return approved


def test_submitting_a_draft_makes_it_pending_and_records_the_event() -> None:
    draft = contact_change(submit=False)
    assert draft.status is Status.DRAFT
    pending, events = draft.submit(at(1))
    assert pending.status is Status.PENDING and pending.submitted_at == at(1)
    assert events == [
        ChangeSubmitted(
            request_id=draft.id,
            supplier_id=draft.supplier_id,
            at=at(1),
            kind=ChangeKind.CONTACT_CHANGE,
            channel=draft.channel,
            requested_by=REQUESTER,
            field_keys=(NAME, TITLE),
        )
    ]
    assert events[0].name == "change.submitted"


def test_request_without_changes_cannot_be_submitted() -> None:
    with pytest.raises(InvalidInputError):
        request(ChangeKind.SUPPLIER_PROFILE)


def test_request_cannot_change_the_same_field_twice() -> None:
    with pytest.raises(InvalidInputError):
        request(ChangeKind.BANK_ACCOUNT_CHANGE, bank_number_change(), bank_number_change())


def test_every_field_starts_pending() -> None:
    req = contact_change()
    assert [d.verdict for d in req.decisions] == [Verdict.PENDING, Verdict.PENDING]
    assert req.pending_changes == req.changes


def test_reject_records_reason_per_field() -> None:
    req = contact_change()
    rejected, events = req.reject(
        ALICE, SUPERVISOR, at(10), {NAME: "邮箱域名不是公司域名", TITLE: "  title unverified "}
    )
    assert rejected.status is Status.REJECTED and rejected.closed_at == at(10)
    assert rejected.decision_for(NAME).reason == "邮箱域名不是公司域名"
    assert rejected.decision_for(TITLE).reason == "title unverified"
    assert rejected.decision_for(TITLE).decided_by == ALICE
    (event,) = events
    assert isinstance(event, ChangeRejected)
    assert dict(event.reasons) == {NAME: "邮箱域名不是公司域名", TITLE: "title unverified"}


def test_rejecting_some_fields_keeps_the_rest_under_review() -> None:
    req, events = contact_change().reject(ALICE, SUPERVISOR, at(10), {NAME: "wrong domain"})
    assert req.status is Status.PENDING
    assert [c.field_name for c in req.pending_changes] == ["title"]
    assert isinstance(events[0], FieldsRejected)


def test_partial_approval_applies_only_the_approved_fields() -> None:
    req, events = contact_change().approve(
        ALICE, SUPERVISOR, at(10), rejected_fields={NAME: "wrong domain"}
    )
    assert req.status is Status.APPROVED
    assert [type(e) for e in events] == [FieldsRejected, ChangeApproved]
    assert req.decision_for(NAME).verdict is Verdict.REJECTED
    assert req.decision_for(TITLE).verdict is Verdict.APPROVED
    applied, (event,) = req.mark_applied(at(20))
    assert applied.status is Status.APPLIED
    assert isinstance(event, ChangeApplied)
    assert [c.field_name for c in event.applied] == ["title"]
    assert event.skipped_field_keys == (NAME,)


def test_partial_approval_of_a_bank_change_across_two_supervisors() -> None:
    req = first_bank_approval(bank_change())
    holder = bank_holder_change().key
    req, _ = req.approve(BOB, SUPERVISOR, at(90), rejected_fields={holder: "户名与营业执照不符"})
    assert req.status is Status.APPROVED
    assert req.approved_changes == (bank_number_change(),)
    assert req.rejected_changes == (bank_holder_change(),)


def test_approving_while_rejecting_every_field_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="reject the request"):
        contact_change().approve(ALICE, SUPERVISOR, at(10), rejected_fields={NAME: "x", TITLE: "y"})


def test_reject_without_a_reason_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="reason"):
        contact_change().reject(ALICE, SUPERVISOR, at(10), {NAME: "  "})
    with pytest.raises(InvalidInputError):
        contact_change().reject(ALICE, SUPERVISOR, at(10), {})


def test_reject_of_an_unknown_field_names_it() -> None:
    with pytest.raises(UnknownFieldError, match=r"contact\.phone"):
        contact_change().reject(ALICE, SUPERVISOR, at(10), {"contact.phone": "no"})


def test_a_field_cannot_be_rejected_twice() -> None:
    req, _ = contact_change().reject(ALICE, SUPERVISOR, at(10), {NAME: "no"})
    with pytest.raises(InvalidInputError, match="already been decided"):
        req.reject(BOB, SUPERVISOR, at(11), {NAME: "no again"})


def test_reject_all_rejects_every_pending_field_with_one_reason() -> None:
    req, _ = contact_change().reject_all(ALICE, SUPERVISOR, at(10), "供应商已注销")
    assert req.status is Status.REJECTED
    assert {d.reason for d in req.decisions} == {"供应商已注销"}


def test_requester_can_withdraw_pending_request() -> None:
    withdrawn, events = contact_change().withdraw(REQUESTER, at(5))
    assert withdrawn.status is Status.WITHDRAWN and withdrawn.closed_at == at(5)
    assert events == [
        ChangeWithdrawn(
            request_id=withdrawn.id,
            supplier_id=withdrawn.supplier_id,
            at=at(5),
            withdrawn_by=REQUESTER,
        )
    ]


def test_requester_can_withdraw_partially_approved_request() -> None:
    withdrawn, _ = first_bank_approval(bank_change()).withdraw(REQUESTER, at(70))
    assert withdrawn.status is Status.WITHDRAWN


@pytest.mark.parametrize("someone_else", [ALICE, "u-supplier-colleague"])
def test_others_cannot_withdraw_a_request(someone_else: str) -> None:
    with pytest.raises(NotRequesterError, match="Only the person who submitted"):
        contact_change().withdraw(someone_else, at(5))


def test_approved_request_can_no_longer_be_withdrawn() -> None:
    with pytest.raises(InvalidTransitionError) as raised:
        approved_contact_change().withdraw(REQUESTER, at(20))
    assert (raised.value.from_status, raised.value.to_status) == ("approved", "withdrawn")
    assert "approved" in str(raised.value) and "withdrawn" in str(raised.value)


@pytest.mark.parametrize(
    ("act", "expected_to"),
    [
        (lambda r: r.approve(BOB, SUPERVISOR, at(30)), "approved"),
        (lambda r: r.reject_all(BOB, SUPERVISOR, at(30), "no"), "rejected"),
        (lambda r: r.withdraw(REQUESTER, at(30)), "withdrawn"),
        (lambda r: r.submit(at(30)), "pending"),
    ],
)
def test_closed_requests_refuse_every_act(act: object, expected_to: str) -> None:
    closed, _ = contact_change().withdraw(REQUESTER, at(5))
    with pytest.raises(InvalidTransitionError) as raised:
        act(closed)  # type: ignore[operator]
    assert raised.value.from_status == "withdrawn"
    assert raised.value.to_status == expected_to


def test_pending_request_cannot_be_applied_before_approval() -> None:
    with pytest.raises(InvalidTransitionError, match="pending request cannot become applied"):
        contact_change().mark_applied(at(5))


def test_draft_cannot_be_approved() -> None:
    with pytest.raises(InvalidTransitionError):
        contact_change(submit=False).approve(ALICE, SUPERVISOR, at(5))


def test_applied_request_cannot_be_applied_again() -> None:
    applied, _ = approved_contact_change().mark_applied(at(20))
    with pytest.raises(InvalidTransitionError):
        applied.mark_applied(at(21))


def test_transitions_table_closes_terminal_statuses() -> None:
    for status in (Status.APPLIED, Status.REJECTED, Status.WITHDRAWN, Status.CONFLICT):
        assert TRANSITIONS[status] == frozenset()
    assert set(TRANSITIONS) == set(Status)


def test_conflict_when_base_version_differs() -> None:
    approved = approved_contact_change()
    assert approved.is_stale(4)
    conflicted, (event,) = approved.mark_conflict(4, at(20))
    assert conflicted.status is Status.CONFLICT
    assert isinstance(event, ChangeConflicted)
    assert (event.base_version, event.current_version) == (3, 4)


def test_no_conflict_when_base_version_is_current() -> None:
    with pytest.raises(NotInConflictError):
        approved_contact_change().mark_conflict(3, at(20))


def test_applying_a_stale_request_is_refused_when_the_version_is_given() -> None:
    with pytest.raises(VersionConflictError, match="version 3, now 5"):
        approved_contact_change().mark_applied(at(20), current_version=5)
    applied, _ = approved_contact_change().mark_applied(at(20), current_version=3)
    assert applied.status is Status.APPLIED


def test_only_approved_requests_can_become_conflicting() -> None:
    with pytest.raises(InvalidTransitionError):
        contact_change().mark_conflict(9, at(20))


def test_naive_or_non_utc_times_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        contact_change().approve(ALICE, SUPERVISOR, datetime(2024, 5, 1, 9, 0))
    beijing = timezone(timedelta(hours=8))
    with pytest.raises(NaiveDatetimeError):
        contact_change().withdraw(REQUESTER, T0.astimezone(beijing))


def test_findings_accept_any_object_with_a_code() -> None:
    class StdnumFinding:
        code = "uscc.invalid_checksum"

    req = ChangeRequest(
        id="r1",
        supplier_id="s1",
        kind=ChangeKind.SUPPLIER_PROFILE,
        channel="import",  # type: ignore[arg-type]
        requested_by=REQUESTER,
        requester_role="import_job",
        requested_at=T0,
        base_version=1,
        changes=(FieldChange("supplier", "s1", "uscc", "a", "b"),),
        findings=(StdnumFinding(),),
    )
    assert [f.code for f in req.findings] == ["uscc.invalid_checksum"]


def test_bank_change_is_known_to_touch_bank_details() -> None:
    assert bank_change().touches_bank_details
    assert not contact_change().touches_bank_details


def test_call_back_is_kept_on_the_first_approval() -> None:
    approved = first_bank_approval(bank_change())
    approval = approved.approvals[0]
    assert approval.call_back is not None
    assert approval.call_back.contact_id == CONTACT_ON_FILE
    assert {approval.call_back.contact_id} == ON_FILE
    assert call_back().phone_masked == "138****5678"
