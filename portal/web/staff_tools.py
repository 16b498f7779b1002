"""Staff tools on one supplier (``/staff/suppliers/<id>/manage`` and ``/propose``): block and
unblock with a reason, and propose a change on the supplier's behalf.

Controllers only translate: the role check, the transaction and the audit entry are the use
cases' (:mod:`portal.changes.blocking`, :mod:`portal.changes.on_behalf`). A form that does
not validate comes back filled in with the message next to the field
(:func:`portal.web.forms.form_again`).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from approvals import Entity
from approvals.proposals import (
    EDITABLE,
    InvalidProposalError,
    Proposal,
    current_values,
    is_sensitive,
)
from portal.changes import SupplierNotFoundError, payment_hold
from portal.changes.blocking import (
    BLOCKERS,
    ReasonRequiredError,
    block_reason,
    block_supplier,
    unblock_supplier,
)
from portal.changes.on_behalf import STAFF_PROPOSERS, propose_on_behalf
from portal.domain import fields
from portal.domain.principal import STAFF
from portal.domain.supplier import Supplier
from portal.web.context import audit_context
from portal.web.forms import form_again
from portal.web.portal_area import PortalDep, PortalRuntime, page
from portal.web.security import principal_of, requires
from portal.web.supplier_pages import masked

__all__ = ["MESSAGES", "StaffTools"]

Form = URLEncodedBody[dict[str, str]]
#: The forms of the propose page: which entity each one proposes for.
PROPOSE_FORMS = {
    "supplier": Entity.SUPPLIER,
    "bank_account": Entity.BANK_ACCOUNT,
    "invoicing_profile": Entity.INVOICING_PROFILE,
    "contact": Entity.CONTACT,
}
#: Entities edited as the supplier's own (their id is the supplier's).
_OF_THE_SUPPLIER = (Entity.SUPPLIER, Entity.INVOICING_PROFILE)


def _field_label(entity: str, name: str, lang: str) -> str:
    """A field's label where the catalogue declares it, in the page's language."""
    found = fields.spec(entity, name)
    text = found.zh if lang == "zh" else found.en
    return text if lang == "zh" else text[:1].upper() + text[1:]


def _proposal(supplier_id: str, data: dict[str, str]) -> tuple[str, Proposal]:
    """The form's proposal and which form it was (``<entity>:<id or new>``)."""
    which = data.get("form", "")
    entity = PROPOSE_FORMS.get(which)
    if entity is None:
        raise InvalidProposalError("choose what to propose: company details, a bank account, "
                                   "invoicing details or a contact")  # fmt: skip
    target = supplier_id if entity in _OF_THE_SUPPLIER else (data.get("target", "").strip() or None)
    form_id = f"{which}:{target or 'new'}"
    if data.get("retire") == "1":
        if target is None or entity in _OF_THE_SUPPLIER:
            raise InvalidProposalError("only an existing bank account or contact can be retired")
        return form_id, Proposal(entity, target, {}, remove=True)
    # a blank input keeps the value on file (sensitive values are never pre-filled)
    values = {k: v.strip() for k, v in data.items() if k in EDITABLE[entity] and v.strip()}
    return form_id, Proposal(entity, target, values)


def _supplier(portal: PortalRuntime, supplier_id: str) -> Supplier:
    with portal.services.engine.connect() as conn:
        supplier = portal.services.suppliers.get(conn, supplier_id)
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    return supplier


class StaffTools(Controller):
    """What purchasing does to one supplier besides approving its requests."""

    path = "/staff/suppliers/{supplier_id:str}"
    guards = [requires(*STAFF)]  # noqa: RUF012

    @get("/manage", sync_to_thread=True)
    def manage(
        self, request: Request[Any, Any, Any], portal: PortalDep, supplier_id: FromPath[str]
    ) -> Template:
        return self._manage(request, portal, supplier_id)

    def _manage(
        self,
        request: Request[Any, Any, Any],
        portal: PortalRuntime,
        supplier_id: str,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Template:
        me = principal_of(request)
        supplier = _supplier(portal, supplier_id)
        with portal.services.engine.connect() as conn:
            hold = payment_hold(portal.changes, conn, supplier_id)
            block = block_reason(conn, supplier_id)
        return page(
            request,
            "staff/manage.html",
            status_code=status_code,
            supplier=supplier,
            hold=hold,
            block=block,
            can_block=me.role in BLOCKERS,
            can_propose=me.role in STAFF_PROPOSERS,
            **context,
        )

    @post("/block", sync_to_thread=True, guards=[requires(*BLOCKERS)])
    def block(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        supplier_id: FromPath[str],
        data: Form,
    ) -> Redirect | Template:
        return self._move(request, portal, supplier_id, data, block_supplier)

    @post("/unblock", sync_to_thread=True, guards=[requires(*BLOCKERS)])
    def unblock(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        supplier_id: FromPath[str],
        data: Form,
    ) -> Redirect | Template:
        return self._move(request, portal, supplier_id, data, unblock_supplier)

    def _move(
        self,
        request: Request[Any, Any, Any],
        portal: PortalRuntime,
        supplier_id: str,
        data: dict[str, str],
        act: Any,
    ) -> Redirect | Template:
        try:
            act(portal.changes, audit_context(request), principal_of(request), supplier_id,
                data.get("reason", ""))  # fmt: skip
        except ReasonRequiredError as exc:
            from portal.web.forms import field_errors
            from portal.web.i18n import language_of

            errors = field_errors(exc, zh=language_of(request) == "zh")
            typed = {"reason": data.get("reason", "")}
            return self._manage(
                request, portal, supplier_id, status_code=422, errors=errors, form=typed
            )
        return Redirect(path=f"/staff/suppliers/{supplier_id}/manage", status_code=303)

    @get("/propose", sync_to_thread=True, guards=[requires(*STAFF_PROPOSERS)])
    def propose_form(
        self, request: Request[Any, Any, Any], portal: PortalDep, supplier_id: FromPath[str]
    ) -> Template:
        supplier = _supplier(portal, supplier_id)
        return page(request, "staff/propose.html", **self._propose_context(supplier), which=None)

    @staticmethod
    def _propose_context(supplier: Supplier) -> dict[str, Any]:
        return {
            "supplier": supplier,
            "masked": masked,
            "editable": EDITABLE,
            "current": lambda entity, entity_id: current_values(supplier, entity, entity_id),
            "sensitive": is_sensitive,
            "field_label": _field_label,
        }

    @post("/propose", sync_to_thread=True, guards=[requires(*STAFF_PROPOSERS)])
    def propose(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        supplier_id: FromPath[str],
        data: Form,
    ) -> Redirect | Template:
        supplier = _supplier(portal, supplier_id)
        # which account or contact: in the form's address (ids stay out of what people read)
        target = request.query_params.get("target") or data.get("target", "")
        data = {**data, "target": target}
        which = f"{data.get('form', '')}:{target or 'new'}"
        try:
            which, proposal = _proposal(supplier_id, data)
            created = propose_on_behalf(
                portal.changes, audit_context(request), principal_of(request), supplier_id,
                [proposal],
            )  # fmt: skip
        except InvalidProposalError as exc:
            return form_again(
                request, "staff/propose.html", exc, data, **self._propose_context(supplier),
                which=which,
            )  # fmt: skip
        return Redirect(path=f"/staff/changes/{created.id}", status_code=303)


#: The tools' messages (Chinese first).
MESSAGES: dict[str, dict[str, str]] = {
    k: {"zh": zh, "en": en}
    for k, zh, en in (
        ("tools.manage", "管理", "Manage"),
        ("tools.title", "供应商管理", "Manage supplier"),
        ("tools.state", "合作状态", "Status"),
        ("tools.block", "冻结供应商", "Block supplier"),
        ("tools.unblock", "解除冻结", "Lift the block"),
        ("tools.reason", "理由（必填，记入审计日志）", "Reason (required, kept in the audit log)"),
        ("tools.blocked_since", "冻结于 {at}，操作人 {by}", "Blocked on {at} by {by}"),
        (
            "tools.block_hint",
            "冻结后财务接口对该供应商暂停付款，直至解除冻结。",
            "While blocked, the finance API holds payments to this supplier.",
        ),
        (
            "tools.no_block_right",
            "仅采购主管或管理员可以冻结或解冻。",
            "Only a purchasing supervisor or an admin may block or unblock.",
        ),
        ("tools.propose", "代供应商提交变更", "Propose a change for the supplier"),
        (
            "tools.propose_hint",
            "提交后按同样的审批规则处理；提交人不能审批自己提交的申请。",
            "It goes through the same approval; whoever proposes it cannot approve it.",
        ),
        ("tools.propose_bank", "新增银行账户", "New bank account"),
        ("tools.propose_invoicing", "修改开票信息", "Change invoicing details"),
        ("tools.propose_contact", "新增联系人", "New contact"),
        ("tools.propose_company", "修改公司信息", "Change company details"),
        ("tools.change_account", "修改银行账户", "Change bank account"),
        ("tools.retire_account", "停用此账户", "Retire this account"),
        ("tools.change_contact", "修改联系人", "Change contact"),
        ("tools.remove_contact", "删除此联系人", "Remove this contact"),
        (
            "tools.blank_keeps",
            "留空的项目保持不变；账号、电话等敏感值不预填，需修改时请完整填写。",
            "Blank inputs keep the value on file; account numbers and phones are not "
            "pre-filled: type the whole new value to change one.",
        ),
        ("tools.no_hold", "未暂停付款", "Payments not held"),
        ("tools.export_csv", "导出 CSV（含付款暂停列）", "Export CSV (with payment hold)"),
        ("tools.export_xlsx", "导出 Excel", "Export Excel"),
        (
            "tools.export_hint",
            "与财务接口导出相同；导出会记入审计日志。",
            "The same export as the finance API; the export is recorded in the audit log.",
        ),
        ("portal.pending_verification", "待核验", "Pending verification"),
        (
            "portal.pending_hint",
            "工商或税务数据源暂时无法访问，系统会自动重试；此前的核验结果保持有效。",
            "The registry or tax bureau could not be reached; it is retried automatically "
            "and the earlier result stays valid.",
        ),
        (
            "form.fix",
            "请修改标出的字段后重新提交。",
            "Please correct the marked fields and submit again.",
        ),
    )
}
