"""The portal's own second factor: set up an authenticator app, type a code to step up, and
the admin's reset. The rules, transactions and audit entries are in
:mod:`portal.identity.totp`; these handlers translate, and keep the session's methods.

- ``/auth/totp``: a QR code (an SVG drawn here) and the secret for typing in, then the first
  code; that code also counts as a step-up for this session.
- ``/auth/step-up``: a code renews this login with a second factor (``amr`` gets ``otp``).
- ``POST /admin/accounts/{id}/totp/reset``: an administrator removes a lost authenticator.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from litestar import MediaType, Request, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from portal.changes.step_up import step_up_link
from portal.domain.principal import STAFF, Role
from portal.identity.sessions import NotAllowedError, UnknownSessionError
from portal.identity.totp import (
    CodeRefusedError,
    EnrolmentState,
    LoginTooOldError,
    NotEnrolledError,
    TooManyCodesError,
    confirm_enrolment,
    enrolment_state,
    reset_enrolment,
    start_enrolment,
    step_up_with_code,
)
from portal.web.auth.ratelimit import rate_limited
from portal.web.auth.runtime import AuthDep, message_page, page, safe_next
from portal.web.auth.sessions import record_second_factor
from portal.web.context import audit_context
from portal.web.i18n import language_of
from portal.web.security import principal_of, requires

Form = URLEncodedBody[dict[str, str]]
STAFF_ONLY = [requires(*STAFF)]
ENROL, STEP_UP = "/auth/totp", "/auth/step-up"


def with_next(path: str, back_to: str | None) -> str:
    """``path`` with ``?next=back_to`` when there is a local page to come back to.

    >>> with_next("/auth/step-up", "/staff/changes/1"), with_next("/auth/totp", "//x")
    ('/auth/step-up?next=%2Fstaff%2Fchanges%2F1', '/auth/totp')
    """
    target = safe_next(back_to)
    return f"{path}?{urlencode({'next': target})}" if target else path


def _fresh_for(auth: AuthDep) -> timedelta:
    return timedelta(minutes=auth.services.settings.changes.step_up_max_age_minutes)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg: bytes = image.to_string()
    return svg.decode()


def _error(request: Request[Any, Any, Any], exc: Exception) -> str:
    zh = language_of(request) == "zh"
    message_zh = getattr(exc, "message_zh", None)
    return str(message_zh) if zh and message_zh else str(exc)


def _enrol_page(
    request: Request[Any, Any, Any],
    auth: AuthDep,
    back_to: str | None,
    *,
    error: Exception | None = None,
    status_code: int = 200,
) -> Template:
    me = principal_of(request)
    if enrolment_state(auth.services.engine, me.subject) == EnrolmentState.CONFIRMED:
        return page(
            request,
            "auth/totp_enrol.html",
            enrolled=True,
            step_up_url=with_next(STEP_UP, back_to),
            back_to=safe_next(back_to),
        )
    try:
        shown = start_enrolment(
            auth.services.engine, auth.services.sealer, me, auth.now(), fresh_for=_fresh_for(auth)
        )
    except LoginTooOldError:
        return message_page(
            request,
            "auth.totp_login_too_old",
            status_code=403,
            action_url=step_up_link(with_next(ENROL, back_to)),
            action_key="auth.try_again",
            minutes=int(_fresh_for(auth).total_seconds() // 60),
        )
    return page(
        request,
        "auth/totp_enrol.html",
        status_code=status_code,
        enrolled=False,
        secret=" ".join(shown.secret[i : i + 4] for i in range(0, len(shown.secret), 4)),
        uri=shown.uri,
        qr_svg=_qr_svg(shown.uri),
        back_to=safe_next(back_to),
        error=error,
        error_text=_error(request, error) if error is not None else None,
    )


@get(ENROL, guards=STAFF_ONLY, sync_to_thread=True, media_type=MediaType.HTML)
def enrol_page(
    request: Request[Any, Any, Any], auth: AuthDep, next: FromQuery[str | None] = None
) -> Template:
    """Set up an authenticator app: scan or type the secret, then type the first code."""
    return _enrol_page(request, auth, next)


@post(
    ENROL,
    guards=[*STAFF_ONLY, rate_limited("login")],
    sync_to_thread=True,
    media_type=MediaType.HTML,
)
def enrol(request: Request[Any, Any, Any], auth: AuthDep, data: Form) -> Any:
    """The first code proves the app; it also steps this login up."""
    back_to = safe_next(data.get("next"))
    now = auth.now()
    try:
        confirm_enrolment(
            auth.services.engine,
            auth.services.sealer,
            auth.audit,
            audit_context(request),
            principal_of(request),
            data.get("code", ""),
            now,
        )
    except CodeRefusedError as exc:
        return _enrol_page(request, auth, back_to, error=exc, status_code=422)
    except TooManyCodesError as exc:
        return _enrol_page(request, auth, back_to, error=exc, status_code=429)
    except NotEnrolledError:
        return _enrol_page(request, auth, back_to)
    record_second_factor(request, now)
    return Redirect(path=back_to or "/staff/", status_code=303)


def _step_up_page(
    request: Request[Any, Any, Any],
    back_to: str | None,
    *,
    error: Exception | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "auth/totp_step_up.html",
        status_code=status_code,
        back_to=safe_next(back_to),
        relogin_url=step_up_link(safe_next(back_to) or "/staff/"),
        error=error,
        error_text=_error(request, error) if error is not None else None,
    )


@get(STEP_UP, guards=STAFF_ONLY, sync_to_thread=True, media_type=MediaType.HTML)
def step_up_page(
    request: Request[Any, Any, Any], auth: AuthDep, next: FromQuery[str | None] = None
) -> Any:
    """Type a code from the authenticator app (or set one up first)."""
    me = principal_of(request)
    if enrolment_state(auth.services.engine, me.subject) != EnrolmentState.CONFIRMED:
        return Redirect(path=with_next(ENROL, next), status_code=303)
    return _step_up_page(request, next)


@post(
    STEP_UP,
    guards=[*STAFF_ONLY, rate_limited("login")],
    sync_to_thread=True,
    media_type=MediaType.HTML,
)
def step_up(request: Request[Any, Any, Any], auth: AuthDep, data: Form) -> Any:
    """A good code: the session gets ``otp`` and a fresh time, then back to the approval."""
    back_to = safe_next(data.get("next"))
    try:
        at = step_up_with_code(
            auth.services.engine,
            auth.services.sealer,
            auth.audit,
            audit_context(request),
            principal_of(request),
            data.get("code", ""),
            auth.now(),
        )
    except CodeRefusedError as exc:
        return _step_up_page(request, back_to, error=exc, status_code=422)
    except TooManyCodesError as exc:
        return _step_up_page(request, back_to, error=exc, status_code=429)
    except NotEnrolledError:
        return Redirect(path=with_next(ENROL, back_to), status_code=303)
    record_second_factor(request, at)
    return Redirect(path=back_to or "/staff/", status_code=303)


@post(
    "/admin/accounts/{account_id:str}/totp/reset",
    guards=[requires(Role.ADMIN)],
    sync_to_thread=True,
    media_type=MediaType.HTML,
)
def reset(request: Request[Any, Any, Any], auth: AuthDep, account_id: FromPath[str]) -> Any:
    """Remove a person's authenticator (a lost phone); they set up a new one."""
    try:
        reset_enrolment(
            auth.services.engine,
            auth.audit,
            audit_context(request),
            principal_of(request),
            account_id,
            auth.now(),
        )
    except (NotAllowedError, UnknownSessionError) as exc:
        status = 403 if isinstance(exc, NotAllowedError) else 404
        return message_page(
            request,
            "auth.admin_refused",
            status_code=status,
            action_url="/admin/sessions",
            action_key="auth.admin.back",
            detail=str(exc),
        )
    return Redirect(path="/admin/sessions", status_code=303)


ROUTES = [enrol_page, enrol, step_up_page, step_up, reset]
