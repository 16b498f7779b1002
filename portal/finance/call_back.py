"""The call-back number in full, for the approver who must make the call.

A bank change needs its first approver to call the supplier back on a number that was on
file before the change (:func:`approvals.call_back_candidates`, loaded by
:func:`portal.changes.call_back.candidates_for`). The page lists those contacts masked;
:func:`reveal_call_back_number` shows one number in full to someone who may record that
call, and writes ``call_back.number_revealed`` in the same transaction (no entry, no
number). The permission is the same for every kind of caller (browser session or API
token): the caller's role may approve this request under the policy, the caller did not
request it, the request still waits for its first approval, and the contact is eligible.

Errors: :class:`CallBackRevealRefusedError` (403) when the caller may not; an ineligible
contact is refused with the approval rules' own error (422, the reason in words).
"""

from __future__ import annotations

from sqlalchemy import Connection

from approvals import ChangeRequest, Status, check_call_back_target
from portal.audit.log import AuditContext
from portal.changes.call_back import candidates_for
from portal.changes.deps import ChangeDeps, visible
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Principal

__all__ = ["CallBackRevealRefusedError", "may_reveal_call_back", "reveal_call_back_number"]

_WAITING = (Status.PENDING, Status.PARTIALLY_APPROVED)


class CallBackRevealRefusedError(PortalError, PermissionError):
    """This caller may not see the call-back number of this request."""

    kind = ErrorKind.FORBIDDEN
    code = "call_back.reveal_refused"

    def __init__(self) -> None:
        super().__init__(
            "only a supervisor who may approve this request (and did not request it) "
            "sees the call-back number, before the first approval",
            message_zh="只有可审批此申请的主管（且不是申请人）在首次审批前可以查看回访号码",
        )


def may_reveal_call_back(deps: ChangeDeps, principal: Principal, request: ChangeRequest) -> bool:
    """Whether ``principal`` may see call-back numbers of ``request`` (for the page's button)."""
    rule = deps.current_policy().rule_for(request)
    return (
        principal.is_staff
        and principal.role.value in rule.roles
        and principal.subject != request.requested_by
        and request.status in _WAITING
        and not request.approvals
        and rule.call_back_accepted
    )


def _load(
    deps: ChangeDeps, conn: Connection, principal: Principal, request_id: str
) -> ChangeRequest:
    return visible(principal, deps.records.get(conn, request_id), request_id)


def reveal_call_back_number(
    deps: ChangeDeps,
    ctx: AuditContext,
    principal: Principal,
    request_id: str,
    contact_id: str,
) -> str:
    """The full phone number of eligible call-back contact ``contact_id`` of the request."""
    now = deps.clock()
    with deps.engine.begin() as conn:
        request = _load(deps, conn, principal, request_id)
        if not may_reveal_call_back(deps, principal, request):
            raise CallBackRevealRefusedError
        supplier = deps.suppliers.get(conn, request.supplier_id)
        check_call_back_target(candidates_for(deps, conn, request, supplier), contact_id)
        contact = next(
            (c for c in (supplier.contacts if supplier else ()) if c.id == contact_id), None
        )
        if contact is None or not contact.phone:
            raise CallBackRevealRefusedError
        deps.audit.record(
            conn,
            ctx,
            "call_back.number_revealed",
            subject_type="contact",
            subject_id=contact_id,
            field_name="phone",
            after=f"change_request[{request.id}]",
            now=now,
        )
        return contact.phone
