"""The licence-OCR area: a supplier uploads their 营业执照, watches it being read, and
submits the pre-filled form as a change request.

Routes::

    GET  /portal/licence                 upload form (supplier users)
    POST /portal/licence                 upload (multipart, CSRF, rate-limited) -> the job page
    GET  /portal/licence/{id}            progress, then the pre-filled form and the comparison
    GET  /portal/licence/{id}.json       the job as JSON (polled by the page every second)
    POST /portal/licence/{id}            submit the form: a ``supplier_profile`` change request
    POST /api/v1/ocr/licence             staff and tools: read a file now, the CLI's JSON

The reading itself runs in :class:`~portal.ocr_jobs.OcrWorker`, started in
``on_startup`` (``PORTAL_OCR_WORKER=0`` leaves the queue to other processes). The change
request goes through the portal area's ``submit_change`` collaborators (``app.state
["portal"]``), the registry comparison through the verification area's ports when they
are open (``app.state["verification"]``). Errors are answered from the one table
(:mod:`portal.web.errors`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, TypeAlias

from litestar import Controller, MediaType, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from approvals import ChangeKind, Channel
from ocr.errors import UploadTooLargeError
from ocr.limits import InputLimits
from ocr.sandbox import SandboxSettings
from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.changes import SupplierNotFoundError, submit_change
from portal.core import Services
from portal.documents import store as docs
from portal.documents.inspection import check_structure
from portal.domain.findings import Finding
from portal.domain.principal import STAFF, Principal, Role
from portal.domain.supplier import Supplier
from portal.ocr_jobs import (
    ComparisonRow,
    JobState,
    OcrJob,
    OcrJobNotFoundError,
    OcrJobSettings,
    OcrWorker,
    OcrWorkerDeps,
    Reader,
    compare_sources,
    default_reader,
    enqueue_licence,
    get_job,
    prefill,
    proposal_from_form,
)
from portal.ocr_jobs.evidence import attachment, qr_disagreement
from portal.web.api_models import typed
from portal.web.auth.ratelimit import rate_limited
from portal.web.context import audit_context
from portal.web.errors import handlers
from portal.web.portal_area import PortalRuntime, page
from portal.web.security import principal_of, requires
from portal.web.site import Contribution
from portal.web.staff_api_models import FileUpload, LicenceReadingView
from providers.dates import today_in_china
from registry.errors import RegistryError
from registry.model import EnterpriseRecord
from registry.ports import BusinessRegistry

__all__ = ["OcrRuntime", "area", "build_ocr"]

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

LABELS: dict[str, tuple[str, str]] = {
    "uscc": ("统一社会信用代码", "Credit code"),
    "name": ("名称", "Name"),
    "entity_type": ("类型", "Entity type"),
    "legal_representative": ("法定代表人", "Legal representative"),
    "registered_capital": ("注册资本", "Registered capital"),
    "established_on": ("成立日期", "Established on"),
    "term_from": ("营业期限自", "Term from"),
    "term_to": ("营业期限至", "Term to"),
    "address": ("住所", "Address"),
    "business_scope": ("经营范围", "Business scope"),
    "registration_authority": ("登记机关", "Registration authority"),
}
STAGES: dict[str, str] = {
    "queued": "排队中 / queued",
    "waiting": "稍后重试 / waiting to retry",
    "load": "读取文件 / opening the file",
    "preprocess": "校正图像 / straightening the picture",
    "qr": "二维码 / QR code",
    "read": "识别文字 / reading the text",
    "labels": "识别栏目 / finding the labels",
    "seal": "识别印章 / reading the seal",
    "check": "核对信用代码 / checking the credit code",
    "done": "完成 / done",
    "failed": "失败 / failed",
}


@dataclass
class OcrRuntime:
    """The area's state: the worker and what the handlers need."""

    services: Services
    settings: OcrJobSettings
    worker: OcrWorker
    api_slot: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(1))

    @property
    def reader(self) -> Reader:
        return self.worker.deps.reader

    async def startup(self) -> None:
        if self.settings.worker:
            self.worker.start()

    async def shutdown(self) -> None:
        await self.worker.stop()
        close = getattr(self.reader, "close", None)  # the sandboxed pool's worker processes
        if close is not None:
            await asyncio.to_thread(close)


OcrDep: TypeAlias = NamedDependency[OcrRuntime]


def _portal(request: Request[Any, Any, Any]) -> PortalRuntime:
    runtime: PortalRuntime = request.app.state["portal"]
    return runtime


def _me(request: Request[Any, Any, Any]) -> tuple[Principal, str]:
    principal = principal_of(request)
    if principal.supplier_id is None:
        raise SupplierNotFoundError("(none)")
    return principal, principal.supplier_id


def _supplier(services: Services, supplier_id: str) -> Supplier:
    with services.engine.connect() as conn:
        supplier = services.suppliers.get(conn, supplier_id)
    if supplier is None:
        raise SupplierNotFoundError(supplier_id)
    return supplier


def _open_registry(request: Request[Any, Any, Any]) -> BusinessRegistry | None:
    """The verification area's registry port, when it is open (demo or live providers)."""
    verification = request.app.state.get("verification")
    opened = getattr(verification, "opened", None)
    registry: BusinessRegistry | None = getattr(opened, "registry", None)
    return registry


async def _registry_record(
    registry: BusinessRegistry | None, code: str | None
) -> tuple[EnterpriseRecord | None, str | None]:
    if code is None:
        return None, "境外供应商没有工商登记 / a foreign supplier has no Chinese registry record"
    if registry is None:
        return None, "未配置工商数据源 / no registry source is configured"
    try:
        return await registry.lookup(code), None
    except RegistryError as exc:
        return None, f"工商数据暂不可用 / the registry could not answer: {exc}"


class LicencePages(Controller):
    """The supplier's licence upload, progress and pre-filled form."""

    path = "/portal/licence"
    guards = [requires(Role.SUPPLIER)]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def upload_form(self, request: Request[Any, Any, Any], ocr: OcrDep) -> Template:
        _, sid = _me(request)
        supplier = _supplier(ocr.services, sid)
        limit_mb = ocr.services.settings.web.max_upload_bytes / 1024 / 1024
        return page(request, "ocr/upload.html", supplier=supplier, limit_mb=limit_mb)

    @post("/", sync_to_thread=True, guards=[rate_limited("upload")])
    def upload(self, request: Request[Any, Any, Any], ocr: OcrDep, data: Multipart) -> Redirect:
        me, sid = _me(request)
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise docs.DocumentRejectedError("请选择文件 / choose a file", code="document.missing")
        limit = ocr.services.settings.web.max_upload_bytes
        portal = _portal(request)
        job = enqueue_licence(
            ocr.services.engine,
            ocr.services.documents,
            portal.audit,
            audit_context(request),
            me,
            sid,
            filename=upload.filename or "licence",
            content=upload.file.read(limit + 1),
            max_bytes=limit,
            now=portal.now(),
        )
        ocr.worker.wake()
        return Redirect(path=f"/portal/licence/{job.id}", status_code=303)

    @get("/{job_id:str}")
    async def show(
        self, request: Request[Any, Any, Any], ocr: OcrDep, job_id: FromPath[str]
    ) -> Response[Any]:
        me, sid = _me(request)
        # ``{id}.json`` is the same route (Litestar matches whole segments).
        as_json = job_id.endswith(".json")
        job = await asyncio.to_thread(
            get_job, ocr.services.engine, me, job_id.removesuffix(".json")
        )
        if as_json:
            return Response(job.as_dict(), media_type=MediaType.JSON)
        context: dict[str, Any] = {"job": job, "stages": STAGES, "labels": LABELS}
        if job.state is JobState.DONE and job.result is not None:
            context |= await self._form(request, ocr, job, sid)
        return page(request, "ocr/job.html", **context)

    async def _form(
        self, request: Request[Any, Any, Any], ocr: OcrDep, job: OcrJob, sid: str
    ) -> dict[str, Any]:
        supplier = await asyncio.to_thread(_supplier, ocr.services, sid)
        assert job.result is not None
        pre = prefill(supplier, job.result, min_confidence=ocr.settings.min_confidence)
        record, unavailable = await _registry_record(_open_registry(request), supplier.uscc)
        rows: list[ComparisonRow] = []
        findings: list[Finding] = []
        if record is not None:
            today = today_in_china(_portal(request).now())
            rows, findings = compare_sources(supplier, pre, record, today=today)
        return {
            "supplier": supplier,
            "prefill": pre,
            "comparison": rows,
            "findings": findings,
            "registry_note": unavailable,
        }

    @post("/{job_id:str}", sync_to_thread=True)
    def submit(
        self,
        request: Request[Any, Any, Any],
        ocr: OcrDep,
        job_id: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        me, sid = _me(request)
        job = get_job(ocr.services.engine, me, job_id)
        if job.state is not JobState.DONE or job.result is None:
            raise OcrJobNotFoundError(job_id)
        pre = prefill(
            _supplier(ocr.services, sid), job.result, min_confidence=ocr.settings.min_confidence
        )
        evidence = [attachment(job.id, job.document_id)]
        if pre.qr_agrees is False and pre.uscc_read and pre.qr_uscc:
            evidence.append(qr_disagreement(pre.uscc_read, pre.qr_uscc))
        created = submit_change(
            _portal(request).changes,
            audit_context(request),
            me,
            sid,
            [proposal_from_form(sid, data, pre)],
            channel=Channel.PORTAL,
            kind=ChangeKind.SUPPLIER_PROFILE,
            evidence=evidence,
        )
        return Redirect(path=f"/portal/changes/{created.id}", status_code=303)


@post(
    "/api/v1/ocr/licence",
    guards=[requires(*STAFF), rate_limited("upload")],
    status_code=200,
    tags=["ocr"],
    summary="Read a business licence now; the same JSON as `portal ocr licence FILE --json`",
    operation_id="readLicence",
)
async def read_licence_now(
    ocr: OcrDep, data: Annotated[FileUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
) -> LicenceReadingView:
    upload = data.file
    limit = ocr.services.settings.web.max_upload_bytes
    try:
        content = await upload.read(limit + 1)
    finally:
        await upload.close()  # the spooled file is ours once parsed into the form model
    if len(content) > limit:
        raise UploadTooLargeError(f"the file has more than {limit} bytes")
    await asyncio.to_thread(check_structure, content)
    async with ocr.api_slot:  # one read at a time per process: each takes seconds of CPU
        reading = await asyncio.to_thread(ocr.reader, content, filename=upload.filename)
    return typed(reading.as_dict(), LicenceReadingView)


def build_ocr(
    services: Services,
    *,
    settings: OcrJobSettings | None = None,
    limits: InputLimits | None = None,
    sandbox: SandboxSettings | None = None,
    reader: Reader | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Contribution:
    """The area around its collaborators; tests pass a fake ``reader`` and their clock."""
    settings = settings or OcrJobSettings()
    limits = limits or InputLimits(max_upload_bytes=services.settings.web.max_upload_bytes)
    pool = None
    if reader is None:  # read in sandboxed, warm children: this process never loads the engines
        reader = pool = default_reader(limits, sandbox)
    deps = OcrWorkerDeps(
        services.engine,
        services.documents,
        AuditLog(services.sealer),
        reader,
        settings,
    )
    if clock is not None:
        deps.clock = clock
    runtime = OcrRuntime(services, settings, OcrWorker(deps, warm_up=pool.start if pool else None))
    router = Router(
        path="/",
        route_handlers=[LicencePages, read_licence_now],
        dependencies={"ocr": Provide(lambda: runtime, sync_to_thread=False)},
        exception_handlers=handlers(template="supplier/error.html", pages=True, http=False),
        request_max_body_size=services.settings.web.max_upload_bytes + 64 * 1024,
    )
    return Contribution(
        route_handlers=[router],
        state={"ocr": runtime},
        on_startup=[runtime.startup],
        on_shutdown=[runtime.shutdown],
    )


def area(collaborators: Collaborators) -> Contribution:
    """The area as ``portal serve`` and ``portal demo`` build it."""
    return build_ocr(
        collaborators.services,
        settings=collaborators.ocr,
        limits=collaborators.ocr_limits,
        sandbox=collaborators.ocr_sandbox,
    )
