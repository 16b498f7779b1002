"""Staff pages (``/staff/...``): the approval queue, one request with its diff and the
approve/reject forms, the supplier list and a supplier's detail with audited reveal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from approvals import CallBackOutcome, ChangeKind, Status
from portal.changes import (
    CallBackInput,
    SupplierNotFoundError,
    approve_change,
    get_change,
    list_changes,
    payment_hold,
    propose_merge,
    reject_change,
)
from portal.changes.call_back import call_back_options
from portal.changes.step_up import step_up_link, step_up_refusal
from portal.dedup import decide_not_the_same
from portal.domain.principal import STAFF, Role
from portal.domain.supplier import LifecycleState, Supplier
from portal.domain.uscc import PROVINCES
from portal.finance.reveal import may_reveal, reveal_value
from portal.identity.totp import EnrolmentState, enrolment_state
from portal.web.auth.totp_routes import ENROL, STEP_UP, with_next
from portal.web.context import audit_context
from portal.web.paging import page_link
from portal.web.portal_area import PortalDep, PortalRuntime, page
from portal.web.security import principal_of, requires
from portal.web.supplier_pages import masked
from portal.workbench import QueueQuery, SupplierQuery, list_queue, list_suppliers
from portal.workbench.queue import SORTS as QUEUE_SORTS
from portal.workbench.suppliers import SORTS as SUPPLIER_SORTS

Form = URLEncodedBody[dict[str, str]]
QUEUE = (Status.PENDING, Status.PARTIALLY_APPROVED)
REVIEWERS = (Role.PURCHASING_SUPERVISOR, Role.ADMIN)
MERGE_PROPOSERS = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN)


def _supplier(portal: PortalRuntime, supplier_id: str) -> Supplier:
    with portal.services.engine.connect() as conn:
        supplier = portal.services.suppliers.get(conn, supplier_id)
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    return supplier


class StaffPages(Controller):
    """Purchasing, finance, auditors and admins."""

    path = "/staff"
    guards = [requires(*STAFF)]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def queue(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        query = QueueQuery.of(**dict(request.query_params.items()))
        found = list_queue(portal.changes, principal_of(request), query)
        return page(
            request,
            "staff/queue.html",
            found=found,
            query=query,
            link=page_link(request),
            kinds=list(ChangeKind),
            sorts=list(QUEUE_SORTS),
        )

    @get("/changes/{request_id:str}", sync_to_thread=True)
    def change(
        self, request: Request[Any, Any, Any], portal: PortalDep, request_id: FromPath[str]
    ) -> Template:
        me = principal_of(request)
        found = get_change(portal.changes, me, request_id)
        supplier = _supplier(portal, found.supplier_id)
        call_back = call_back_options(portal.changes, found)
        step_up = step_up_refusal(portal.changes, me, found)
        here = f"/staff/changes/{request_id}"
        enrolled = (
            step_up is not None
            and me.is_person
            and (enrolment_state(portal.services.engine, me.subject) == EnrolmentState.CONFIRMED)
        )
        return page(
            request,
            "staff/change.html",
            change_request=found,
            supplier=supplier,
            masked=masked,
            call_back=call_back,
            step_up=step_up,
            step_up_link=step_up_link(here),
            # the portal's own second factor, for providers that give none:
            totp_link=with_next(STEP_UP if enrolled else ENROL, here),
            totp_enrolled=enrolled,
            outcomes=list(CallBackOutcome),
            can_review=me.role in REVIEWERS,
            open=found.status in QUEUE,
        )

    @post("/changes/{request_id:str}/approve", sync_to_thread=True, guards=[requires(*REVIEWERS)])
    def approve(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        request_id: FromPath[str],
        data: Form,
    ) -> Redirect:
        me = principal_of(request)
        call_back = None
        if data.get("call_back_contact"):
            called_at = data.get("call_back_at")
            call_back = CallBackInput(
                contact_id=data["call_back_contact"],
                outcome=CallBackOutcome(data.get("call_back_outcome", "confirmed")),
                note=data.get("call_back_note", ""),
                called_at=datetime.fromisoformat(called_at) if called_at else None,
            )
        rejected = {
            key[len("reject:") :]: reason.strip()
            for key, reason in data.items()
            if key.startswith("reject:") and reason.strip()
        }
        approve_change(
            portal.changes,
            audit_context(request),
            me,
            request_id,
            call_back=call_back,
            rejected_fields=rejected,
        )
        return Redirect(path=f"/staff/changes/{request_id}", status_code=303)

    @post("/duplicates/merge", sync_to_thread=True, guards=[requires(*MERGE_PROPOSERS)])
    def propose_merge(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Redirect:
        """Propose merging a likely duplicate into the other record (goes to approval)."""
        change = propose_merge(
            portal.changes,
            audit_context(request),
            principal_of(request),
            data.get("survivor_id", ""),
            data.get("absorbed_id", ""),
        )
        return Redirect(path=f"/staff/changes/{change.id}", status_code=303)

    @post("/duplicates/not-the-same", sync_to_thread=True, guards=[requires(*MERGE_PROPOSERS)])
    def not_the_same(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Redirect:
        """Record that two suppliers are different companies (never raised again), audited."""
        decide_not_the_same(portal.services.engine, portal.audit, audit_context(request),
                            principal_of(request), data.get("a_id", ""), data.get("b_id", ""),
                            now=portal.now(), note=data.get("note") or None)  # fmt: skip
        return Redirect(path="/staff/duplicates", status_code=303)

    @post("/changes/{request_id:str}/reject", sync_to_thread=True, guards=[requires(*REVIEWERS)])
    def reject(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        request_id: FromPath[str],
        data: Form,
    ) -> Redirect:
        me = principal_of(request)
        reasons = {
            key[len("reject:") :]: reason.strip()
            for key, reason in data.items()
            if key.startswith("reject:") and reason.strip()
        }
        everything = data.get("reason_for_all", "").strip() or None
        reject_change(
            portal.changes,
            audit_context(request),
            me,
            request_id,
            reasons,
            reason_for_all=everything,
        )
        return Redirect(path=f"/staff/changes/{request_id}", status_code=303)

    @get("/suppliers", sync_to_thread=True)
    def suppliers(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        query = SupplierQuery.of(**dict(request.query_params.items()))
        found = list_suppliers(portal.changes, principal_of(request), query)
        return page(
            request,
            "staff/suppliers.html",
            found=found,
            query=query,
            link=page_link(request),
            states=list(LifecycleState),
            provinces=PROVINCES,
            sorts=list(SUPPLIER_SORTS),
        )

    @get("/suppliers/{supplier_id:str}", sync_to_thread=True)
    def supplier(
        self, request: Request[Any, Any, Any], portal: PortalDep, supplier_id: FromPath[str]
    ) -> Template:
        me = principal_of(request)
        return self._detail(request, portal, supplier_id, revealed=None, can_reveal=may_reveal(me))

    @post("/suppliers/{supplier_id:str}/reveal", sync_to_thread=True, status_code=200)
    def reveal(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        supplier_id: FromPath[str],
        data: Form,
    ) -> Template:
        """One clear value, for staff who may reveal (checked and audited by the use case)."""
        table, column, row_id = (
            data.get("table", ""),
            data.get("column", ""),
            data.get("row_id", ""),
        )
        value = reveal_value(
            portal.reveal, audit_context(request), principal_of(request), supplier_id,
            table, column, row_id,
        )  # fmt: skip
        return self._detail(
            request, portal, supplier_id, revealed={(table, column, row_id): value}, can_reveal=True
        )

    def _detail(
        self,
        request: Request[Any, Any, Any],
        portal: PortalRuntime,
        supplier_id: str,
        *,
        revealed: dict[tuple[str, str, str], str] | None,
        can_reveal: bool,
    ) -> Template:
        me = principal_of(request)
        supplier = _supplier(portal, supplier_id)
        with portal.services.engine.connect() as conn:
            hold = payment_hold(portal.changes, conn, supplier_id)
        history = list_changes(portal.changes, me, supplier_id=supplier_id, limit=50)
        return page(
            request,
            "staff/supplier.html",
            supplier=supplier,
            masked=masked,
            revealed=revealed or {},
            can_reveal=can_reveal,
            hold=hold,
            history=history,
        )
