"""Who counts as an approver: people who logged in themselves, never API clients.

A bank or contact change needs two different people, or one person and a call-back. An API
token is not a person: counting its approval would let one supervisor plus a token pass for
two people, with no call-back at all. Tokens may propose changes and read them; they may
approve only requests that touch neither bank details nor contacts (nor anything the policy
gives two approvers or a call-back).

>>> from approvals.policy import DEFAULT_POLICY
>>> from tests.support.approvals import ALICE, bank_change, contact_change
>>> check_person(DEFAULT_POLICY, bank_change(), "api:erp", is_person=False)
Traceback (most recent call last):
...
approvals.errors.ApproverNotAPersonError: Only a person logged in to the portal ...
>>> check_person(DEFAULT_POLICY, bank_change(), ALICE, is_person=True)
>>> check_person(DEFAULT_POLICY, contact_change(), ALICE, is_person=True)
"""

from __future__ import annotations

from approvals.errors import ApproverNotAPersonError
from approvals.model import ChangeRequest
from approvals.policy import CONTACT_FIELDS, ApprovalPolicy

__all__ = ["check_person", "is_sensitive"]


def is_sensitive(policy: ApprovalPolicy, request: ChangeRequest) -> bool:
    """Bank details, any contact, or anything the policy gives two approvers or a call-back.

    >>> from approvals.model import ChangeKind, FieldChange
    >>> from approvals.policy import DEFAULT_POLICY
    >>> from tests.support.approvals import bank_change, contact_change, request
    >>> is_sensitive(DEFAULT_POLICY, bank_change()), is_sensitive(DEFAULT_POLICY, contact_change())
    (True, True)
    >>> address = FieldChange("supplier", "s-acme", "address", "旧址", "新址")
    >>> is_sensitive(DEFAULT_POLICY, request(ChangeKind.SUPPLIER_PROFILE, address))
    False
    """
    rule = policy.rule_for(request)
    return (
        request.touches_bank_details
        or bool(request.touched_contact_ids)
        or rule.approvals_required > 1
        or rule.call_back_accepted
        or any(f"{c.entity}.{c.field_name}" in CONTACT_FIELDS for c in request.changes)
    )


def check_person(
    policy: ApprovalPolicy, request: ChangeRequest, reviewer: str, *, is_person: bool
) -> None:
    """Raise :class:`ApproverNotAPersonError` when a non-person would approve a sensitive
    ``request``. ``is_person``: the reviewer logged in interactively (not an API token)."""
    if not is_person and is_sensitive(policy, request):
        raise ApproverNotAPersonError(reviewer)
