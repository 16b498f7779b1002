"""Builders for tests of code that uses approvals: the package's tests, the SQL store and
the web layer. A supplier, its people (personas), and typical requests, at fixed times.

>>> first_bank_approval(bank_change()).status
<Status.PARTIALLY_APPROVED: 'partially_approved'>
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from approvals.model import (
    CallBack,
    CallBackOutcome,
    ChangeKind,
    ChangeRequest,
    Channel,
    FieldChange,
)

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SUPERVISOR = "purchasing_supervisor"
REQUESTER = "u-supplier-li"
ALICE = "u-supervisor-alice"
BOB = "u-supervisor-bob"
CLERK = "u-clerk-chen"
SUPPLIER = "s-acme"
CONTACT_ON_FILE = "c-wang-on-file"
NEW_CONTACT = "c-zhao-new"
ON_FILE = frozenset({CONTACT_ON_FILE})


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def bank_number_change() -> FieldChange:
    return FieldChange("bank_account", "ba-1", "account_number", "tok:old", "tok:new", True)


def bank_holder_change() -> FieldChange:
    return FieldChange("bank_account", "ba-1", "holder_name", "上海甲公司", "上海乙公司")


def request(
    kind: ChangeKind,
    *changes: FieldChange,
    requested_by: str = REQUESTER,
    base_version: int = 3,
    submit: bool = True,
) -> ChangeRequest:
    draft = ChangeRequest(
        id=f"r-{kind}",
        supplier_id=SUPPLIER,
        kind=kind,
        channel=Channel.PORTAL,
        requested_by=requested_by,
        requester_role="supplier_user",
        requested_at=T0,
        base_version=base_version,
        changes=changes,
    )
    if not submit:
        return draft
    submitted, _ = draft.submit(T0)
    return submitted


def bank_change(*extra: FieldChange, requested_by: str = REQUESTER) -> ChangeRequest:
    return request(
        ChangeKind.BANK_ACCOUNT_CHANGE,
        bank_number_change(),
        bank_holder_change(),
        *extra,
        requested_by=requested_by,
    )


def contact_change(*, requested_by: str = REQUESTER, submit: bool = True) -> ChangeRequest:
    """A change of a contact's name and role: not sensitive, one approver."""
    changes = (
        FieldChange("contact", CONTACT_ON_FILE, "name", "王经理", "王总监"),
        FieldChange("contact", CONTACT_ON_FILE, "title", "经理", "总监"),
    )
    return request(ChangeKind.CONTACT_CHANGE, *changes, requested_by=requested_by, submit=submit)


def contact_phone_change(
    contact_id: str = CONTACT_ON_FILE, *, requested_by: str = REQUESTER, request_id: str = ""
) -> ChangeRequest:
    """A change of a contact's phone number: sensitive, like a bank change."""
    change = FieldChange("contact", contact_id, "phone", "tok:old", "tok:new", True)
    submitted = request(ChangeKind.CONTACT_CHANGE, change, requested_by=requested_by)
    return replace(submitted, id=request_id or f"r-phone-{contact_id}")


def call_back(
    contact_id: str = CONTACT_ON_FILE,
    minutes: float = 30,
    outcome: CallBackOutcome = CallBackOutcome.CONFIRMED,
) -> CallBack:
    return CallBack(contact_id, "138****5678", at(minutes), outcome, "confirmed new account")


def first_bank_approval(req: ChangeRequest) -> ChangeRequest:
    approved, _ = req.approve(ALICE, SUPERVISOR, at(60), call_back(), contacts_on_file=ON_FILE)
    return approved
