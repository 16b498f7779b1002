"""The portal area: supplier pages, staff pages and the change-request API.

``portal_area`` is listed in :data:`portal.web.site.AREAS`; tests call
:func:`build_portal` with their own :class:`~portal.changes.ChangeDeps` (clock,
notifier). Errors are answered from the one table (:mod:`portal.web.errors`): pages
show them as a page in the user's language, the change API as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from litestar import Request, Router
from litestar.di import NamedDependency, Provide
from litestar.response import Template

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.changes import ChangeDeps
from portal.core import Services
from portal.domain.principal import Principal
from portal.finance.reveal import RevealDeps
from portal.web.context import request_id_of
from portal.web.errors import handlers
from portal.web.i18n import add_messages, language_of, translator
from portal.web.site import Contribution

__all__ = ["PortalDep", "PortalRuntime", "build_portal", "portal_area"]


@dataclass
class PortalRuntime:
    """What the area's handlers need: the services and the change-request collaborators."""

    services: Services
    changes: ChangeDeps

    @property
    def audit(self) -> AuditLog:
        return self.changes.audit

    def now(self) -> datetime:
        return self.changes.clock()

    @property
    def reveal(self) -> RevealDeps:
        return RevealDeps(
            self.services.engine, self.services.suppliers, self.changes.audit, self.changes.clock
        )


#: ``portal: PortalDep`` in a handler signature gets the area's runtime.
PortalDep: TypeAlias = NamedDependency[PortalRuntime]


def page(
    request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: Any
) -> Template:
    """A page with the user, ``t``, the language and the request id."""
    user = request.scope.get("user")
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "user": user if isinstance(user, Principal) else None,
            "t": translator(request),
            "lang": "zh-CN" if language_of(request) == "zh" else "en",
            "request_id": request_id_of(request),
            **context,
        },
    )


def build_portal(services: Services, deps: ChangeDeps) -> Contribution:
    """Everything the area adds to the app, around already-built collaborators."""
    from portal.web.admin_pages import AdminPages
    from portal.web.audit_pages import AuditPages
    from portal.web.review_pages import MESSAGES as REVIEW_MESSAGES
    from portal.web.review_pages import ReviewPages
    from portal.web.staff_pages import StaffPages
    from portal.web.staff_tools import MESSAGES as TOOL_MESSAGES
    from portal.web.staff_tools import StaffTools
    from portal.web.supplier_pages import SupplierPages

    add_messages(MESSAGES)
    add_messages(REVIEW_MESSAGES)
    add_messages(TOOL_MESSAGES)
    from portal.web.admin_pages import MESSAGES as ADMIN_MESSAGES

    add_messages(ADMIN_MESSAGES)
    runtime = PortalRuntime(services, deps)
    router = Router(
        path="/",
        route_handlers=[SupplierPages, StaffPages, ReviewPages, AuditPages, StaffTools, AdminPages],
        dependencies={"portal": Provide(lambda: runtime, sync_to_thread=False)},
        exception_handlers=handlers(template="supplier/error.html", pages=True, http=False),
        request_max_body_size=services.settings.web.max_upload_bytes + 64 * 1024,
        include_in_schema=False,
    )
    from portal.web.change_api import ChangeApi

    api = Router(
        path="/",
        route_handlers=[ChangeApi],
        dependencies={"portal": Provide(lambda: runtime, sync_to_thread=False)},
        exception_handlers=handlers(http=False),
    )
    return Contribution(
        route_handlers=[router, api],
        state={"portal": runtime},
    )


def portal_area(collaborators: Collaborators) -> Contribution:
    """The area as ``portal serve`` and ``portal demo`` build it."""
    return build_portal(collaborators.services, collaborators.changes)


#: The area's messages (Chinese first; ``t(key)`` in templates).
MESSAGES: dict[str, dict[str, str]] = {
    k: {"zh": zh, "en": en}
    for k, zh, en in (
        ("portal.dashboard", "首页", "Dashboard"),
        ("portal.profile", "企业档案", "Company profile"),
        ("portal.documents", "资料上传", "Documents"),
        ("portal.licence", "营业执照识别", "Business licence"),
        ("portal.changes", "我的变更申请", "My change requests"),
        ("portal.completeness", "资料完整度", "Completeness"),
        ("portal.verification", "核验状态", "Verification"),
        ("portal.validated", "已核验", "Verified"),
        ("portal.not_validated", "未核验", "Not verified"),
        ("portal.missing", "待补充", "Still missing"),
        ("portal.open_requests", "审批中的申请", "Requests under review"),
        ("portal.payment_hold", "付款暂停", "Payments on hold"),
        ("portal.bank_accounts", "银行账户", "Bank accounts"),
        ("portal.add_account", "新增银行账户", "Add a bank account"),
        ("portal.change_account", "变更银行账户", "Change a bank account"),
        ("portal.retire", "停用", "Retire"),
        ("portal.edit", "申请修改", "Propose a change"),
        ("portal.invoicing", "开票信息", "Invoicing profile"),
        ("portal.contacts", "联系人", "Contacts"),
        ("portal.add_contact", "新增联系人", "Add a contact"),
        ("portal.remove", "删除", "Remove"),
        ("portal.submit", "提交审批", "Submit for approval"),
        ("portal.upload", "上传", "Upload"),
        ("portal.upload_hint", "仅接受 PDF、JPEG、PNG 文件", "PDF, JPEG and PNG only"),
        ("portal.withdraw", "撤回申请", "Withdraw"),
        ("portal.facts_to_confirm", "请确认登记信息", "Please confirm your registration details"),
        (
            "portal.facts_hint",
            "我们已按登记机关的最新信息预填了变更申请。信息无误请确认提交，经采购审批后更新档案；"
            "如有误请联系采购人员。信息一致前付款暂停。",
            "We prefilled a change request with the authority's latest details. If they are "
            "right, confirm and submit it; purchasing reviews it before our record changes. "
            "If they are wrong, contact purchasing. Payments are held until the details agree.",
        ),
        ("portal.check_and_confirm", "核对并确认", "Check and confirm"),
        ("portal.held_title", "对贵司的付款已暂停", "Payments to you are on hold"),
        ("portal.held_since", "自 {since} 起", "since {since}"),
        ("portal.held_clears", "如何解除：", "What clears it: "),
        (
            "portal.held_clears.registry_inactive",
            "登记机关显示贵司已不能经营，期间无法付款。请核对并确认我们按登记信息预填的变更申请；"
            "如登记有误，请先向登记机关更正，重新核验显示存续/在业后自动恢复付款。",
            "the registry shows your company cannot trade, and we cannot pay it meanwhile. "
            "Check and confirm the change request we prefilled from the registry; if the "
            "registry is wrong, have it corrected: payments resume once a new verification "
            "shows the company active.",
        ),
        (
            "portal.held_clears.tax_abnormal",
            "请核对并确认我们预填的变更申请，并向主管税务机关解除非正常户；"
            "重新核验显示税务状态正常后自动恢复付款。",
            "check and confirm the change request we prefilled, and have your tax office lift "
            "the abnormal status: payments resume once a new verification shows it normal.",
        ),
        (
            "portal.held_clears.legal_rep_changed",
            "请核对并确认我们按登记信息预填的变更申请（新的法定代表人）；"
            "经采购审批、重新核验与登记一致后自动恢复付款。",
            "check and confirm the change request we prefilled from the registry (the new "
            "legal representative): payments resume once purchasing approves it and a new "
            "verification agrees with the registry.",
        ),
        (
            "portal.held_clears.invoice_mismatch",
            "请联系采购人员核实该发票；发票被退回或更正后自动恢复付款。",
            "contact purchasing about the invoice: payments resume when it is rejected or "
            "corrected.",
        ),
        ("portal.confirm_facts", "信息无误，确认提交审批", "These details are right: submit them"),
        ("portal.status", "状态", "Status"),
        ("portal.approved_by", "已有 {n} 人批准", "approved by {n}"),
        ("portal.field", "字段", "Field"),
        ("portal.before", "原值", "Before"),
        ("portal.after", "新值", "After"),
        ("portal.decision", "审批结论", "Decision"),
        ("portal.reason", "理由", "Reason"),
        ("portal.kind", "类型", "Kind"),
        ("portal.submitted_at", "提交时间", "Submitted"),
        ("portal.risk_flags", "风险提示", "Risk flags"),
        ("portal.findings", "校验结果", "Findings"),
        ("portal.approvals", "审批记录", "Approvals"),
        ("portal.error", "无法完成操作", "This could not be done"),
        ("portal.back", "返回", "Back"),
        ("portal.no_requests", "暂无申请", "No requests"),
        ("staff.queue", "待审批", "Approval queue"),
        ("staff.suppliers", "供应商", "Suppliers"),
        ("staff.invitations", "邀请", "Invitations"),
        ("staff.data_health", "主数据健康度", "Data health"),
        ("staff.verification_panel", "核验面板", "Verification panel"),
        ("staff.graph", "关系图谱", "Relationship graph"),
        ("staff.approve", "审批通过", "Approve"),
        ("staff.reject", "驳回", "Reject"),
        ("staff.reject_all", "全部驳回，理由", "Reject everything, reason"),
        (
            "staff.reject_field",
            "驳回此字段的理由（可选）",
            "Reason to reject this field (optional)",
        ),
        (
            "staff.call_back",
            "电话回访（首次审批银行变更必填）",
            "Call-back (required for the first approval of a bank change)",
        ),
        ("staff.call_back_contact", "回访联系人（档案中已有）", "Contact on file"),
        ("staff.call_back_outcome", "回访结果", "Outcome"),
        ("staff.call_back_note", "回访记录", "Note"),
        ("staff.reveal", "查看明文", "Reveal"),
        ("staff.search", "搜索", "Search"),
        ("staff.supplier", "供应商", "Supplier"),
        ("staff.history", "变更记录", "Change history"),
        ("list.pages", "分页", "Pages"),
        ("audit.title", "审计日志", "Audit log"),
        ("audit.at", "时间（北京时间）", "Time (Beijing)"),
        ("audit.actor", "操作人", "Who"),
        ("audit.action", "操作", "Act"),
        ("audit.subject", "对象", "Subject"),
        ("audit.detail", "内容", "Detail"),
        ("audit.source", "来源（渠道 · IP · 设备）", "From (channel · IP · device)"),
        ("audit.device", "设备", "device"),
        ("audit.channel.portal", "网页", "web portal"),
        ("audit.channel.api", "API 令牌", "API token"),
        ("audit.channel.import", "导入文件", "import file"),
        ("audit.channel.cli", "命令行", "command line"),
        ("audit.channel.system", "系统任务", "system job"),
        ("audit.since", "起始日期", "From"),
        ("audit.until", "截止日期", "To"),
        ("audit.sealed", "敏感值（已加密）", "sensitive value (sealed)"),
        ("audit.export_csv", "导出 CSV", "Export CSV"),
        ("audit.export_json", "导出 JSON", "Export JSON"),
        (
            "audit.export_hint",
            "导出当前筛选的全部记录，导出本身会记入审计日志。",
            "Exports every entry of this filter; the export itself is recorded.",
        ),
        ("audit.no_match", "没有符合筛选条件的审计记录。", "No audit entry matches these filters."),
        ("audit.unknown_person", "（未知账号）", "(unknown account)"),
        ("list.showing", "第 {first}–{last} 条，共 {total} 条", "{first}–{last} of {total}"),
        ("list.page_of", "第 {number} / {pages} 页", "Page {number} of {pages}"),
        ("list.previous", "上一页", "Previous"),
        ("list.next", "下一页", "Next"),
        ("list.go_to", "跳至", "Go to page"),
        ("list.search", "名称、信用代码、银行账号或电话", "Name, credit code, account or phone"),
        ("list.search_hint", "如：甲贸易 / 9131… / 6222…", "e.g. Jia Trading / 9131… / 6222…"),
        ("list.any", "全部", "Any"),
        ("list.region", "地区", "Region"),
        ("list.uscc", "统一社会信用代码", "Credit code"),
        ("list.risky", "有风险提示的待审申请", "Open request with a risk flag"),
        ("list.risky_request", "仅看有风险提示的", "Only with a risk flag"),
        ("list.bank_only", "仅看银行信息变更", "Bank changes only"),
        ("list.pending_days", "待审超过（天）", "Pending more than (days)"),
        ("list.sort", "排序", "Sort"),
        ("list.sort.name", "名称 A→Z", "Name A→Z"),
        ("list.sort.-name", "名称 Z→A", "Name Z→A"),
        ("list.sort.uscc", "信用代码", "Credit code"),
        ("list.sort.-updated", "最近更新", "Recently updated"),
        ("list.sort.updated", "最早更新", "Least recently updated"),
        ("list.sort.oldest", "最早提交", "Oldest first"),
        ("list.sort.newest", "最新提交", "Newest first"),
        ("list.clear", "清除筛选", "Clear filters"),
        (
            "list.no_match",
            "没有找到与「{q}」匹配的供应商。可按名称的一部分、信用代码（完整或部分）、完整的银行账号或电话搜索。",
            "No supplier matches “{q}”. Search by part of a name, a credit code (whole or part), "
            "or a whole account number or phone number.",
        ),
        ("list.no_pair_match", "没有符合条件的疑似重复。", "No likely duplicate matches."),
        ("list.no_pairs", "暂无待处理的疑似重复。", "No likely duplicates wait for a decision."),
        ("list.no_supplier", "没有符合筛选条件的供应商。", "No supplier matches these filters."),
        (
            "list.no_request_match",
            "没有符合筛选条件的待审申请。",
            "No open request matches these filters.",
        ),
    )
}
