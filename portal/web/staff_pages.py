"""Staff pages (``/staff/...``): the approval queue, the approve/reject acts and the
supplier list. One request's evidence page and the supplier 360 page are in
:mod:`portal.web.review_pages`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from approvals import CallBackOutcome, ChangeKind
from portal.changes import (
    CallBackInput,
    approve_change,
    propose_merge,
    reject_change,
)
from portal.dedup import decide_not_the_same
from portal.domain.principal import STAFF, Role
from portal.domain.supplier import LifecycleState
from portal.domain.uscc import PROVINCES
from portal.web.context import audit_context
from portal.web.paging import page_link
from portal.web.portal_area import PortalDep, page
from portal.web.security import principal_of, requires
from portal.workbench import QueueQuery, SupplierQuery, list_queue, list_suppliers
from portal.workbench.queue import SORTS as QUEUE_SORTS
from portal.workbench.suppliers import SORTS as SUPPLIER_SORTS

Form = URLEncodedBody[dict[str, str]]
REVIEWERS = (Role.PURCHASING_SUPERVISOR, Role.ADMIN)
MERGE_PROPOSERS = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN)


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
