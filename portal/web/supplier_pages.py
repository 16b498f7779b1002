"""Supplier pages (``/portal/...``): dashboard, profile, proposing changes, documents, requests.

Every handler works on the logged-in supplier user's own supplier
(``Principal.supplier_id``); ids in URLs are looked up inside that supplier only, and the
services check the scope again, so another supplier's id is a 404, never its data.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, URLEncodedBody
from litestar.response import Redirect, Response, Stream, Template

from approvals import Entity, Status
from approvals.proposals import EDITABLE, Proposal
from crypto import mask_bank_account, mask_phone
from payments import REASONS
from payments.check import HoldReason
from portal.changes import (
    InvalidProposalError,
    SupplierNotFoundError,
    UnknownEntityError,
    confirm_registry_facts,
    get_change,
    list_changes,
    payment_hold,
    submit_change,
    withdraw_change,
)
from portal.documents import store as docs
from portal.domain.principal import Principal, Role
from portal.domain.supplier import Supplier
from portal.payments.checking import supplier_hold_reasons
from portal.payments.hold_findings import open_hold_findings
from portal.verification.view import awaiting_sources
from portal.web.auth.ratelimit import rate_limited
from portal.web.context import audit_context
from portal.web.forms import form_again
from portal.web.portal_area import PortalDep, PortalRuntime, page
from portal.web.security import principal_of, requires

Form = URLEncodedBody[dict[str, str]]


def _me(request: Request[Any, Any, Any]) -> tuple[Principal, str]:
    principal = principal_of(request)
    if principal.supplier_id is None:
        raise SupplierNotFoundError("(none)")
    return principal, principal.supplier_id


def _supplier(portal: PortalRuntime, supplier_id: str) -> Supplier:
    with portal.services.engine.connect() as conn:
        supplier = portal.services.suppliers.get(conn, supplier_id)
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    return supplier


def completeness(supplier: Supplier, document_kinds: set[str]) -> tuple[int, list[str]]:
    """Percentage of the record that is filled in, and the keys of what is missing."""
    checks = {
        "address": bool(supplier.address),
        "legal_representative": bool(supplier.legal_representative),
        "bank_account": any(not a.retired for a in supplier.bank_accounts),
        "invoicing_profile": supplier.invoicing_profile is not None,
        "contact_phone": any(c.phone for c in supplier.contacts),
        "contact_email": any(c.email for c in supplier.contacts),
        "business_licence": "business_licence" in document_kinds,
        "bank_permit": "bank_permit" in document_kinds,
    }
    missing = [key for key, ok in checks.items() if not ok]
    return round(100 * (len(checks) - len(missing)) / len(checks)), missing


def masked(entity: str, field_name: str, value: str | None) -> str:
    """A value as a supplier or reviewer sees it in lists and diffs."""
    if value is None or value == "":
        return "—"
    if field_name == "account_number":
        return mask_bank_account(value)
    if field_name == "phone":
        return mask_phone(value)
    return value


def _values(data: dict[str, str], entity: Entity) -> dict[str, str | None]:
    return {name: data.get(name) for name in EDITABLE[entity] if name in data}


#: the hold finding that explains each registry, tax or invoice hold
_FINDING_OF = {
    HoldReason.REGISTRY_INACTIVE: "registry.inactive",
    HoldReason.TAX_ABNORMAL: "tax.abnormal",
    HoldReason.LEGAL_REP_CHANGED: "registry.legal_rep_changed",
    HoldReason.INVOICE_MISMATCH: "invoice.seller_mismatch",
}


def _held(reasons: list[Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each reason payments to the supplier are held, in words: why (the finding's own
    words when one is open, else the rule's), since when, and the draft to confirm."""
    by_code = {f["code"]: f for f in reversed(findings)}  # the oldest open finding wins
    held = []
    for reason in reasons:
        finding = by_code.get(_FINDING_OF[reason.code], {})
        text = REASONS[reason.code]
        held.append({
            "code": reason.code.value,
            "why_zh": finding.get("message_zh") or text.zh,
            "why_en": finding.get("message_en") or text.en,
            "since": reason.since or finding.get("since"),
            "draft_id": finding.get("draft_id"),
        })  # fmt: skip
    return held


class SupplierPages(Controller):
    """The supplier's own pages."""

    path = "/portal"
    guards = [requires(Role.SUPPLIER)]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def dashboard(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        me, sid = _me(request)
        supplier = _supplier(portal, sid)
        documents = docs.list_documents(portal.services.engine, me, sid)
        score, missing = completeness(supplier, {d.kind for d in documents})
        open_requests = list_changes(
            portal.changes,
            me,
            statuses=(Status.PENDING, Status.PARTIALLY_APPROVED, Status.APPROVED),
        )
        with portal.services.engine.connect() as conn:
            hold = payment_hold(portal.changes, conn, sid)
            awaiting = awaiting_sources(conn, sid)
            findings = open_hold_findings(conn, supplier_id=sid)
            held = _held(supplier_hold_reasons(conn, sid), findings)
            to_confirm = [f for f in findings if f["draft_id"]]
        return page(
            request,
            "supplier/dashboard.html",
            held=held,
            to_confirm=to_confirm,
            awaiting=awaiting,
            supplier=supplier,
            score=score,
            missing=missing,
            open_requests=open_requests,
            hold=hold,
        )

    @get("/profile", sync_to_thread=True)
    def profile(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        _, sid = _me(request)
        return page(
            request, "supplier/profile.html", supplier=_supplier(portal, sid), masked=masked
        )

    # -- bank accounts ---------------------------------------------------------------

    @get("/bank-accounts/new", sync_to_thread=True)
    def new_account(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        _, sid = _me(request)
        return page(
            request, "supplier/bank_form.html", supplier=_supplier(portal, sid), account=None
        )

    @get("/bank-accounts/{account_id:str}/edit", sync_to_thread=True)
    def edit_account(
        self, request: Request[Any, Any, Any], portal: PortalDep, account_id: FromPath[str]
    ) -> Template:
        _, sid = _me(request)
        supplier = _supplier(portal, sid)
        account = next((a for a in supplier.bank_accounts if a.id == account_id), None)
        if account is None:
            raise SupplierNotFoundError(account_id)
        return page(
            request, "supplier/bank_form.html", supplier=supplier, account=account, masked=masked
        )

    @post("/bank-accounts", sync_to_thread=True)
    def add_account(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Redirect | Template:
        return self._propose(
            request,
            portal,
            Proposal(Entity.BANK_ACCOUNT, None, _values(data, Entity.BANK_ACCOUNT)),
            again=("supplier/bank_form.html", data, {"account": None}),
        )

    @post("/bank-accounts/{account_id:str}", sync_to_thread=True)
    def change_account(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        account_id: FromPath[str],
        data: Form,
    ) -> Redirect | Template:
        values = {k: v for k, v in _values(data, Entity.BANK_ACCOUNT).items() if v}
        return self._propose(
            request,
            portal,
            Proposal(Entity.BANK_ACCOUNT, account_id, values),
            again=("supplier/bank_form.html", data, {"account_id": account_id}),
        )

    @post("/bank-accounts/{account_id:str}/retire", sync_to_thread=True)
    def retire_account(
        self, request: Request[Any, Any, Any], portal: PortalDep, account_id: FromPath[str]
    ) -> Redirect | Template:
        return self._propose(
            request, portal, Proposal(Entity.BANK_ACCOUNT, account_id, remove=True)
        )

    # -- invoicing profile and contacts --------------------------------------------------

    @get("/invoicing/edit", sync_to_thread=True)
    def edit_invoicing(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        _, sid = _me(request)
        return page(
            request, "supplier/invoicing_form.html", supplier=_supplier(portal, sid), masked=masked
        )

    @post("/invoicing", sync_to_thread=True)
    def change_invoicing(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Redirect | Template:
        _, sid = _me(request)
        values = {k: v for k, v in _values(data, Entity.INVOICING_PROFILE).items() if v}
        return self._propose(
            request,
            portal,
            Proposal(Entity.INVOICING_PROFILE, sid, values),
            again=("supplier/invoicing_form.html", data, {}),
        )

    @get("/contacts/new", sync_to_thread=True)
    def new_contact(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        _, sid = _me(request)
        return page(
            request, "supplier/contact_form.html", supplier=_supplier(portal, sid), contact=None
        )

    @get("/contacts/{contact_id:str}/edit", sync_to_thread=True)
    def edit_contact(
        self, request: Request[Any, Any, Any], portal: PortalDep, contact_id: FromPath[str]
    ) -> Template:
        _, sid = _me(request)
        supplier = _supplier(portal, sid)
        contact = next((c for c in supplier.contacts if c.id == contact_id), None)
        if contact is None:
            raise SupplierNotFoundError(contact_id)
        return page(
            request, "supplier/contact_form.html", supplier=supplier, contact=contact, masked=masked
        )

    @post("/contacts", sync_to_thread=True)
    def add_contact(
        self, request: Request[Any, Any, Any], portal: PortalDep, data: Form
    ) -> Redirect | Template:
        return self._propose(
            request,
            portal,
            Proposal(Entity.CONTACT, None, _values(data, Entity.CONTACT)),
            again=("supplier/contact_form.html", data, {"contact": None}),
        )

    @post("/contacts/{contact_id:str}", sync_to_thread=True)
    def change_contact(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        contact_id: FromPath[str],
        data: Form,
    ) -> Redirect | Template:
        values = {k: v for k, v in _values(data, Entity.CONTACT).items() if v}
        return self._propose(
            request,
            portal,
            Proposal(Entity.CONTACT, contact_id, values),
            again=("supplier/contact_form.html", data, {"contact_id": contact_id}),
        )

    @post("/contacts/{contact_id:str}/remove", sync_to_thread=True)
    def remove_contact(
        self, request: Request[Any, Any, Any], portal: PortalDep, contact_id: FromPath[str]
    ) -> Redirect | Template:
        return self._propose(request, portal, Proposal(Entity.CONTACT, contact_id, remove=True))

    def _propose(
        self,
        request: Request[Any, Any, Any],
        portal: PortalRuntime,
        proposal: Proposal,
        again: tuple[str, dict[str, str], dict[str, Any]] | None = None,
    ) -> Redirect | Template:
        """Submit; a form that does not validate comes back filled in (``again``: its
        template, what was typed, and which account or contact it was for)."""
        me, sid = _me(request)
        try:
            created = submit_change(portal.changes, audit_context(request), me, sid, [proposal])
        except InvalidProposalError as exc:
            if again is None or isinstance(exc, UnknownEntityError):
                raise
            template, typed, context = again
            supplier = _supplier(portal, sid)
            if "account_id" in context:
                context = {"account": next(
                    (a for a in supplier.bank_accounts if a.id == context["account_id"]), None
                )}  # fmt: skip
            if "contact_id" in context:
                context = {"contact": next(
                    (c for c in supplier.contacts if c.id == context["contact_id"]), None
                )}  # fmt: skip
            return form_again(
                request, template, exc, typed, supplier=supplier, masked=masked, **context
            )
        return Redirect(path=f"/portal/changes/{created.id}", status_code=303)

    # -- documents -------------------------------------------------------------------

    @get("/documents", sync_to_thread=True)
    def documents(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        me, sid = _me(request)
        return page(
            request,
            "supplier/documents.html",
            kinds=docs.KINDS,
            documents=docs.list_documents(portal.services.engine, me, sid),
        )

    @post("/documents", sync_to_thread=True, guards=[rate_limited("upload")])
    def upload(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Redirect:
        me, sid = _me(request)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise docs.DocumentRejectedError("choose a file to upload", code="document.missing")
        limit = portal.services.settings.web.max_upload_bytes
        content = upload.file.read(limit + 1)
        docs.upload_document(
            portal.services.engine,
            portal.services.documents,
            portal.audit,
            audit_context(request),
            me,
            sid,
            kind=str(data.get("kind", "other")),
            filename=upload.filename or "document",
            content=content,
            max_bytes=limit,
            now=portal.now(),
        )
        return Redirect(path="/portal/documents", status_code=303)

    @get("/documents/{document_id:str}", sync_to_thread=True)
    def download(
        self, request: Request[Any, Any, Any], portal: PortalDep, document_id: FromPath[str]
    ) -> Response[Any]:
        me, _ = _me(request)
        info, chunks = docs.open_document(
            portal.services.engine,
            portal.services.documents,
            portal.audit,
            audit_context(request),
            me,
            document_id,
            now=portal.now(),
        )
        return Stream(
            chunks,
            media_type=info.content_type,
            headers={
                "content-disposition": "attachment; filename*=UTF-8''" + _quoted(info.filename)
            },
        )

    # -- change requests -------------------------------------------------------------

    @get("/changes", sync_to_thread=True)
    def changes(self, request: Request[Any, Any, Any], portal: PortalDep) -> Template:
        me, _ = _me(request)
        return page(request, "supplier/changes.html", requests=list_changes(portal.changes, me))

    @get("/changes/{request_id:str}", sync_to_thread=True)
    def change(
        self, request: Request[Any, Any, Any], portal: PortalDep, request_id: FromPath[str]
    ) -> Template:
        me, _ = _me(request)
        found = get_change(portal.changes, me, request_id)
        with portal.services.engine.connect() as conn:
            why = [f for f in open_hold_findings(conn, supplier_id=found.supplier_id)
                   if f["draft_id"] == found.id]  # fmt: skip
        return page(
            request,
            "supplier/change.html",
            change_request=found,
            masked=masked,
            why=why,
            can_confirm=found.status is Status.DRAFT,
            can_withdraw=found.status in (Status.PENDING, Status.PARTIALLY_APPROVED)
            and found.requested_by == me.subject,
        )

    @post("/changes/{request_id:str}/confirm", sync_to_thread=True)
    def confirm(
        self, request: Request[Any, Any, Any], portal: PortalDep, request_id: FromPath[str]
    ) -> Redirect:
        me, _ = _me(request)
        confirm_registry_facts(portal.changes, audit_context(request), me, request_id)
        return Redirect(path=f"/portal/changes/{request_id}", status_code=303)

    @post("/changes/{request_id:str}/withdraw", sync_to_thread=True)
    def withdraw(
        self, request: Request[Any, Any, Any], portal: PortalDep, request_id: FromPath[str]
    ) -> Redirect:
        me, _ = _me(request)
        withdraw_change(portal.changes, audit_context(request), me, request_id)
        return Redirect(path=f"/portal/changes/{request_id}", status_code=303)


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
