"""Call-backs go to numbers that were on file before anyone asking for a change touched
them; a contact's phone or e-mail is itself a sensitive change (issue 12, high 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from approvals import (
    DEFAULT_POLICY,
    ApprovalPolicy,
    ApprovalRule,
    CallBackContactNotEligibleError,
    CallBackContactNotOnFileError,
    CallBackOutcome,
    CallBackRequiredError,
    ChangeRequest,
    ContactOnFile,
    Ineligible,
    PolicyConfigError,
    Status,
    call_back_candidates,
    check_call_back_target,
    eligible_contact_ids,
)
from tests.support.approvals import (
    ALICE,
    BOB,
    CONTACT_ON_FILE,
    REQUESTER,
    SUPERVISOR,
    at,
    bank_change,
    call_back,
    contact_phone_change,
)

OTHER_CONTACT = "c-liu-on-file"
CONTACTS = (ContactOnFile(CONTACT_ON_FILE, True), ContactOnFile(OTHER_CONTACT, True))
COOLING_OFF = timedelta(hours=48)
LATER = at(60 * 24 * 30)  # thirty days after T0: well past the cooling-off period


def applied_phone_change(contact_id: str, by: str, minutes: float) -> ChangeRequest:
    request = contact_phone_change(contact_id, requested_by=by)
    request, _ = request.approve(ALICE, SUPERVISOR, at(minutes))
    request, _ = request.approve(BOB, SUPERVISOR, at(minutes))
    applied, _ = request.mark_applied(at(minutes))
    return applied


def reasons(request: ChangeRequest, *history: ChangeRequest, now: object = None) -> dict:
    found = call_back_candidates(
        request, CONTACTS, history, now=now or at(60), cooling_off=COOLING_OFF
    )
    return {c.contact_id: c.reasons for c in found}


def test_a_phone_number_changed_just_before_the_bank_change_is_not_offered_for_the_call_back():
    hijacked = applied_phone_change(CONTACT_ON_FILE, "u-someone", minutes=10)
    assert reasons(bank_change(), hijacked)[CONTACT_ON_FILE] == (Ineligible.CHANGED_RECENTLY,)


def test_a_number_set_by_the_requester_is_never_offered_even_after_the_cooling_off():
    planted = applied_phone_change(CONTACT_ON_FILE, REQUESTER, minutes=10)
    found = reasons(bank_change(), planted, now=LATER)
    assert found == {CONTACT_ON_FILE: (Ineligible.SET_BY_REQUESTER,), OTHER_CONTACT: ()}


def test_a_number_changed_by_someone_else_before_the_cooling_off_is_offered_again():
    old = applied_phone_change(CONTACT_ON_FILE, "u-someone", minutes=10)
    assert reasons(bank_change(), old, now=LATER)[CONTACT_ON_FILE] == ()


def test_a_contact_with_an_open_change_is_not_offered():
    pending = contact_phone_change(OTHER_CONTACT, requested_by="u-someone")
    assert reasons(bank_change(), pending)[OTHER_CONTACT] == (Ineligible.PENDING_CHANGE,)


def test_a_contact_without_a_phone_number_is_not_offered():
    found = call_back_candidates(
        bank_change(), [ContactOnFile("c-no-phone", False)], [], now=at(60), cooling_off=COOLING_OFF
    )
    assert eligible_contact_ids(found) == frozenset()
    assert found[0].reasons == (Ineligible.NO_PHONE,)


def test_a_forged_choice_of_an_ineligible_contact_is_refused_with_the_reason():
    hijacked = applied_phone_change(CONTACT_ON_FILE, "u-someone", minutes=10)
    found = call_back_candidates(
        bank_change(), CONTACTS, [hijacked], now=at(60), cooling_off=COOLING_OFF
    )
    with pytest.raises(CallBackContactNotEligibleError) as refused:
        check_call_back_target(found, CONTACT_ON_FILE)
    assert "cooling-off" in str(refused.value) and "冷静期" in refused.value.message_zh
    with pytest.raises(CallBackContactNotOnFileError):
        check_call_back_target(found, "c-not-this-suppliers")
    check_call_back_target(found, OTHER_CONTACT)


def test_a_contact_phone_change_needs_two_supervisors_without_a_call_back():
    request, _ = contact_phone_change().approve(ALICE, SUPERVISOR, at(60))
    assert request.status is Status.PARTIALLY_APPROVED
    request, _ = request.approve(BOB, SUPERVISOR, at(70))
    assert request.status is Status.APPROVED


def test_one_supervisor_and_a_call_back_to_another_contact_approve_a_contact_phone_change():
    approved, _ = contact_phone_change().approve(
        ALICE, SUPERVISOR, at(60), call_back(OTHER_CONTACT), contacts_on_file={OTHER_CONTACT}
    )
    assert approved.status is Status.APPROVED


def test_calling_back_the_contact_whose_phone_is_changing_does_not_count():
    with pytest.raises(CallBackContactNotOnFileError):
        contact_phone_change().approve(
            ALICE, SUPERVISOR, at(60), call_back(), contacts_on_file={CONTACT_ON_FILE}
        )


def test_a_call_back_that_did_not_confirm_cannot_stand_in_for_an_approver():
    denied = call_back(OTHER_CONTACT, outcome=CallBackOutcome.DENIED)
    with pytest.raises(CallBackRequiredError):
        contact_phone_change().approve(
            ALICE, SUPERVISOR, at(60), denied, contacts_on_file={OTHER_CONTACT}
        )


def test_a_bank_change_still_needs_two_supervisors_even_with_a_call_back():
    approved, _ = bank_change().approve(
        ALICE, SUPERVISOR, at(60), call_back(), contacts_on_file={CONTACT_ON_FILE}
    )
    assert approved.status is Status.PARTIALLY_APPROVED


def test_a_policy_file_can_let_a_call_back_stand_in_for_an_approver_but_not_for_all():
    data = DEFAULT_POLICY.to_dict()
    assert data["fields"]["contact.phone"]["approvals_with_call_back"] == 1
    assert ApprovalPolicy.from_dict(data) == DEFAULT_POLICY
    with pytest.raises(PolicyConfigError, match="approvals_with_call_back"):
        ApprovalRule.from_dict({"approvals_required": 2, "approvals_with_call_back": 3})
