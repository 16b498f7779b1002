"""The staff evidence pages: one change request as an evidence file, the supplier's 360
page, the audited document route and the call-back number's audited reveal.

Routes (staff only; every permission is checked again by the use case)::

    GET  /staff/changes/{id}                              the approval page (evidence file)
    POST /staff/changes/{id}/call-back/reveal             one call-back number in full
    GET  /staff/suppliers/{id}                            the supplier 360 page
    POST /staff/suppliers/{id}/reveal                     one masked value in clear
    GET  /staff/suppliers/{id}/documents/{document}       a document (``document.read``)

The registry is asked here (the page owns the provider's client through the verification
area, as the licence pages do); a registry that does not answer is shown as "unknown,
retry later", never as a mismatch.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Stream, Template

from approvals import CallBackOutcome, ChangeRequest
from portal.changes import SupplierNotFoundError, get_change
from portal.changes.call_back import call_back_options
from portal.changes.step_up import step_up_link, step_up_refusal
from portal.documents.reading import open_supplier_document
from portal.domain import uscc
from portal.domain.principal import STAFF, Role
from portal.domain.supplier import Supplier
from portal.finance.call_back import may_reveal_call_back, reveal_call_back_number
from portal.finance.reveal import may_reveal, reveal_value
from portal.identity.totp import EnrolmentState, enrolment_state
from portal.web.auth.totp_routes import ENROL, STEP_UP, with_next
from portal.web.context import audit_context
from portal.web.portal_area import PortalDep, PortalRuntime, page
from portal.web.security import principal_of, requires
from portal.web.supplier_pages import masked
from portal.workbench.evidence import change_evidence, licence_code_of
from portal.workbench.supplier_360 import supplier_360
from registry.errors import CompanyNotFoundError, RegistryError
from registry.model import EnterpriseRecord
from registry.ports import BusinessRegistry

__all__ = ["MESSAGES", "ReviewPages"]

Form = URLEncodedBody[dict[str, str]]
QUEUE_STATES = ("pending", "partially_approved")
REVIEWERS = (Role.PURCHASING_SUPERVISOR, Role.ADMIN)
UNAVAILABLE = "工商数据暂不可用，稍后重试 / the registry did not answer; unknown, retry later"
NOT_CONFIGURED = "未配置工商数据源 / no registry source is configured"
NOT_REGISTERED = "工商登记中查无此信用代码 / the registry knows no company with this credit code"
FOREIGN = (
    "境外供应商没有工商登记，按境外税号核验 / "
    "a foreign supplier has no Chinese registry record; its tax number is checked instead"
)


def _supplier(portal: PortalRuntime, supplier_id: str) -> Supplier:
    with portal.services.engine.connect() as conn:
        supplier = portal.services.suppliers.get(conn, supplier_id)
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    return supplier


def _registry(request: Request[Any, Any, Any]) -> BusinessRegistry | None:
    """The verification area's registry port, when it is open (demo or live providers)."""
    opened = getattr(request.app.state.get("verification"), "opened", None)
    registry: BusinessRegistry | None = getattr(opened, "registry", None)
    return registry


async def _lookup(
    registry: BusinessRegistry | None, code: str | None
) -> tuple[EnterpriseRecord | None, str | None]:
    if code is None:
        return None, FOREIGN
    if registry is None:
        return None, NOT_CONFIGURED
    try:
        return await registry.lookup(code), None
    except CompanyNotFoundError:
        return None, NOT_REGISTERED
    except RegistryError:  # down, over quota, misconfigured: unknown, never a mismatch
        return None, UNAVAILABLE


def _min_confidence(request: Request[Any, Any, Any]) -> float:
    ocr = request.app.state.get("ocr")
    return float(getattr(getattr(ocr, "settings", None), "min_confidence", 0.8))


class ReviewPages(Controller):
    """The approval page, the supplier 360 page and what they open, for staff."""

    path = "/staff"
    guards = [requires(*STAFF)]  # noqa: RUF012

    # -- the approval page -----------------------------------------------------------

    @get("/changes/{request_id:str}")
    async def change(
        self, request: Request[Any, Any, Any], portal: PortalDep, request_id: FromPath[str]
    ) -> Template:
        return await self._change(request, portal, request_id, revealed={})

    @post(
        "/changes/{request_id:str}/call-back/reveal",
        status_code=200,
        guards=[requires(*REVIEWERS)],
    )
    async def reveal_call_back(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        request_id: FromPath[str],
        data: Form,
    ) -> Template:
        """One eligible call-back contact's number in full (checked and audited)."""
        contact_id = data.get("contact_id", "")
        phone = await asyncio.to_thread(
            reveal_call_back_number,
            portal.changes,
            audit_context(request),
            principal_of(request),
            request_id,
            contact_id,
        )
        return await self._change(request, portal, request_id, revealed={contact_id: phone})

    async def _change(
        self,
        request: Request[Any, Any, Any],
        portal: PortalRuntime,
        request_id: str,
        *,
        revealed: dict[str, str],
    ) -> Template:
        me = principal_of(request)
        found = await asyncio.to_thread(get_change, portal.changes, me, request_id)
        supplier = await asyncio.to_thread(_supplier, portal, found.supplier_id)
        registry = _registry(request)
        record, note = await _lookup(registry, supplier.uscc)
        read_code = await asyncio.to_thread(licence_code_of, portal.changes, me, found)
        owner: EnterpriseRecord | None = None
        if read_code and uscc.compact(read_code) != uscc.compact(supplier.uscc or ""):
            owner, _ = await _lookup(registry, read_code)  # whose licence it is, if known
        evidence = await asyncio.to_thread(
            change_evidence,
            portal.changes,
            me,
            found,
            supplier,
            record=record,
            registry_note=note,
            min_confidence=_min_confidence(request),
        )
        context = await asyncio.to_thread(self._review_context, portal, me, found, request_id)
        return page(
            request,
            "staff/change.html",
            change_request=found,
            supplier=supplier,
            masked=masked,
            evidence=evidence,
            licence_owner=owner,
            revealed_numbers=revealed,
            people=evidence.names,
            **context,
        )

    @staticmethod
    def _review_context(
        portal: PortalRuntime, me: Any, found: ChangeRequest, request_id: str
    ) -> dict[str, Any]:
        step_up = step_up_refusal(portal.changes, me, found)
        here = f"/staff/changes/{request_id}"
        enrolled = (
            step_up is not None
            and me.is_person
            and (enrolment_state(portal.services.engine, me.subject) == EnrolmentState.CONFIRMED)
        )
        return {
            "call_back": call_back_options(portal.changes, found),
            "can_reveal_call_back": may_reveal_call_back(portal.changes, me, found),
            "step_up": step_up,
            "step_up_link": step_up_link(here),
            # the portal's own second factor, for providers that give none:
            "totp_link": with_next(STEP_UP if enrolled else ENROL, here),
            "totp_enrolled": enrolled,
            "outcomes": list(CallBackOutcome),
            "can_review": me.role in REVIEWERS,
            "open": found.status.value in QUEUE_STATES,
        }

    # -- the supplier 360 page -------------------------------------------------------

    @get("/suppliers/{supplier_id:str}", sync_to_thread=True)
    def supplier(
        self, request: Request[Any, Any, Any], portal: PortalDep, supplier_id: FromPath[str]
    ) -> Template:
        return self._detail(request, portal, supplier_id, revealed={})

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
        return self._detail(request, portal, supplier_id, revealed={(table, column, row_id): value})

    def _detail(
        self,
        request: Request[Any, Any, Any],
        portal: PortalRuntime,
        supplier_id: str,
        *,
        revealed: dict[tuple[str, str, str], str],
    ) -> Template:
        me = principal_of(request)
        view = supplier_360(portal.changes, me, supplier_id)
        return page(
            request,
            "staff/supplier.html",
            view=view,
            supplier=view.supplier,
            masked=masked,
            revealed=revealed,
            can_reveal=may_reveal(me),
            hold=view.hold,
            people=view.names,
        )

    # -- documents -------------------------------------------------------------------

    @get("/suppliers/{supplier_id:str}/documents/{document_id:str}", sync_to_thread=True)
    def document(
        self,
        request: Request[Any, Any, Any],
        portal: PortalDep,
        supplier_id: FromPath[str],
        document_id: FromPath[str],
    ) -> Response[Any]:
        """The document, decrypted for staff (``document.read`` written first)."""
        info, chunks = open_supplier_document(
            portal.services.engine,
            portal.services.documents,
            portal.audit,
            audit_context(request),
            principal_of(request),
            supplier_id,
            document_id,
            now=portal.now(),
        )
        from urllib.parse import quote

        how = "attachment" if request.query_params.get("download") else "inline"
        return Stream(
            chunks,
            media_type=info.content_type,
            headers={
                "content-disposition": f"{how}; filename*=UTF-8''" + quote(info.filename, safe=""),
                "cache-control": "no-store",
            },
        )


#: The pages' messages (Chinese first).
MESSAGES: dict[str, dict[str, str]] = {
    k: {"zh": zh, "en": en}
    for k, zh, en in (
        ("ev.licence", "营业执照", "Business licence"),
        ("ev.open_full", "点击查看原图", "Open full size"),
        ("ev.download", "下载", "Download"),
        ("ev.comparison", "填写值 / 执照识别值 / 工商登记值 对比", "Typed vs licence vs registry"),
        ("ev.typed", "填写值", "Typed"),
        ("ev.read", "执照识别值（置信度）", "Read from licence (confidence)"),
        ("ev.registered", "工商登记值", "Registry"),
        ("ev.mark", "核对", "Check"),
        ("ev.match", "一致", "match"),
        ("ev.mismatch", "不一致", "mismatch"),
        ("ev.unknown", "无法核对", "unknown"),
        ("ev.requested", "本次申请修改", "changed by this request"),
        (
            "ev.reading_pending",
            "暂无执照识别结果（尚未完成或识别失败），请查看原图",
            "No reading of this licence yet (not finished, or failed): look at the image",
        ),
        ("ev.other_company", "另一家公司的营业执照", "Another company's licence"),
        ("ev.registry", "工商 / 税务信息", "Registry and tax facts"),
        ("ev.reg_status", "登记状态", "Registration status"),
        ("ev.tax_status", "税务状态", "Tax status"),
        ("ev.legal_rep", "法定代表人", "Legal representative"),
        ("ev.capital", "注册资本", "Registered capital"),
        ("ev.address", "住所", "Address"),
        ("ev.checked", "查询时间", "Checked"),
        ("ev.provider", "数据来源", "Source"),
        ("ev.request_id", "查询编号", "Request id"),
        ("ev.former_names", "曾用名", "Former names"),
        ("ev.states", "字段核验状态", "Field verification"),
        ("ev.state", "状态", "State"),
        ("ev.against", "核验来源", "Checked against"),
        ("ev.risk_explained", "风险提示说明", "Risk flags explained"),
        ("ev.recent", "该供应商近期申请", "The supplier's recent requests"),
        ("ev.requester", "申请人", "Requested by"),
        ("ev.reveal_number", "显示完整号码", "Show the full number"),
        ("ev.reveal_hint", "查看完整号码会记入审计日志", "Showing a full number is recorded"),
        ("s360.registration", "工商登记与税务", "Registration and tax"),
        ("s360.last_checked", "最近核验", "Last verified"),
        ("s360.aliases", "别名 / 曾用名", "Aliases and former names"),
        ("s360.invoicing", "开票信息", "Invoicing details"),
        ("s360.title", "发票抬头", "Invoice title"),
        ("s360.tax_number", "纳税人识别号", "Taxpayer number"),
        ("s360.phone", "电话", "Phone"),
        ("s360.bank", "开户行", "Bank"),
        ("s360.account", "账号", "Account"),
        ("s360.documents", "文件", "Documents"),
        ("s360.open", "查看", "Open"),
        ("s360.open_requests", "审批中的申请", "Open requests"),
        ("s360.past_requests", "历史申请", "Past requests"),
        ("s360.duplicates", "疑似重复供应商", "Possible duplicates"),
        ("s360.score", "相似度", "Score"),
        ("s360.hold", "付款暂停", "Payment hold"),
        ("s360.no_hold", "无付款暂停", "No payment hold"),
        ("s360.audit", "近期审计记录", "Recent audit entries"),
        ("s360.none", "无", "None"),
        ("s360.retired", "已停用", "retired"),
        ("s360.uploaded_by", "上传人", "Uploaded by"),
        ("s360.system", "系统", "system"),
        ("v:bank_change.pending", "银行账户变更审批中", "a bank change is under review"),
        ("v:bank_change.cooling_off", "银行账户变更后冷静期", "cooling-off after a bank change"),
        (
            "risk.bank_account.changed",
            "收款账户改变后，付款会打到新账户：请按档案中已有的电话回访确认。",
            "Payments will go to the new account: confirm by calling a number already on file.",
        ),
        (
            "risk.bank_account.holder_mismatch",
            "新账户的户名与供应商登记名称不同，可能是个人或第三方账户。",
            "The new account is held by someone other than the registered company.",
        ),
        (
            "risk.bank_account.shared",
            "该账号已登记在其他供应商名下：可能是重复供应商，也可能是冒用。",
            "Another supplier already uses this account: a duplicate, or an impostor.",
        ),
        (
            "risk.changes.frequent",
            "短期内多次提交变更，常见于账户被盗用的情形。",
            "Many changes in a short time, as often seen when a login was taken over.",
        ),
        ("v:verified", "已核验", "verified"),
        ("v:mismatch", "不一致", "mismatch"),
        ("v:unknown", "待核验", "unknown"),
    )
}
