"""The one table from errors to HTTP statuses, JSON bodies, error pages and CLI exit codes.

Services raise domain errors; nothing below the web layer knows about HTTP. A
:class:`~portal.domain.errors.PortalError` carries its kind; errors of the business
packages (approvals, crypto, ocr, registry) and the few portal errors that are not yet
``PortalError``\\ s get their kind in :data:`ERRORS`, most specific first. The kind
decides the status (:data:`KIND_STATUS`) and the exit code (:data:`KIND_EXIT`); a row
overrides the status where a route has always answered otherwise (400, 410, 413, 500, 502).

Every API error has one shape::

    {"error": {"code": "supplier.not_found", "message": "no supplier s-1",
               "message_zh": "找不到供应商 s-1", "field": "uscc", "retryable": false}}

``field`` is present only when the error names one; ``retryable`` says whether the same
request can succeed later (a fact of the error, never guessed from the status). A browser
(``Accept: text/html``, outside ``/api/``) gets an error page in its language instead.

>>> from portal.domain.errors import SupplierNotFoundError
>>> rule = rule_for(SupplierNotFoundError("s-1"))
>>> rule.http_status, KIND_EXIT[rule.kind], error_body(SupplierNotFoundError("s-1"), rule)
(404, 3, {'error': {'code': 'supplier.not_found', 'message': 'no supplier s-1', \
'message_zh': '找不到供应商 s-1', 'retryable': False}})
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template
from sqlalchemy.exc import DataError

from approvals import (
    ApprovalError,
    CallBackRequiredError,
    InvalidInputError,
    InvalidTransitionError,
    ReviewRefusedError,
    VersionConflictError,
)
from crypto import BlobStoreUnavailableError, CryptoError, RevealDeniedError
from ocr.errors import EngineUnavailableError, OcrInputError, UploadTooLargeError
from payments import PaymentFileError, VersionTransitionError
from portal.changes import (
    ChangeNotFoundError,
    ConcurrentReviewError,
    InvalidProposalError,
    NotAllowedError,
    UnknownEntityError,
)
from portal.documents.store import DocumentNotFoundError, DocumentRejectedError
from portal.domain.errors import ErrorKind, PortalError
from portal.domain.findings import Finding
from portal.domain.principal import Principal
from portal.finance.reads import BadCursorError
from portal.finance.reveal import NothingToRevealError, RevealNotAllowedError
from portal.identity.api_clients import ApiClientError
from portal.importing.readers import UnreadableFileError
from portal.ocr_jobs import OcrJobNotFoundError
from portal.onboarding.invitations import InvitationError
from portal.resolution import DedupError, DismissRefusedError, MergeRefusedError
from portal.verification.confirmations import ConfirmationError
from portal.verification.wiring import VerificationNotConfiguredError
from portal.web.context import request_id_of
from portal.web.i18n import language_of, translator
from registry.errors import ProviderError

__all__ = [
    "ERRORS",
    "KIND_EXIT",
    "KIND_STATUS",
    "Rule",
    "error_body",
    "error_response",
    "handlers",
    "rule_for",
]

KIND_STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAVAILABLE: 503,
}
#: Exit codes of ``portal`` commands (0 done, 1 done with failures, 2 bad input or setting).
KIND_EXIT: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 2,
    ErrorKind.NOT_FOUND: 3,
    ErrorKind.CONFLICT: 4,
    ErrorKind.FORBIDDEN: 5,
    ErrorKind.UNAVAILABLE: 75,  # EX_TEMPFAIL: try again later
}


@dataclass(frozen=True)
class Rule:
    """How one error type is answered."""

    error: type[Exception]
    kind: ErrorKind
    status: int | None = None  # None: the kind's status
    retryable: bool = False
    #: a finer rule for one instance (a provider error's kind, an invitation's reason)
    refine: Callable[[Any], Rule | None] | None = None
    #: the message may name internals (keys, stored values): say only what happened
    internal: bool = False
    #: (code, English, Chinese) said instead of the error's own words (a driver's message
    #: names SQL and values: never shown)
    says: tuple[str, str, str] | None = None

    @property
    def http_status(self) -> int:
        return self.status if self.status is not None else KIND_STATUS[self.kind]


def _provider(exc: ProviderError) -> Rule | None:
    by_kind = {
        "input": (ErrorKind.INVALID, 422),
        "not_found": (ErrorKind.NOT_FOUND, 404),
        "credentials": (ErrorKind.UNAVAILABLE, 502),
    }
    if exc.kind not in by_kind:
        return None
    kind, status = by_kind[exc.kind]
    return Rule(ProviderError, kind, status)


def _invitation(exc: InvitationError) -> Rule | None:
    by_reason = {
        "tampered": (ErrorKind.INVALID, 400),
        "expired": (ErrorKind.CONFLICT, 410),
        "used": (ErrorKind.CONFLICT, 410),
        "revoked": (ErrorKind.CONFLICT, 410),
        "binding": (ErrorKind.FORBIDDEN, 403),
        "email_mismatch": (ErrorKind.FORBIDDEN, 403),
        "code_required": (ErrorKind.INVALID, 400),
        "code_wrong": (ErrorKind.INVALID, 400),
    }
    kind, status = by_reason.get(exc.reason, (ErrorKind.INVALID, 400))
    return Rule(InvitationError, kind, status)


def _document(exc: DocumentRejectedError) -> Rule | None:
    if exc.code == "document.too_large":
        return Rule(DocumentRejectedError, ErrorKind.INVALID, 413)
    return None


#: Every error the web layer and the CLI answer for, most specific first.
ERRORS: tuple[Rule, ...] = (
    # access (a missing call-back is an input the reviewer must give, not a refusal)
    Rule(CallBackRequiredError, ErrorKind.INVALID),
    Rule(RevealDeniedError, ErrorKind.FORBIDDEN),
    Rule(NotAllowedError, ErrorKind.FORBIDDEN),
    Rule(ReviewRefusedError, ErrorKind.FORBIDDEN),
    Rule(RevealNotAllowedError, ErrorKind.FORBIDDEN),
    Rule(NothingToRevealError, ErrorKind.FORBIDDEN),
    Rule(DismissRefusedError, ErrorKind.FORBIDDEN),
    # not found
    Rule(ChangeNotFoundError, ErrorKind.NOT_FOUND),
    Rule(UnknownEntityError, ErrorKind.NOT_FOUND),
    Rule(DocumentNotFoundError, ErrorKind.NOT_FOUND),
    Rule(OcrJobNotFoundError, ErrorKind.NOT_FOUND),
    # conflicts: the state changed or forbids the act
    Rule(InvalidTransitionError, ErrorKind.CONFLICT),
    Rule(VersionConflictError, ErrorKind.CONFLICT),
    Rule(ConcurrentReviewError, ErrorKind.CONFLICT, retryable=True),  # the other review ends
    Rule(MergeRefusedError, ErrorKind.CONFLICT),
    Rule(ApiClientError, ErrorKind.CONFLICT),
    Rule(ConfirmationError, ErrorKind.CONFLICT, 410),
    Rule(InvitationError, ErrorKind.INVALID, 400, refine=_invitation),
    # input
    Rule(BadCursorError, ErrorKind.INVALID, 400),
    Rule(UploadTooLargeError, ErrorKind.INVALID, 413),
    Rule(DocumentRejectedError, ErrorKind.INVALID, refine=_document),
    Rule(InvalidProposalError, ErrorKind.INVALID),
    Rule(UnreadableFileError, ErrorKind.INVALID),
    Rule(OcrInputError, ErrorKind.INVALID),
    Rule(InvalidInputError, ErrorKind.INVALID),
    Rule(ApprovalError, ErrorKind.INVALID),
    Rule(DedupError, ErrorKind.INVALID),
    Rule(PaymentFileError, ErrorKind.INVALID),
    Rule(VersionTransitionError, ErrorKind.CONFLICT),
    # unavailable: a dependency is down or not configured
    Rule(EngineUnavailableError, ErrorKind.UNAVAILABLE, retryable=True),
    Rule(VerificationNotConfiguredError, ErrorKind.UNAVAILABLE),
    Rule(ProviderError, ErrorKind.UNAVAILABLE, retryable=True, refine=_provider),
    # a value the database cannot store (a NUL character, a number out of range): the
    # driver's message quotes the statement and its values, so it is never shown
    Rule(
        DataError,
        ErrorKind.INVALID,
        400,
        says=(
            "request.unstorable_value",
            "a value in the request cannot be stored (a NUL character, or a number or text "
            "beyond what the field holds); check what was sent",
            "请求中有无法保存的值（空字符 NUL，或超出字段范围的数字或文字）；请检查提交的内容",
        ),
    ),
    # a stored value cannot be read: never the details
    Rule(BlobStoreUnavailableError, ErrorKind.UNAVAILABLE, retryable=True),
    Rule(CryptoError, ErrorKind.UNAVAILABLE, 500, internal=True),
)


def rule_for(exc: Exception) -> Rule | None:
    """The rule answering ``exc`` (a PortalError's own kind when no row is finer), or None."""
    for rule in ERRORS:
        if isinstance(exc, rule.error):
            finer = rule.refine(exc) if rule.refine is not None else None
            return finer or rule
    if isinstance(exc, PortalError):
        return Rule(type(exc), exc.kind, retryable=exc.retryable)
    return None


def _code(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    name = type(exc).__name__.removesuffix("Error")
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def error_body(exc: Exception, rule: Rule) -> dict[str, Any]:
    """The one JSON shape of an error."""
    message = "internal error: a stored value could not be read" if rule.internal else str(exc)
    message_zh = "内部错误：存储的值无法读取" if rule.internal else getattr(exc, "message_zh", None)
    code = _code(exc)
    if rule.says is not None:
        code, message, message_zh = rule.says
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "message_zh": message_zh if isinstance(message_zh, str) else message,
        "retryable": rule.retryable,
    }
    field = getattr(exc, "field", None)
    if isinstance(field, str) and field:
        body["field"] = field
    findings = [f.as_dict() for f in getattr(exc, "findings", ()) if isinstance(f, Finding)]
    if findings:
        body["findings"] = findings
    return {"error": body}


def _wants_page(request: Request[Any, Any, Any], pages: bool) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    if "application/json" in accept:
        return False
    return "text/html" in accept or pages


def _page(
    request: Request[Any, Any, Any], template: str, status: int, body: dict[str, Any], exc: Any
) -> Template:
    user = request.scope.get("user")
    zh = language_of(request) == "zh"
    error = body["error"]
    return Template(
        template_name=template,
        status_code=status,
        context={
            "user": user if isinstance(user, Principal) else None,
            "t": translator(request),
            "lang": "zh-CN" if zh else "en",
            "zh": zh,
            "request_id": request_id_of(request),
            "message": error["message_zh"] if zh else error["message"],
            "findings": getattr(exc, "findings", []),
            "status": status,
            "code": status,
        },
    )


def error_response(
    request: Request[Any, Any, Any],
    exc: Exception,
    *,
    template: str = "error.html",
    pages: bool = False,
) -> Response[Any] | Template:
    """Answer ``exc`` from the table: JSON for the API, a page for a browser."""
    if isinstance(exc, HTTPException):
        return _http_error(request, exc, template=template, pages=pages)
    rule = rule_for(exc)
    if rule is None:
        raise exc
    body = error_body(exc, rule)
    if _wants_page(request, pages):
        return _page(request, template, rule.http_status, body, exc)
    return Response(body, status_code=rule.http_status, media_type=MediaType.JSON)


def _http_error(
    request: Request[Any, Any, Any], exc: HTTPException, *, template: str, pages: bool
) -> Response[Any] | Template:
    """Plain HTTP errors (no token, a guard, a bad query) keep their status, in the same shape."""
    status = exc.status_code
    message, message_zh = exc.detail, exc.detail
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        message, message_zh = _invalid_parameters(exc.extra)
    body = {
        "error": {
            "code": f"http.{status}",
            "message": message,
            "message_zh": message_zh,
            "retryable": status in (429, 503),
        }
    }
    if _wants_page(request, pages):
        return _page(request, template, status, body, exc)
    return Response(
        body, status_code=status, media_type=MediaType.JSON, headers=exc.headers or None
    )


#: msgspec's words for a refused value, and how a person reads them (en, zh)
_CONSTRAINTS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"Expected `\w+` <= (\S+)$"), "must be at most {0}", "须不大于 {0}"),
    (re.compile(r"Expected `\w+` >= (\S+)$"), "must be at least {0}", "须不小于 {0}"),
    (re.compile(r"Expected `\w+` < (\S+)$"), "must be below {0}", "须小于 {0}"),
    (re.compile(r"Expected `\w+` > (\S+)$"), "must be above {0}", "须大于 {0}"),
    (re.compile(r"Expected `int`, got"), "must be a whole number", "须是整数"),
    (re.compile(r"Expected `bool`, got"), "must be true or false", "须是 true 或 false"),
    (re.compile(r"of length <= (\d+)$"), "is longer than {0} characters", "超过 {0} 个字符"),
    (re.compile(r"of length >= (\d+)$"), "is shorter than {0} characters", "少于 {0} 个字符"),
    (re.compile(r"Invalid enum value"), "is not one of the listed values", "不是可选的值"),
)


def _invalid_parameters(extra: list[Any]) -> tuple[str, str]:
    """A refused query, path or header value in words: which parameter and what is wrong.

    >>> _invalid_parameters([{"key": "limit", "message": "Expected `int` <= 1000"}])
    ('limit must be at most 1000', '参数 limit 须不大于 1000')
    >>> _invalid_parameters([{"key": "state", "message": "Invalid enum value 'x'"}])[1]
    '参数 state 不是可选的值'
    """
    en: list[str] = []
    zh: list[str] = []
    for item in extra:
        key = str(item.get("key") or "value") if isinstance(item, dict) else "value"
        said = str(item.get("message") or "") if isinstance(item, dict) else str(item)
        for pattern, words_en, words_zh in _CONSTRAINTS:
            if found := pattern.search(said):
                en.append(f"{key} {words_en.format(*found.groups())}")
                zh.append(f"参数 {key} {words_zh.format(*found.groups())}")
                break
        else:
            en.append(f"{key} is not valid: {said}" if said else f"{key} is not valid")
            zh.append(f"参数 {key} 无效：{said}" if said else f"参数 {key} 无效")
    return "; ".join(en), "；".join(zh)


def handlers(
    *, template: str = "error.html", pages: bool = False, http: bool = True
) -> dict[int | type[Exception], Any]:
    """Exception handlers for an app or a router: every error of the table (and, with
    ``http``, plain HTTP errors: the app registers those once).

    ``template`` is the router's error page; ``pages`` whether a request that names neither
    JSON nor HTML gets the page (the portal's pages) or JSON (the API, the app's default).
    """

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any] | Template:
        return error_response(request, exc, template=template, pages=pages)

    table: dict[int | type[Exception], Any] = {rule.error: handle for rule in ERRORS}
    table[PortalError] = handle
    if http:
        table[HTTPException] = handle
    return table
