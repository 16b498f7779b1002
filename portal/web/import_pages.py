"""The web import for purchasing staff: upload a list, read the dry run, import the good rows.

Routes::

    GET  /staff/import                   upload form and the latest imports
    GET  /staff/import/template.xlsx     the import template
    POST /staff/import                   upload (multipart, CSRF, rate-limited) -> the job page
    GET  /staff/import/{id}              progress; the dry run (counts per finding, rows with
                                         findings, paged and filtered); the outcome
    GET  /staff/import/{id}.json         progress as JSON (polled by static/js/import_job.js)
    GET  /staff/import/{id}/errors.xlsx  the Excel error report (the user's sheet, marked)
    POST /staff/import/{id}/confirm      "import the good rows"
    POST /staff/import/{id}/sheet        check another worksheet of the workbook

The phases run in :class:`~portal.importing.worker.ImportWorker`, started in
``on_startup`` like the OCR worker (``PORTAL_OCR_WORKER=0`` leaves both queues to
``portal worker``). Every write is a use case of :mod:`portal.importing.jobs`
(permission, state, audit); errors are answered from the one table (:mod:`portal.web.errors`).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeAlias
from zoneinfo import ZoneInfo

from litestar import Controller, MediaType, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import Engine, select

from portal.audit.log import AuditLog
from portal.bootstrap import Collaborators
from portal.core import Services
from portal.db.supplier_store import SUPPLIER
from portal.domain.findings import CATALOG
from portal.domain.principal import Role
from portal.importing.error_report import STATUS_WORDS, write_error_report
from portal.importing.jobs import (
    ImportFileRejectedError,
    ImportJob,
    ImportJobDeps,
    JobState,
    choose_sheet,
    confirm_import,
    get_job,
    job_report,
    list_jobs,
    opened_file,
    upload_list,
)
from portal.importing.run import ImportReport, RowReport
from portal.importing.template import template_bytes
from portal.importing.worker import FirstVerification, ImportWorker
from portal.web.auth.ratelimit import rate_limited
from portal.web.context import audit_context
from portal.web.errors import handlers
from portal.web.i18n import add_messages, language_of
from portal.web.paging import page_link
from portal.web.portal_area import page
from portal.web.security import principal_of, requires
from portal.web.site import Contribution
from portal.workbench.paging import Page, clamp_page, last_page, whole_number

__all__ = ["ImportRuntime", "area", "build_import"]

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
IMPORT_STAFF = (Role.PURCHASING_CLERK, Role.PURCHASING_SUPERVISOR, Role.ADMIN)
SHOWN_IN = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class ImportRuntime:
    """The area's state: the job collaborators and the in-process worker."""

    services: Services
    deps: ImportJobDeps
    worker: ImportWorker
    run_worker: bool = True

    async def startup(self) -> None:
        if self.run_worker:
            self.worker.start()

    async def shutdown(self) -> None:
        await self.worker.stop()


ImportDep: TypeAlias = NamedDependency[ImportRuntime]


def code_words(code: str, lang: str) -> str:
    """A finding code as words ("Not a bank account number"), never the code itself."""
    entry = CATALOG.get(code)
    if entry is None:
        return code
    text = entry.zh if lang == "zh" else entry.en
    text = re.sub(r"\s*[（(]?\{detail\}[)）]?", "", text)
    return re.split(r"[;；]", text)[0].rstrip(" ：:，,。.")


def local(moment: datetime | None) -> str:
    """A time as people here read it (Beijing time)."""
    return moment.astimezone(SHOWN_IN).strftime("%Y-%m-%d %H:%M") if moment else "—"


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def with_names(engine: Engine, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with every supplier id in a finding's words replaced by the supplier's
    name (people read names, never ids); the kept report is left as it is."""
    ids = {
        m
        for r in rows
        for f in r["findings"]
        for m in _UUID.findall(f["message_en"] + f["message_zh"])
    }
    names: dict[str, str] = {}
    listed = sorted(ids)
    with engine.connect() as conn:
        for at in range(0, len(listed), 500):
            chunk = listed[at : at + 500]
            query = select(SUPPLIER.c.id, SUPPLIER.c.name).where(SUPPLIER.c.id.in_(chunk))
            names |= {row.id: row.name for row in conn.execute(query)}

    def named(text: str) -> str:
        for sid, name in names.items():
            text = text.replace(f"{sid} ({name})", f"「{name}」").replace(sid, f"「{name}」")
        return text

    return [
        {
            **r,
            "findings": [
                {**f, "message_en": named(f["message_en"]), "message_zh": named(f["message_zh"])}
                for f in r["findings"]
            ],
        }
        for r in rows
    ]


def _rows(report: dict[str, Any], code: str, status: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report.get("rows", [])
    if code:
        rows = [r for r in rows if any(f["code"] == code for f in r["findings"])]
    if status:
        rows = [r for r in rows if r["status"] == status]
    return rows


def _as_report(data: dict[str, Any]) -> ImportReport:
    """The kept report as the error report's writer takes it."""
    from portal.domain.findings import Finding, Severity

    report = ImportReport(file=data["file"], dry_run=data["dry_run"], sha256=data.get("sha256"))
    report.sheet = data.get("sheet")
    report.header_rows = data.get("header_rows") or [1]
    report.column_index = data.get("column_index") or {}
    report.skipped_rows = data.get("skipped_rows") or []
    report.counts = data.get("counts") or {}
    for r in data.get("rows", []):
        findings = [
            Finding(
                code=f["code"],
                severity=Severity(f["severity"]),
                field_name=f.get("field"),
                message_en=f["message_en"],
                message_zh=f["message_zh"],
                source=f.get("source") or "validation",
            )
            for f in r["findings"]
        ]
        report.rows.append(
            RowReport(r["row"], r["status"], r.get("uscc"), r.get("supplier_id"), findings)
        )
    return report


class ImportPages(Controller):
    """Purchasing staff (and administrators) import supplier lists."""

    path = "/staff/import"
    guards = [requires(*IMPORT_STAFF)]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], imports: ImportDep) -> Template:
        jobs = list_jobs(imports.services.engine, principal_of(request))
        limit_mb = imports.services.settings.web.max_upload_bytes / 2**20
        return page(
            request,
            "import/upload.html",
            jobs=jobs,
            limit_mb=limit_mb,
            local=local,
            state_words=_state_words(request),
        )

    @get("/template.xlsx", sync_to_thread=True)
    def template(self) -> Response[bytes]:
        return Response(
            template_bytes(),
            media_type=XLSX,
            headers={"content-disposition": 'attachment; filename="supplier-import-template.xlsx"'},
        )

    @post("/", sync_to_thread=True, guards=[rate_limited("upload")])
    def upload(
        self, request: Request[Any, Any, Any], imports: ImportDep, data: Multipart
    ) -> Redirect:
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ImportFileRejectedError(
                "choose a .xlsx or .csv file to upload", "请选择要上传的 .xlsx 或 .csv 文件"
            )
        limit = imports.services.settings.web.max_upload_bytes
        job, existed = upload_list(
            imports.deps,
            audit_context(request),
            principal_of(request),
            filename=upload.filename,
            content=upload.file.read(limit + 1),
            max_bytes=limit,
        )
        imports.worker.wake()
        return Redirect(
            path=f"/staff/import/{job.id}" + ("?again=1" if existed else ""), status_code=303
        )

    @get("/{job_id:str}")
    async def show(
        self, request: Request[Any, Any, Any], imports: ImportDep, job_id: FromPath[str]
    ) -> Response[Any] | Template:
        me = principal_of(request)
        as_json = job_id.endswith(".json")
        job = await asyncio.to_thread(
            get_job, imports.services.engine, me, job_id.removesuffix(".json")
        )
        now = datetime.now(UTC)
        if as_json:
            return Response(job.as_dict(now), media_type=MediaType.JSON)
        return await asyncio.to_thread(self._page, request, imports, job, now)

    def _page(
        self, request: Request[Any, Any, Any], imports: ImportDep, job: ImportJob, now: datetime
    ) -> Template:
        me = principal_of(request)
        lang = language_of(request)
        q = request.query_params
        report = (
            job_report(imports.deps, me, job)
            if job.state
            in (
                JobState.CHECKED,
                JobState.DONE,
                JobState.VERIFY_QUEUED,
                JobState.VERIFYING,
            )
            else None
        )
        found: Page[dict[str, Any]] | None = None
        code, status = q.get("code", ""), q.get("status", "")
        if report is not None:
            rows = _rows(report, code, status)
            number, size = clamp_page(whole_number(q.get("page")), whole_number(q.get("size")))
            number = last_page(number, size, len(rows))
            start = (number - 1) * size
            shown = with_names(imports.services.engine, rows[start : start + size])
            found = Page(tuple(shown), len(rows), number, size)
        latest = job.latest_counts
        return page(
            request,
            "import/job.html",
            job=job,
            progress=job.progress(now),
            summary=latest.get("outcome") or {},
            check=latest,
            report=report,
            found=found,
            code=code,
            status=status,
            link=page_link(request),
            words=lambda c: code_words(c, lang),
            status_words={k: (zh if lang == "zh" else en) for k, (zh, en) in STATUS_WORDS.items()},
            state_words=_state_words(request),
            again=q.get("again") == "1",
            local=local,
            zh=lang == "zh",
        )

    @get("/{job_id:str}/errors.xlsx", sync_to_thread=True)
    def errors(
        self, request: Request[Any, Any, Any], imports: ImportDep, job_id: FromPath[str]
    ) -> Response[bytes]:
        import io

        me = principal_of(request)
        job = get_job(imports.services.engine, me, job_id)
        kept = job_report(imports.deps, me, job)
        if kept is None:
            raise ImportFileRejectedError(
                "the list has not been checked yet; the report follows the check",
                "名单尚未检查完毕，检查后即可下载问题报告",
            )
        kept["rows"] = with_names(imports.services.engine, kept.get("rows", []))
        out = io.BytesIO()
        with opened_file(imports.deps, job) as path:
            write_error_report(path, _as_report(kept), out)
        stem = job.filename.rsplit(".", 1)[0]
        return Response(
            out.getvalue(),
            media_type=XLSX,
            headers={
                "content-disposition": 'attachment; filename="import-report.xlsx"; '
                f"filename*=UTF-8''{_quote(stem)}-report.xlsx"
            },
        )

    @post("/{job_id:str}/confirm", sync_to_thread=True)
    def confirm(
        self, request: Request[Any, Any, Any], imports: ImportDep, job_id: FromPath[str]
    ) -> Redirect:
        confirm_import(imports.deps, audit_context(request), principal_of(request), job_id)
        imports.worker.wake()
        return Redirect(path=f"/staff/import/{job_id}", status_code=303)

    @post("/{job_id:str}/sheet", sync_to_thread=True)
    def sheet(
        self,
        request: Request[Any, Any, Any],
        imports: ImportDep,
        job_id: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        choose_sheet(
            imports.deps,
            audit_context(request),
            principal_of(request),
            job_id,
            data.get("sheet", ""),
        )
        imports.worker.wake()
        return Redirect(path=f"/staff/import/{job_id}", status_code=303)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _state_words(request: Request[Any, Any, Any]) -> dict[str, str]:
    lang = language_of(request)
    return {state: texts[0 if lang == "zh" else 1] for state, texts in STATES.items()}


STATES: dict[str, tuple[str, str]] = {
    "check_queued": ("等待检查", "waiting to be checked"),
    "checking": ("正在检查", "being checked"),
    "checked": ("已检查，待确认导入", "checked: waiting for you to import"),
    "import_queued": ("等待导入", "waiting to be imported"),
    "importing": ("正在导入", "being imported"),
    "verify_queued": ("等待核验", "waiting for verification"),
    "verifying": ("正在核验工商与税务信息", "verifying with the registry and tax bureau"),
    "done": ("已完成", "done"),
    "failed": ("失败", "failed"),
}

MESSAGES: dict[str, dict[str, str]] = {
    k: {"zh": zh, "en": en}
    for k, zh, en in (
        ("import.title", "导入供应商名单", "Import a supplier list"),
        ("import.nav", "导入", "Import"),
        (
            "import.intro",
            "上传 .xlsx 或 .csv 文件（最大 {mb} MB）。"
            "系统先检查每一行，您查看结果后再导入没有问题的行。",
            "Upload an .xlsx or .csv file (at most {mb} MB). Every row is checked first; "
            "you read the result, then import the rows without problems.",
        ),
        ("import.template", "下载导入模板", "Download the import template"),
        ("import.file", "名单文件", "List file"),
        ("import.upload", "上传并检查", "Upload and check"),
        ("import.recent", "最近的导入", "Recent imports"),
        ("import.none", "还没有导入记录。", "No import yet."),
        ("import.by", "上传人", "Uploaded by"),
        ("import.at", "上传时间（北京时间）", "Uploaded (Beijing)"),
        ("import.state", "状态", "State"),
        (
            "import.again",
            "此文件已于 {at} 由 {who} 上传，以下是那次导入。",
            "This file was already uploaded on {at} by {who}; here is that import.",
        ),
        ("import.progress", "进度", "Progress"),
        ("import.rows_of", "{done} / {total} 行", "{done} of {total} rows"),
        ("import.suppliers_of", "{done} / {total} 家供应商", "{done} of {total} suppliers"),
        ("import.rate", "每秒 {rate} 条", "{rate} a second"),
        ("import.left", "约剩 {left}", "about {left} left"),
        ("import.duration", "{m} 分 {s} 秒", "{m} min {s} s"),
        ("import.seconds", "{s} 秒", "{s} s"),
        ("import.phase.check", "检查每一行（不保存）", "Checking every row (nothing stored)"),
        ("import.phase.import", "导入没有问题的行", "Importing the good rows"),
        (
            "import.phase.verify",
            "首次核验新供应商（工商、税务）",
            "First verification of the new suppliers (registry, tax)",
        ),
        (
            "import.auto",
            "本页会自动更新，可随时刷新或离开。",
            "This page updates by itself; reload or leave at any time.",
        ),
        ("import.sheet", "工作表", "Worksheet"),
        ("import.sheet_change", "改查此工作表", "Check this sheet instead"),
        ("import.header_rows", "表头所在行", "Header row"),
        ("import.hidden_columns", "隐藏的列（未读取）", "Hidden columns (not read)"),
        ("import.ignored_columns", "未识别的列（已忽略）", "Unknown columns (ignored)"),
        ("import.counts", "检查结果", "What the check found"),
        ("import.outcome", "导入结果", "What the import did"),
        ("import.total_rows", "数据行", "Data rows"),
        ("import.can_create", "可新建", "Can be created"),
        ("import.changed", "变更申请", "Change requests"),
        ("import.unchanged", "已存在，无变化", "On file, unchanged"),
        ("import.rejected", "有错误，不导入", "With errors, not imported"),
        ("import.created", "已新建", "Created"),
        ("import.second", "另有第二个问题的行", "Rows with a second finding"),
        ("import.by_finding", "各类问题的行数", "Rows per finding"),
        ("import.finding", "问题", "Finding"),
        ("import.rows", "行数", "Rows"),
        ("import.row", "行号", "Row"),
        ("import.uscc", "统一社会信用代码", "Credit code"),
        ("import.status", "结果", "Outcome"),
        ("import.findings", "问题说明", "What is wrong"),
        ("import.filter", "筛选", "Filter"),
        ("import.any", "全部", "Any"),
        ("import.no_rows", "没有符合条件的行。", "No row matches."),
        ("import.clean", "所有行都没有问题。", "Every row is fine."),
        (
            "import.error_report",
            "下载 Excel 问题报告（您的表格，问题单元格已标出）",
            "Download the Excel error report (your sheet, problem cells marked)",
        ),
        ("import.confirm", "导入没有问题的行", "Import the good rows"),
        (
            "import.confirm_hint",
            "有错误的行不会导入；修改后可再次上传。已存在的供应商如有差异，将提交变更申请待审批。",
            "Rows with errors are not imported; fix them and upload again. Differences for "
            "suppliers on file become change requests for approval.",
        ),
        ("import.done", "导入完成", "Import finished"),
        (
            "import.verified",
            "已核验 {done} / {total} 家新供应商",
            "{done} of {total} new suppliers verified",
        ),
        ("import.failed", "导入失败", "The import failed"),
        ("import.upload_again", "上传其他文件", "Upload another file"),
        ("import.check_again", "重新检查此文件", "Check this file again"),
        ("import.back", "返回导入页面", "Back to imports"),
        ("import.file_name", "文件", "File"),
    )
}


def build_import(
    services: Services,
    *,
    collaborators: Collaborators | None = None,
    run_worker: bool = True,
) -> Contribution:
    """The area around its collaborators (the change requests and verification from
    ``collaborators`` when given)."""
    add_messages(MESSAGES)
    changes = collaborators.changes if collaborators is not None else None
    deps = ImportJobDeps(
        services.engine,
        services.suppliers,
        changes.audit if changes is not None else AuditLog(services.sealer),
        services.documents,
        changes=changes,
    )
    if changes is not None:
        deps.clock = changes.clock
    verification = (
        FirstVerification(collaborators.verification) if collaborators is not None else None
    )
    runtime = ImportRuntime(services, deps, ImportWorker(deps, verification), run_worker)
    router = Router(
        path="/",
        route_handlers=[ImportPages],
        dependencies={"imports": Provide(lambda: runtime, sync_to_thread=False)},
        exception_handlers=handlers(template="supplier/error.html", pages=True, http=False),
        request_max_body_size=services.settings.web.max_upload_bytes + 64 * 1024,
        include_in_schema=False,
    )
    return Contribution(
        route_handlers=[router],
        state={"imports": runtime},
        on_startup=[runtime.startup],
        on_shutdown=[runtime.shutdown],
    )


def area(collaborators: Collaborators) -> Contribution:
    """The area as ``portal serve`` and ``portal demo`` build it."""
    return build_import(
        collaborators.services,
        collaborators=collaborators,
        run_worker=collaborators.ocr.worker,
    )
