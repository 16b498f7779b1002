"""The verification area: the staff panel, its JSON twin, auto-fill, and yearly confirmation.

Routes::

    GET  /staff/suppliers/{id}/verification      panel (staff roles)
    POST /staff/suppliers/{id}/verification      verify now (CSRF form; not auditors)
    GET  /api/v1/suppliers/{id}/verification     the panel as JSON
    POST /api/v1/suppliers/{id}/verification     verify now, JSON (bearer clients)
    GET  /api/v1/autofill/{uscc}                 form values from the authorities (logged in)
    GET  /confirm/{id}?token=...                 "is your data still right?" (signed link)
    POST /confirm/{id}                           the supplier confirms

The registry and tax ports are opened once at start-up (``on_startup``) and closed at
shut-down; with ``PORTAL_VERIFY_IN_PROCESS_MINUTES`` (5 in the demo) a task runs a
monitoring pass that often. Errors are answered from the one table (:mod:`portal.web.errors`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias

from litestar import Controller, MediaType, Request, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import Collaborators
from portal.core import Services
from portal.domain import uscc as credit_code
from portal.domain.principal import Principal, Role
from portal.verification.confirmations import (
    confirm_data,
    confirmation_supplier,
)
from portal.verification.monitoring import PeriodicVerification
from portal.verification.verify import (
    VerificationDeps,
    verify_supplier_now,
)
from portal.verification.view import verification_view
from portal.verification.wiring import (
    VerificationNotConfiguredError,
    VerificationPorts,
    VerificationWiring,
)
from portal.web.api_models import typed
from portal.web.context import audit_context, request_id_of
from portal.web.errors import handlers
from portal.web.i18n import add_messages, language_of, translator
from portal.web.security import principal_of, requires
from portal.web.site import Contribution
from portal.web.staff_api_models import AutofillView, VerificationView
from providers.dates import CST
from verification.service import VerificationService

__all__ = ["VerificationRuntime", "area", "verification_area"]

READERS = (
    Role.PURCHASING_CLERK,
    Role.PURCHASING_SUPERVISOR,
    Role.FINANCE,
    Role.AUDITOR,
    Role.ADMIN,
)
VERIFIERS = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.FINANCE, Role.ADMIN)


@dataclass
class VerificationRuntime:
    """The area's state: the wiring, the session's ports, the periodic task."""

    services: Services
    wiring: VerificationWiring
    opened: VerificationPorts | None = None
    periodic: PeriodicVerification | None = None
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    def now(self) -> datetime:
        return self.wiring.clock()

    async def startup(self) -> None:
        if not self.wiring.configured:
            return
        self.opened = await self._stack.enter_async_context(self.wiring.ports())
        minutes = self.wiring.settings.in_process_minutes
        if minutes > 0:
            self.periodic = PeriodicVerification(
                self.services, self.wiring, minutes, ports=lambda: self.opened
            )
            self.periodic.start()

    async def shutdown(self) -> None:
        if self.periodic is not None:
            await self.periodic.stop()
        await self._stack.aclose()
        self.opened = None

    def ports(self) -> VerificationPorts:
        if self.opened is None:
            raise VerificationNotConfiguredError()
        return self.opened

    def deps(self) -> VerificationDeps:
        s = self.services
        return VerificationDeps(s.suppliers, AuditLog(s.sealer), self.ports(), self.wiring.settings)


VerificationDep: TypeAlias = NamedDependency[VerificationRuntime]


#: (error, HTTP status, whether a retry can help), most specific first.
def _page(
    request: Request[Any, Any, Any], template: str, status: int = 200, **ctx: Any
) -> Template:
    user = request.scope.get("user")
    return Template(
        template_name=template,
        status_code=status,
        context={
            "user": user if isinstance(user, Principal) else None,
            "t": translator(request),
            "lang": "zh-CN" if language_of(request) == "zh" else "en",
            "zh": language_of(request) == "zh",
            "request_id": request_id_of(request),
            "local": _local,
            **ctx,
        },
    )


def _local(iso: str | None) -> str:
    """An ISO time as China time for people (``2026-11-26 10:00``)."""
    if not iso:
        return "—"
    return datetime.fromisoformat(iso).astimezone(CST).strftime("%Y-%m-%d %H:%M")


async def _view(runtime: VerificationRuntime, supplier_id: str) -> dict[str, Any]:
    def read() -> dict[str, Any]:
        with runtime.services.engine.connect() as conn:
            return verification_view(conn, supplier_id)

    view = await asyncio.to_thread(read)
    view["configured"] = runtime.wiring.configured
    view["mode"] = runtime.wiring.settings.mode
    return view


async def _verify(
    runtime: VerificationRuntime, request: Request[Any, Any, Any], supplier_id: str
) -> None:
    await verify_supplier_now(
        runtime.services.engine,
        runtime.deps(),
        supplier_id,
        now=runtime.now(),
        trigger="manual",
        ctx=audit_context(request),
    )


class VerificationPanel(Controller):
    """The staff panel: per-field states, findings, runs, "verify now"."""

    path = "/staff/suppliers/{supplier_id:str}/verification"

    @get("/", guards=[requires(*READERS)], media_type=MediaType.HTML)
    async def panel(
        self,
        request: Request[Any, Any, Any],
        verification: VerificationDep,
        supplier_id: FromPath[str],
    ) -> Template:
        view = await _view(verification, supplier_id)
        return _page(request, "verification/panel.html", view=view)

    @post("/", guards=[requires(*VERIFIERS)], status_code=303)
    async def verify_now(
        self,
        request: Request[Any, Any, Any],
        verification: VerificationDep,
        supplier_id: FromPath[str],
    ) -> Redirect:
        await _verify(verification, request, supplier_id)
        return Redirect(path=f"/staff/suppliers/{supplier_id}/verification", status_code=303)


class VerificationApi(Controller):
    """The panel as JSON, and verify now for API clients."""

    path = "/api/v1/suppliers/{supplier_id:str}/verification"
    tags = ["verification"]  # noqa: RUF012

    @get(
        "/",
        guards=[requires(*READERS)],
        summary="Per-field states and open findings",
        operation_id="getSupplierVerification",
    )
    async def show(
        self, verification: VerificationDep, supplier_id: FromPath[str]
    ) -> VerificationView:
        return typed(await _view(verification, supplier_id), VerificationView)

    @post(
        "/",
        guards=[requires(*VERIFIERS)],
        status_code=200,
        summary="Verify now",
        operation_id="verifySupplierNow",
    )
    async def verify_now(
        self,
        request: Request[Any, Any, Any],
        verification: VerificationDep,
        supplier_id: FromPath[str],
    ) -> VerificationView:
        await _verify(verification, request, supplier_id)
        return typed(await _view(verification, supplier_id), VerificationView)


@get(
    "/api/v1/autofill/{uscc:str}",
    guards=[requires(*Role)],
    tags=["verification"],
    summary="Form values from the registry and the tax bureau, each with its source",
    operation_id="autofillByUscc",
)
async def autofill(
    request: Request[Any, Any, Any], verification: VerificationDep, uscc: FromPath[str]
) -> AutofillView:
    principal = principal_of(request)
    if principal.role is Role.SUPPLIER:
        # Supplier users look up their own company only: lookups are paid per call.
        own = await asyncio.to_thread(_own_uscc, verification, principal.supplier_id)
        if own is None or credit_code.compact(uscc) != own:
            raise PermissionDeniedException("you can only fill in your own company's details")
    ports = verification.ports()
    service = VerificationService(ports.registry, ports.tax, clock=verification.now)
    filled = await service.autofill(uscc)
    view = {
        "uscc": filled["uscc"].value if "uscc" in filled else uscc,
        "fields": {
            name: {
                "value": v.value,
                "source": v.source,
                "provider": v.provider,
                "request_id": v.request_id,
                "fetched_at": v.fetched_at.isoformat() if v.fetched_at else None,
            }
            for name, v in filled.items()
        },
    }
    return typed(view, AutofillView)


def _own_uscc(verification: VerificationRuntime, supplier_id: str | None) -> str | None:
    if supplier_id is None:
        return None
    with verification.services.engine.connect() as conn:
        supplier = verification.services.suppliers.get(conn, supplier_id)
    return supplier.uscc if supplier else None


@dataclass
class ConfirmForm:
    token: str = ""


class ConfirmationPages(Controller):
    """The signed link of the yearly confirmation (no login: the link is the credential)."""

    path = "/confirm/{request_id:str}"

    @get("/", media_type=MediaType.HTML)
    async def show(
        self,
        request: Request[Any, Any, Any],
        verification: VerificationDep,
        request_id: FromPath[str],
        token: FromQuery[str] = "",
    ) -> Template:
        runtime = verification

        def read() -> Any:
            sid = confirmation_supplier(
                runtime.services.engine, request_id, token, now=runtime.now()
            )
            with runtime.services.engine.connect() as conn:
                return runtime.services.suppliers.get(conn, sid)

        supplier = await asyncio.to_thread(read)
        return _page(
            request,
            "verification/confirm.html",
            supplier=supplier,
            token=token,
            request_id_value=request_id,
        )

    @post("/", media_type=MediaType.HTML, status_code=200)
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        verification: VerificationDep,
        request_id: FromPath[str],
        data: URLEncodedBody[ConfirmForm],
    ) -> Template:
        runtime = verification
        ctx = audit_context(request, actor=f"confirmation-link:{request_id}")
        ctx = AuditContext(**{**ctx.__dict__, "actor_role": Role.SUPPLIER.value})
        await asyncio.to_thread(
            confirm_data,
            runtime.services.engine,
            AuditLog(runtime.services.sealer),
            request_id,
            data.token,
            now=runtime.now(),
            ctx=ctx,
        )
        return _page(request, "verification/confirmed.html")


def verification_area(services: Services, *, wiring: VerificationWiring) -> Contribution:
    """What the area adds to the app; tests pass their own ``wiring``."""
    add_messages(MESSAGES)
    runtime = VerificationRuntime(services, wiring)
    router = Router(
        path="/",
        route_handlers=[VerificationPanel, VerificationApi, autofill, ConfirmationPages],
        dependencies={"verification": Provide(lambda: runtime, sync_to_thread=False)},
        exception_handlers=handlers(template="verification/error.html", pages=True, http=False),
    )
    return Contribution(
        route_handlers=[router],
        state={"verification": runtime},
        on_startup=[runtime.startup],
        on_shutdown=[runtime.shutdown],
    )


def area(collaborators: Collaborators) -> Contribution:
    """The area as ``portal serve`` and ``portal demo`` build it."""
    return verification_area(collaborators.services, wiring=collaborators.verification)


FIELD_LABELS = (
    ("name", "企业名称", "Company name"),
    ("uscc", "统一社会信用代码", "Credit code"),
    ("foreign_tax_id", "境外税号", "Foreign tax number"),
    ("legal_representative", "法定代表人", "Legal representative"),
    ("registration_status", "登记状态", "Registration status"),
    ("business_term_end", "营业期限", "Business term"),
    ("licence_validity", "营业执照有效", "Licence valid"),
    ("tax_status", "税务状态", "Tax status"),
    ("invoicing.title", "开票抬头", "Invoice title"),
    ("invoicing.tax_number", "纳税人识别号", "Tax number"),
    ("invoicing.address", "开票地址", "Invoicing address"),
    ("invoicing.phone", "开票电话", "Invoicing phone"),
    ("invoicing.bank_name", "开户银行", "Invoicing bank"),
    ("invoicing.bank_account", "开票银行账号", "Invoicing account"),
)

#: The area's messages (Chinese first).
MESSAGES: dict[str, dict[str, str]] = {
    **{f"vf.field.{k}": {"zh": zh, "en": en} for k, zh, en in FIELD_LABELS},
    **{
        k: {"zh": zh, "en": en}
        for k, zh, en in (
            ("vf.title", "核验", "Verification"),
            ("vf.fields", "字段核验状态", "Field states"),
            ("vf.field.bank_holder", "银行账户户名", "Bank account holder"),
            ("vf.field", "字段", "Field"),
            ("vf.state", "状态", "State"),
            ("vf.checked_at", "核验时间", "Checked"),
            ("vf.against", "核验来源", "Against"),
            ("vf.request_id", "请求编号", "Request ID"),
            ("vf.state.verified", "一致", "verified"),
            ("vf.state.mismatch", "不一致", "mismatch"),
            ("vf.state.unknown", "待核验", "pending verification"),
            (
                "vf.pending",
                "待核验（数据源暂时无法访问，稍后自动重试）",
                "Pending verification (a source is unreachable; retried automatically)",
            ),
            ("vf.findings", "核验发现", "Findings"),
            ("vf.no_findings", "无待处理的发现", "No open findings"),
            ("vf.code", "代码", "Code"),
            ("vf.sev.error", "错误", "error"),
            ("vf.sev.warning", "警告", "warning"),
            ("vf.sev.info", "提示", "note"),
            ("vf.src.registry", "工商登记", "business registry"),
            ("vf.src.tax_bureau", "税务机关", "tax bureau"),
            ("vf.src.vies", "欧盟 VIES", "EU VIES"),
            ("vf.src.demo", "演示数据源", "demo data set"),
            ("vf.trigger.manual", "手动核验", "by hand"),
            ("vf.trigger.schedule", "定期核验", "scheduled"),
            ("vf.trigger.retry", "重试", "retry"),
            ("vf.trigger.creation", "新建供应商", "new supplier"),
            ("vf.trigger.change", "资料变更", "data changed"),
            ("vf.trigger.confirmation", "资料确认", "data confirmed"),
            ("vf.trigger.demo", "演示数据", "demo data"),
            ("vf.outcome.validated", "通过", "validated"),
            ("vf.outcome.findings", "有发现", "findings"),
            ("vf.outcome.unavailable", "数据源不可用，稍后重试", "source unavailable, will retry"),
            ("vf.outcome.stale", "资料已变，待重新核验", "data changed, to be checked again"),
            ("vf.ev.provider", "数据源", "provider"),
            ("vf.ev.typed", "填写", "typed"),
            ("vf.ev.registered", "登记", "on record"),
            ("vf.ev.element", "项目", "item"),
            ("vf.ev.since", "自", "since"),
            ("vf.ev.retry_after_seconds", "重试间隔（秒）", "retry after (seconds)"),
            ("vf.ev.supplier", "供应商填写", "supplier typed"),
            ("vf.severity", "级别", "Severity"),
            ("vf.message", "说明", "Message"),
            ("vf.source", "来源", "Source"),
            ("vf.observed_at", "时间", "Time"),
            ("vf.evidence", "证据", "Evidence"),
            ("vf.runs", "核验记录", "Runs"),
            ("vf.trigger", "触发", "Trigger"),
            ("vf.outcome", "结果", "Outcome"),
            ("vf.retry_after", "重试时间", "Retry after"),
            ("vf.next_due", "下次核验", "Next check"),
            ("vf.verify_now", "立即核验", "Verify now"),
            ("vf.validated", "已通过核验", "Validated"),
            ("vf.not_validated", "未通过核验", "Not validated"),
            ("vf.never", "尚未核验", "Not verified yet"),
            (
                "vf.not_configured",
                "未配置核验数据源：无法核验，任何字段都不会被标记为一致。",
                "Verification is not configured: nothing is checked, no field is marked verified.",
            ),
            ("vf.demo", "演示数据源（虚构企业）", "Demo data set (fictional companies)"),
            ("vf.vies", "欧盟 VIES 答复", "EU VIES answer"),
            ("vf.vies.valid", "有效", "valid"),
            ("vf.vies.invalid", "无效", "not valid"),
            (
                "vf.vies.unknown",
                "暂无答复（稍后自动重试）",
                "no answer yet (retried automatically)",
            ),
            ("vf.vies.number", "增值税号", "VAT number"),
            ("vf.vies.name", "登记名称", "Registered name"),
            ("vf.vies.address", "登记地址", "Registered address"),
            ("vf.vies.undisclosed", "该成员国不公开", "not disclosed by the member state"),
            ("vf.vies.reason", "原因", "Reason"),
            ("vf.error", "出错了", "Something went wrong"),
            ("vf.confirm.title", "请确认贵司信息", "Please confirm your company data"),
            (
                "vf.confirm.intro",
                "请核对以下信息是否仍然准确。如有变化，请登录门户提交变更申请。",
                "Is this still right? If anything changed, log in and submit a change request.",
            ),
            ("vf.confirm.button", "信息准确，确认", "This is right: confirm"),
            (
                "vf.confirm.done",
                "感谢确认！我们已记录，并将重新核验贵司信息。",
                "Thank you! Your confirmation is recorded and your data will be re-verified.",
            ),
        )
    },
}
