"""Payment-file checks over HTTP: ``POST /api/v1/payment-checks``.

The controller translates the upload in and the verdicts out; the check itself (who may,
the lookups, the audit entry) is :func:`portal.payments.check_payment_file`.
``?format=csv`` or ``?format=xlsx`` answers the checked sheet with its verdict columns
instead of JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeAlias

from litestar import Controller, Request, Router, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Response

from payments import REASONS, VERDICTS, PaymentFileError
from portal.bootstrap import Collaborators, build_payment_deps
from portal.payments import CheckResult, PaymentDeps, check_payment_file
from portal.payments.checking import CHECKERS
from portal.web.context import audit_context
from portal.web.errors import handlers
from portal.web.security import principal_of, requires
from portal.web.site import Contribution

__all__ = ["PaymentCheckApi", "area", "payment_contribution", "result_view"]

PaymentsDep: TypeAlias = NamedDependency[PaymentDeps]
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


class PaymentCheckApi(Controller):
    """Check a payment batch before it goes to the bank."""

    path = "/api/v1/payment-checks"
    guards = [requires(*CHECKERS)]  # noqa: RUF012
    tags = ["finance"]  # noqa: RUF012

    @post("/", sync_to_thread=True, status_code=200, summary="Check a payment file")
    def check(
        self,
        request: Request[Any, Any, Any],
        payments: PaymentsDep,
        data: Multipart,
        file_format: Annotated[
            str | None,
            QueryParameter(name="format", description="csv or xlsx: answer the checked sheet"),
        ] = None,
    ) -> Response[Any]:
        """Multipart form with ``file`` (.csv or .xlsx): a verdict for every line."""
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise PaymentFileError("send the payment file as 'file'",
                                   message_zh="请以 file 字段上传付款文件")  # fmt: skip
        if file_format not in (None, "csv", "xlsx"):
            raise PaymentFileError("format is csv or xlsx", message_zh="format 只能是 csv 或 xlsx")
        result = check_payment_file(
            payments,
            audit_context(request),
            principal_of(request),
            upload.filename or "payments.csv",
            upload.file.read(),
        )
        if file_format is None:
            return Response(result_view(result))
        content, kind = result.sheet_bytes(file_format)
        name = f"payment-check-{result.id[:8]}.{file_format}"
        return Response(
            content,
            media_type=kind,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def area(collaborators: Collaborators) -> Contribution:
    """The payment-check API, with the payment use cases' collaborators."""
    return payment_contribution(build_payment_deps(collaborators.changes, collaborators.settings))


def payment_contribution(deps: PaymentDeps) -> Contribution:
    """The routes of the area around already-built collaborators (tests pass their own)."""
    router = Router(
        path="/",
        route_handlers=[PaymentCheckApi],
        dependencies={"payments": Provide(lambda: deps, sync_to_thread=False)},
        exception_handlers=handlers(http=False),
    )
    return Contribution(route_handlers=[router])
