from __future__ import annotations

import pytest

from approvals import (
    DEFAULT_POLICY,
    ApprovalError,
    ApprovalPolicy,
    ApprovalRule,
    CallBackContactNotOnFileError,
    CallBackOutcome,
    CallBackRequiredError,
    ChangeApproved,
    ChangeKind,
    DuplicateApproverError,
    FieldChange,
    InvalidInputError,
    NotAuthorisedError,
    PolicyConfigError,
    SelfApprovalError,
    Status,
)
from tests.support.approvals import (
    ALICE,
    BOB,
    CLERK,
    CONTACT_ON_FILE,
    NEW_CONTACT,
    ON_FILE,
    REQUESTER,
    SUPERVISOR,
    at,
    bank_change,
    call_back,
    contact_change,
    first_bank_approval,
    request,
)


def test_requester_cannot_approve_own_change() -> None:
    req = contact_change(requested_by=ALICE)
    with pytest.raises(SelfApprovalError) as raised:
        req.approve(ALICE, SUPERVISOR, at(10))
    assert "You submitted this change" in str(raised.value)
    assert "不能审核" in raised.value.message_zh


def test_requester_cannot_give_a_bank_approval_either() -> None:
    req = bank_change(requested_by=ALICE)
    with pytest.raises(SelfApprovalError):
        req.approve(ALICE, SUPERVISOR, at(60), call_back(), contacts_on_file=ON_FILE)


def test_one_supervisor_cannot_give_both_bank_approvals() -> None:
    req = first_bank_approval(bank_change())
    with pytest.raises(DuplicateApproverError):
        req.approve(ALICE, SUPERVISOR, at(90))
    assert req.status is Status.PARTIALLY_APPROVED


def test_first_bank_approval_requires_call_back_to_contact_on_file() -> None:
    req = bank_change()
    with pytest.raises(CallBackRequiredError):
        req.approve(ALICE, SUPERVISOR, at(60), contacts_on_file=ON_FILE)
    with pytest.raises(CallBackContactNotOnFileError) as raised:
        req.approve(ALICE, SUPERVISOR, at(60), call_back("c-stranger"), contacts_on_file=ON_FILE)
    assert raised.value.added_by_request is False
    approved, events = req.approve(ALICE, SUPERVISOR, at(60), call_back(), contacts_on_file=ON_FILE)
    assert approved.status is Status.PARTIALLY_APPROVED
    assert approved.approvals[0].call_back == call_back()
    assert isinstance(events[0], ChangeApproved)
    assert (events[0].approvals_given, events[0].approvals_required) == (1, 2)


def test_call_back_to_contact_added_by_same_request_is_refused() -> None:
    new_phone = FieldChange("contact", NEW_CONTACT, "mobile", None, "tok:phone", True)
    req = bank_change(new_phone)
    # Even if the caller already lists the new contact as on file, it cannot vouch.
    with pytest.raises(CallBackContactNotOnFileError) as raised:
        req.approve(
            ALICE,
            SUPERVISOR,
            at(60),
            call_back(NEW_CONTACT),
            contacts_on_file=ON_FILE | {NEW_CONTACT},
        )
    assert raised.value.added_by_request is True
    assert "this same request" in str(raised.value)


def test_call_back_to_a_contact_the_request_changes_is_refused() -> None:
    changed_phone = FieldChange("contact", CONTACT_ON_FILE, "mobile", "tok:a", "tok:b", True)
    with pytest.raises(CallBackContactNotOnFileError):
        first_bank_approval(bank_change(changed_phone))


@pytest.mark.parametrize("outcome", [CallBackOutcome.DENIED, CallBackOutcome.UNREACHABLE])
def test_call_back_that_did_not_confirm_is_refused(outcome: CallBackOutcome) -> None:
    with pytest.raises(CallBackRequiredError, match="did not confirm"):
        bank_change().approve(
            ALICE, SUPERVISOR, at(60), call_back(outcome=outcome), contacts_on_file=ON_FILE
        )


def test_call_back_made_before_submission_is_refused() -> None:
    with pytest.raises(CallBackRequiredError, match="after the request was submitted"):
        bank_change().approve(
            ALICE, SUPERVISOR, at(60), call_back(minutes=-5), contacts_on_file=ON_FILE
        )


def test_call_back_with_an_unmasked_phone_number_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="masked"):
        type(call_back())(CONTACT_ON_FILE, "13812345678", at(1), CallBackOutcome.CONFIRMED)


def test_second_approval_by_other_supervisor_approves() -> None:
    req = first_bank_approval(bank_change())
    approved, events = req.approve(BOB, SUPERVISOR, at(90))
    assert approved.status is Status.APPROVED
    assert [a.approver_id for a in approved.approvals] == [ALICE, BOB]
    assert approved.approved_changes == approved.changes
    assert isinstance(events[0], ChangeApproved) and events[0].fully_approved


def test_non_supervisor_role_cannot_approve() -> None:
    with pytest.raises(NotAuthorisedError) as raised:
        contact_change().approve(CLERK, "purchasing_clerk", at(10))
    assert "purchasing_clerk" in str(raised.value)
    assert isinstance(raised.value, ApprovalError)


def test_non_supervisor_role_cannot_reject_either() -> None:
    with pytest.raises(NotAuthorisedError):
        contact_change().reject_all(CLERK, "purchasing_clerk", at(10), "no")


def test_other_changes_need_one_supervisor_and_no_call_back() -> None:
    approved, _ = contact_change().approve(ALICE, SUPERVISOR, at(10))
    assert approved.status is Status.APPROVED


@pytest.mark.parametrize(
    "kind",
    [
        ChangeKind.BANK_ACCOUNT_ADD,
        ChangeKind.BANK_ACCOUNT_CHANGE,
        ChangeKind.BANK_ACCOUNT_RETIRE,
        ChangeKind.MERGE_SUPPLIERS,
    ],
)
def test_bank_kinds_need_two_supervisors_and_a_call_back(kind: ChangeKind) -> None:
    req = request(kind, FieldChange("supplier", "s-acme", "note", None, "x"))
    rule = DEFAULT_POLICY.rule_for(req)
    assert (rule.approvals_required, rule.call_back_required) == (2, True)


def test_invoicing_bank_account_field_is_treated_as_a_bank_change() -> None:
    bank_field = FieldChange("invoicing_profile", "ip-1", "bank_account", "tok:1", "tok:2", True)
    title = FieldChange("invoicing_profile", "ip-1", "title", "甲", "乙")
    assert DEFAULT_POLICY.approvals_required(request(ChangeKind.INVOICING_PROFILE, title)) == 1
    req = request(ChangeKind.INVOICING_PROFILE, title, bank_field)
    assert DEFAULT_POLICY.approvals_required(req) == 2
    with pytest.raises(CallBackRequiredError):
        req.approve(ALICE, SUPERVISOR, at(60), contacts_on_file=ON_FILE)


def test_rejecting_the_bank_field_does_not_lower_the_bar() -> None:
    bank_field = FieldChange("invoicing_profile", "ip-1", "bank_name", "工行", "建行")
    title = FieldChange("invoicing_profile", "ip-1", "title", "甲", "乙")
    req = request(ChangeKind.INVOICING_PROFILE, title, bank_field)
    req, _ = req.reject(BOB, SUPERVISOR, at(30), {bank_field.key: "开户行未核实"})
    req = first_bank_approval(req)
    assert req.status is Status.PARTIALLY_APPROVED


def test_policy_with_a_custom_role_and_three_approvals_is_honoured() -> None:
    policy = ApprovalPolicy.from_dict(
        {"default": {"approvals_required": 3, "roles": ["finance_manager", SUPERVISOR]}}
    )
    req = contact_change()
    req, _ = req.approve("u-f1", "finance_manager", at(1), policy=policy)
    req, _ = req.approve("u-f2", SUPERVISOR, at(2), policy=policy)
    assert req.status is Status.PARTIALLY_APPROVED
    req, _ = req.approve("u-f3", "finance_manager", at(3), policy=policy)
    assert req.status is Status.APPROVED


def test_default_policy_round_trips_through_a_dict() -> None:
    assert ApprovalPolicy.from_dict(DEFAULT_POLICY.to_dict()) == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"defaults": {}}, "defaults"),
        ({"default": {"approvals_required": 0}}, "default.approvals_required"),
        ({"default": {"approvals_required": True}}, "default.approvals_required"),
        ({"default": {"approvals_required": "2"}}, "default.approvals_required"),
        ({"default": {"roles": []}}, "default.roles"),
        ({"default": {"roles": "purchasing_supervisor"}}, "default.roles"),
        ({"default": {"call_back_required": "yes"}}, "default.call_back_required"),
        ({"default": {"approver_count": 2}}, "default.approver_count"),
        ({"kinds": {"bank_acount_add": {}}}, "kinds.bank_acount_add"),
        ({"kinds": []}, "kinds"),
        ({"fields": {"bank account": {}}}, "fields.bank account"),
        ({"fields": {"bank_account.*": {"roles": ["cfo"]}}}, "default"),
    ],
)
def test_policy_dict_that_does_not_validate_names_the_setting(
    data: dict[str, object], path: str
) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        ApprovalPolicy.from_dict(data)
    assert raised.value.path == path
    assert isinstance(raised.value, ValueError)


def test_strictest_rule_wins_when_kind_and_field_rules_both_apply() -> None:
    policy = ApprovalPolicy(
        default=ApprovalRule(roles=frozenset({SUPERVISOR, "cfo"})),
        by_field={"contact.name": ApprovalRule(2, frozenset({"cfo"}), True)},
    )
    rule = policy.rule_for(contact_change())
    assert rule == ApprovalRule(2, frozenset({"cfo"}), True)


def test_approving_leaves_the_original_request_untouched() -> None:
    req = contact_change()
    req.approve(ALICE, SUPERVISOR, at(1))
    assert req.status is Status.PENDING and req.approvals == ()
    assert req.requested_by == REQUESTER
