"""Payment safety over HTTP: ``POST /api/v1/payment-checks`` and the pages.

Pages: ``/staff/payments`` (finance: check a payment file; purchasing and finance: the
account versions waiting for proof, with "verify through the service" and "send a small
amount"; admins: adopt the accounts on file) and ``/portal/accounts`` (the supplier: its
accounts' versions, and the form to type the small amount received).

The controller translates the upload in and the verdicts out; the check itself (who may,
the lookups, the audit entry) is :func:`portal.payments.check_payment_file`.
``?format=csv`` or ``?format=xlsx`` answers the checked sheet with its verdict columns
instead of JSON.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, TypeAlias
from zoneinfo import ZoneInfo

import httpx
from litestar import Controller, Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Schema,
)
from litestar.params import Body, FromPath, QueryParameter, URLEncodedBody
from litestar.response import Response, Template

from payments import REASONS, VERDICTS, PaymentFileError
from payments.ports import OwnershipVerifier, SmallAmountTransfer
from portal.bootstrap import Collaborators, build_payment_deps
from portal.bootstrap import ownership_verifier as build_ownership_verifier
from portal.bootstrap import small_amount_transfer as build_small_amount_transfer
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.principal import Role
from portal.payments import CheckResult, PaymentDeps, adopt_accounts, check_payment_file
from portal.payments.checking import CHECKERS
from portal.payments.filed import FILED_APPROVALS, FILED_APPROVERS, approve_filed_version
from portal.payments.hold_findings import open_hold_findings
from portal.payments.proving import send_small_amount, verify_ownership
from portal.payments.small_amount import answer_small_amount, send_through_provider
from portal.payments.views import version_rows
from portal.web.api_models import typed
from portal.web.context import audit_context
from portal.web.errors import handlers
from portal.web.i18n import add_messages, language_of
from portal.web.portal_area import page
from portal.web.security import principal_of, requires
from portal.web.site import Contribution
from portal.web.staff_api_models import FileUpload, PaymentCheckView

__all__ = [
    "PaymentCheckApi",
    "PaymentPages",
    "SupplierAccountPages",
    "area",
    "payment_contribution",
    "result_view",
]

PaymentsDep: TypeAlias = NamedDependency[PaymentDeps]
OwnershipDep: TypeAlias = NamedDependency[OwnershipVerifier | None]
SmallAmountDep: TypeAlias = NamedDependency[SmallAmountTransfer | None]
Form = URLEncodedBody[dict[str, str]]
SHANGHAI = ZoneInfo("Asia/Shanghai")
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def result_view(result: CheckResult) -> dict[str, Any]:
    """The JSON answer: counts, then each line's verdict with its reasons in both languages."""
    return {
        "id": result.id,
        "filename": result.filename,
        "layout": result.sheet.layout,
        "checked_at": result.checked_at.isoformat(),
        "counts": result.counts,
        "lines": [
            {
                "row": c.line.row,
                "payee": c.line.payee,
                "amount": str(c.line.amount) if c.line.amount is not None else None,
                "verdict": c.result.verdict.value,
                "verdict_zh": VERDICTS[c.result.verdict][0],
                "supplier": None
                if c.result.payee is None
                else {"id": c.result.payee.supplier_id, "name": c.result.payee.name},
                "account_version_id": (c.result.version.id or None) if c.result.version else None,
                "attestation": c.attestation or None,
                "reasons": [
                    {
                        "code": r.code.value,
                        "message": REASONS[r.code].en,
                        "message_zh": REASONS[r.code].zh,
                        "clears": REASONS[r.code].clears_en,
                        "clears_zh": REASONS[r.code].clears_zh,
                        "since": _iso(r.since),
                        "until": _iso(r.until),
                        "detail": r.detail or None,
                    }
                    for r in c.result.reasons
                ],
            }
            for c in result.lines
        ],
    }


class SheetFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


_SHEET_TYPES = (
    "text/csv; charset=utf-8",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


@dataclass
class _SheetOrVerdicts(Operation):
    """The 200 answer is JSON, or with ``format`` the checked sheet: both are documented."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse) and answer.content is not None:
            sheet = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            )
            answer.content.update(dict.fromkeys(_SHEET_TYPES, sheet))


class PaymentCheckApi(Controller):
    """Check a payment batch before it goes to the bank."""

    path = "/api/v1/payment-checks"
    guards = [requires(*CHECKERS)]  # noqa: RUF012
    tags = ["finance"]  # noqa: RUF012

    @post(
        "/",
        sync_to_thread=True,
        status_code=200,
        summary="Check a payment file",
        operation_id="checkPaymentFile",
        responses={
            200: ResponseSpec(
                PaymentCheckView, description="a verdict for every line", generate_examples=False
            )
        },
        operation_class=_SheetOrVerdicts,
    )
    def check(
        self,
        request: Request[Any, Any, Any],
        payments: PaymentsDep,
        data: Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        file_format: Annotated[
            SheetFormat | None,
            QueryParameter(name="format", description="csv or xlsx: answer the checked sheet"),
        ] = None,
    ) -> Response[Any]:
        """Multipart form with ``file`` (.csv or .xlsx): a verdict for every line."""
        with data.file.file as spooled:  # closed once read: the form model does not
            content = spooled.read()
        result = check_payment_file(
            payments,
            audit_context(request),
            principal_of(request),
            data.file.filename or "payments.csv",
            content,
        )
        if file_format is None:
            return Response(typed(result_view(result), PaymentCheckView))
        sheet, kind = result.sheet_bytes(file_format.value)
        name = f"payment-check-{result.id[:8]}.{file_format.value}"
        return Response(
            sheet,
            media_type=kind,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


_PAGE_ROLES = (Role.FINANCE, Role.PURCHASING_SUPERVISOR, Role.ADMIN)


def _reason_texts(lang: str) -> dict[str, tuple[str, str]]:
    """code -> (reason, what clears it) in the page's language."""
    zh = lang.startswith("zh")
    return {
        code.value: (text.zh, text.clears_zh) if zh else (text.en, text.clears_en)
        for code, text in REASONS.items()
    }


def _local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


class PaymentPages(Controller):
    """Finance, purchasing supervisors and admins."""

    path = "/staff/payments"
    guards = [requires(*_PAGE_ROLES)]  # noqa: RUF012

    def _show(
        self, request: Request[Any, Any, Any], payments: PaymentDeps, **extra: Any
    ) -> Template:
        now = payments.clock()
        with payments.engine.connect() as conn:
            rows = version_rows(conn, payments.sealer, now, open_only=True)
            findings = open_hold_findings(conn)
        me = principal_of(request)
        return page(
            request, "payments/staff.html", rows=rows, local=_local, me=me, findings=findings,
            may_check=me.role in CHECKERS, may_adopt=me.role is Role.ADMIN,
            may_approve=me.role in FILED_APPROVERS, approvals_needed=FILED_APPROVALS,
            reasons=_reason_texts(str(language_of(request))), verdicts=VERDICTS, **extra,
        )  # fmt: skip

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], payments: PaymentsDep) -> Template:
        return self._show(request, payments)

    @post("/check", sync_to_thread=True)
    def check_file(
        self, request: Request[Any, Any, Any], payments: PaymentsDep, data: Multipart
    ) -> Response[Any] | Template:
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise PaymentFileError("choose a payment file", message_zh="请选择付款文件")
        result = check_payment_file(
            payments, audit_context(request), principal_of(request),
            upload.filename or "payments.csv", upload.file.read(),
        )  # fmt: skip
        wanted = str(data.get("download") or "")
        if wanted in ("csv", "xlsx"):
            content, kind = result.sheet_bytes(wanted)
            name = f"payment-check-{result.id[:8]}.{wanted}"
            disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
            return Response(content, media_type=kind, headers=disposition)
        return self._show(request, payments, result=result)

    @post("/versions/{version_id:str}/verify")
    async def verify(
        self,
        request: Request[Any, Any, Any],
        payments: PaymentsDep,
        ownership: OwnershipDep,
        version_id: FromPath[str],
    ) -> Template:
        if ownership is None:
            raise OwnershipNotConfiguredError()
        answer = await verify_ownership(
            payments, audit_context(request), principal_of(request), version_id, ownership
        )
        return await asyncio.to_thread(self._show, request, payments, answer=answer)

    @post("/versions/{version_id:str}/small-amount")
    async def small_amount(
        self,
        request: Request[Any, Any, Any],
        payments: PaymentsDep,
        small_amount: SmallAmountDep,
        version_id: FromPath[str],
    ) -> Template:
        """The configured provider sends the amount; without one, our payment system does."""
        ctx, viewer = audit_context(request), principal_of(request)
        if small_amount is not None:
            answer = await send_through_provider(payments, ctx, viewer, version_id, small_amount)
            return await asyncio.to_thread(self._show, request, payments, sent_by=answer)
        amount = await asyncio.to_thread(send_small_amount, payments, ctx, viewer, version_id)
        return await asyncio.to_thread(self._show, request, payments, sent=(version_id, amount))

    @post("/versions/{version_id:str}/approve", sync_to_thread=True)
    def approve(
        self, request: Request[Any, Any, Any], payments: PaymentsDep, version_id: FromPath[str]
    ) -> Template:
        approve_filed_version(payments, audit_context(request), principal_of(request), version_id)
        return self._show(request, payments, approved=version_id)

    @post("/adopt", sync_to_thread=True, guards=[requires(Role.ADMIN)])
    def adopt(self, request: Request[Any, Any, Any], payments: PaymentsDep) -> Template:
        count = adopt_accounts(payments, audit_context(request), principal_of(request))
        return self._show(request, payments, adopted=count)


class SupplierAccountPages(Controller):
    """The supplier's own accounts: versions, states, and the small-amount answer."""

    path = "/portal/accounts"
    guards = [requires(Role.SUPPLIER)]  # noqa: RUF012

    def _show(
        self, request: Request[Any, Any, Any], payments: PaymentDeps, **extra: Any
    ) -> Template:
        me = principal_of(request)
        now = payments.clock()
        with payments.engine.connect() as conn:
            rows = version_rows(conn, payments.sealer, now, supplier_id=me.supplier_id or "-")
        return page(request, "payments/supplier.html", rows=rows, local=_local, **extra)

    @get("/", sync_to_thread=True)
    def index(self, request: Request[Any, Any, Any], payments: PaymentsDep) -> Template:
        return self._show(request, payments)

    @post("/{version_id:str}/small-amount")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        payments: PaymentsDep,
        small_amount: SmallAmountDep,
        version_id: FromPath[str],
        data: Form,
    ) -> Template:
        right = await answer_small_amount(
            payments, audit_context(request), principal_of(request), version_id,
            str(data.get("amount") or ""), small_amount,
        )  # fmt: skip
        return await asyncio.to_thread(self._show, request, payments, answered=(version_id, right))


class OwnershipNotConfiguredError(PortalError):
    kind = ErrorKind.UNAVAILABLE
    code = "ownership.not_configured"

    def __init__(self) -> None:
        super().__init__(
            "no account-verification service is configured; use the small-amount check",
            message_zh="未配置对公账户核验服务，请使用小额打款验证",
        )


def ownership_verifier(collaborators: Collaborators) -> OwnershipVerifier | None:
    """The demo's verifier in demo mode, jumdata when its credentials are set, else None
    (then the page offers the small amount only). The client lives as long as the app."""
    settings = collaborators.settings
    if not settings.web.demo and not settings.ownership.jumdata_app_id:
        return None
    client = httpx.AsyncClient(timeout=settings.ownership.timeout_seconds)
    return build_ownership_verifier(settings, client, collaborators.provider_calls)


def small_amount_transfer(collaborators: Collaborators) -> SmallAmountTransfer | None:
    """e签宝 when its credentials are set, else None (our payment system sends the amount).
    The client lives as long as the app."""
    settings = collaborators.settings
    if not settings.ownership.esign_app_id:
        return None
    client = httpx.AsyncClient(timeout=settings.ownership.timeout_seconds)
    return build_small_amount_transfer(settings, client)


def area(collaborators: Collaborators) -> Contribution:
    """The payment-check API and pages, with the payment use cases' collaborators."""
    deps = replace(build_payment_deps(collaborators.changes), attestation=collaborators.attestation)
    return payment_contribution(
        deps, ownership_verifier(collaborators), small_amount_transfer(collaborators)
    )


def payment_contribution(
    deps: PaymentDeps,
    ownership: OwnershipVerifier | None = None,
    small_amount: SmallAmountTransfer | None = None,
) -> Contribution:
    """The routes of the area around already-built collaborators (tests pass their own)."""
    add_messages(MESSAGES)
    provided = {
        "payments": Provide(lambda: deps, sync_to_thread=False),
        "ownership": Provide(lambda: ownership, sync_to_thread=False),
        "small_amount": Provide(lambda: small_amount, sync_to_thread=False),
    }
    api = Router(
        path="/",
        route_handlers=[PaymentCheckApi],
        dependencies=provided,
        exception_handlers=handlers(http=False),
    )
    pages = Router(
        path="/",
        route_handlers=[PaymentPages, SupplierAccountPages],
        dependencies=provided,
        exception_handlers=handlers(template="supplier/error.html", pages=True, http=False),
        include_in_schema=False,
    )
    return Contribution(route_handlers=[api, pages])


#: The area's messages (Chinese first).
MESSAGES: dict[str, dict[str, str]] = {
    k: {"zh": zh, "en": en}
    for k, zh, en in (
        ("pay.title", "付款安全", "Payment safety"),
        ("pay.check", "核对付款文件", "Check a payment file"),
        (
            "pay.check_hint",
            "CSV 或 XLSX：收款方、统一社会信用代码、开户行、账号、金额；"
            "或工行企业财务室批量支付表。",
            "CSV or XLSX: payee, credit code, bank, account, "
            "amount; or ICBC's batch-payment sheet.",
        ),
        ("pay.show", "在页面显示结果", "Show the result here"),
        ("pay.download_xlsx", "下载核对结果 XLSX", "Download the checked sheet (XLSX)"),
        ("pay.download_csv", "下载核对结果 CSV", "Download the checked sheet (CSV)"),
        ("pay.run", "核对", "Check"),
        ("pay.result", "核对结果", "Result"),
        ("pay.row", "行", "Row"),
        ("pay.payee", "收款方", "Payee"),
        ("pay.amount", "金额", "Amount"),
        ("pay.verdict", "结论", "Verdict"),
        ("pay.reason", "原因", "Reason"),
        ("pay.clears", "解除条件", "What clears it"),
        ("pay.versions", "待处理的账户版本", "Account versions waiting for action"),
        ("pay.none_waiting", "没有待处理的账户版本。", "No account version is waiting."),
        ("pay.supplier", "供应商", "Supplier"),
        ("pay.account", "账户", "Account"),
        ("pay.state", "状态", "State"),
        ("pay.approvers", "审批人", "Approvers"),
        ("pay.valid_from", "生效时间", "Payable from"),
        ("pay.ownership", "归属核验", "Ownership check"),
        ("pay.verify", "通过核验服务验证", "Verify through the service"),
        ("pay.send", "发起小额打款", "Send a small amount"),
        (
            "pay.sent",
            "请通过付款系统向该账户打款 {amount} 元，供应商在门户中输入收到的金额。",
            "Have the payment system send {amount} CNY to this account; the supplier types the "
            "amount received in the portal.",
        ),
        (
            "pay.sent_by.sent",
            "{provider} 正在向该账户打一笔随机金额（1–3 个工作日到账），"
            "供应商在门户中输入收到的金额。",
            "{provider} is sending a random small amount to this account (1–3 working days); "
            "the supplier types the amount received in the portal.",
        ),
        (
            "pay.sent_by.no_match",
            "企业名称、信用代码或法定代表人与登记不一致：{provider} 未打款。",
            "The company's name, credit code or legal representative does not match the "
            "registry: {provider} sent nothing.",
        ),
        (
            "pay.sent_by.unknown",
            "{provider} 暂时无法打款，未产生任何打款，请稍后再试。",
            "{provider} cannot send now; nothing was sent, try again later.",
        ),
        ("pay.answer", "核验结果：{outcome}", "Verification answer: {outcome}"),
        ("pay.adopt", "确认档案中的账户为生效版本", "Adopt the accounts on file as active"),
        ("pay.approve", "审批此账户", "Approve this account"),
        (
            "pay.approved",
            "已记录您的审批；须两位主管审批并验证归属后进入冷静期。",
            "Your approval is recorded; two supervisors approve and ownership is proven "
            "before cooling-off starts.",
        ),
        ("pay.approvals_of", "审批 {given}/{needed}", "approvals {given}/{needed}"),
        ("pay.findings", "暂停付款的发现", "Findings holding payments"),
        (
            "pay.findings_hint",
            "工商/税务监测和发票核对发现的问题；原因消除后自动解除。",
            "Found by registry and tax monitoring and by the invoice check; each clears by "
            "itself when its cause is gone.",
        ),
        ("pay.no_findings", "没有暂停付款的发现。", "No finding is holding payments."),
        ("pay.finding", "发现", "Finding"),
        ("pay.since", "发现时间", "Since"),
        ("pay.draft", "待供应商确认的变更申请", "change request awaiting the supplier"),
        ("pay.adopted", "已确认 {count} 个账户。", "{count} accounts adopted."),
        ("pay.my_accounts", "收款账户", "Bank accounts"),
        ("pay.earlier", "此前的账号（不再明文保存）", "an earlier number (not kept in clear)"),
        ("pay.small_amount", "输入收到的小额打款金额", "Type the small amount you received"),
        ("pay.confirm", "确认", "Confirm"),
        ("pay.right", "金额正确，账户归属已验证。", "Right amount: the account is proven."),
        (
            "pay.wrong",
            "金额不正确，请核对后重试（最多三次）。",
            "Wrong amount; check and try again (three tries).",
        ),
        ("pay.state.proposed", "已提交", "proposed"),
        ("pay.state.ownership_verified", "归属已验证，待审批", "proven, awaiting approval"),
        ("pay.state.approved", "已审批，待验证归属", "approved, ownership not proven"),
        ("pay.state.cooling_off", "冷静期", "cooling off"),
        ("pay.state.active", "生效", "active"),
        ("pay.state.retired", "已停用", "retired"),
        ("pay.outcome.match", "一致", "match"),
        ("pay.outcome.no_match", "不一致", "no match"),
        ("pay.outcome.not_found", "无记录", "not found"),
        ("pay.outcome.unknown", "暂无法核验，稍后自动重试", "unknown; retried automatically"),
    )
}
