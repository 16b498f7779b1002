"""Observability of the web service: the request id, the access log, metrics, traces and
the probes.

:class:`ObservedApp` wraps the whole app (outside routing, so a 404 for an unknown path
and a 500 are counted too). For each HTTP request it

- takes the caller's ``X-Request-ID`` when it is a sane token (a proxy's id), else makes
  one; keeps it in the scope state and binds it in the context (every log line, audit
  entry and outbox message written while answering carries it); sends it back;
- counts the request by method, route template and status, and times it;
- writes one access-log line (method, route template, status, duration: never the raw
  path or query, which may hold an invitation token);
- opens a server span when tracing is on (``PORTAL_OTEL_ENDPOINT``).

Routes::

    GET /readyz    200 when every check passes, 503 naming the failed ones (JSON)
    GET /metrics   Prometheus text; only with ``Authorization: Bearer $PORTAL_METRICS_TOKEN``
                   (404 while no token is configured, 401 with a wrong one)
"""

from __future__ import annotations

import hmac
import logging
from functools import partial
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.domain.errors import PortalError
from portal.observability.context import (
    new_request_id,
    reset_request_id,
    sane_request_id,
    set_request_id,
)
from portal.observability.metrics import CONTENT_TYPE, PortalMetrics, monotonic
from portal.observability.readiness import (
    check_database,
    check_keys,
    check_migrations,
    check_ocr,
    check_redis,
    run_checks,
)
from portal.observability.tracing import Tracing, extract_context
from portal.web.context import REQUEST_ID_KEY
from portal.web.deps import ServicesDep
from portal.web.errors import rule_for

__all__ = ["ObservedApp", "log_unexpected", "metrics", "readyz"]

access = logging.getLogger("portal.access")
errors = logging.getLogger("portal.web.errors")
#: probes answer every few seconds; their lines are DEBUG so they do not drown the rest
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "(unmatched)"


class ObservedApp:
    """The ASGI wrapper described in the module docstring."""

    def __init__(self, app: ASGIApp, metrics: PortalMetrics, tracing: Tracing | None) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = sane_request_id(headers.get("x-request-id")) or new_request_id()
        scope.setdefault("state", {})[REQUEST_ID_KEY] = request_id
        bound = set_request_id(request_id)
        status = 500
        started = monotonic()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableScopeHeaders.from_message(message)["x-request-id"] = request_id
            await send(message)

        method = str(scope.get("method", "GET"))
        span = None
        if self.tracing is not None:
            from opentelemetry.trace import SpanKind

            span = self.tracing.tracer.start_span(
                method, kind=SpanKind.SERVER, context=extract_context(headers)
            )
        self.metrics.in_flight.value += 1
        try:
            if span is not None:
                from opentelemetry.trace import use_span

                with use_span(span, end_on_exit=False):
                    await self.app(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.in_flight.value -= 1
            seconds = monotonic() - started
            route = scope.get("path_template") or UNMATCHED
            self.metrics.observe(method, route, status, seconds)
            if span is not None:
                span.update_name(f"{method} {route}")
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                span.set_attribute("portal.request_id", request_id)
                span.end()
            access.log(
                logging.DEBUG if route in QUIET else logging.INFO,
                "%s %s %s %.1f ms",
                method,
                route,
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            reset_request_id(bound)


def log_unexpected(exc: Exception, scope: Scope) -> None:
    """Log an error nobody expected (an answer 500) with its traceback, under the request
    id; a refusal (4xx, a domain error of the table) is not an error of the service."""
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return
    if isinstance(exc, PortalError) or rule_for(exc) is not None:
        return
    errors.error(
        "unexpected error answering %s %s",
        scope.get("method", "?"),
        scope.get("path_template") or UNMATCHED,
        exc_info=exc,
    )


@get("/readyz", sync_to_thread=True, tags=["ops"])
def readyz(request: Request[Any, Any, Any], services: ServicesDep) -> Response[dict[str, Any]]:
    """200 when this process can serve: database, migrations at head, Redis (when
    configured), keys loaded, OCR readers warm (when it reads licences); else 503 naming
    the checks that failed."""
    ocr = request.app.state.get("ocr")
    report = run_checks(
        [
            partial(check_database, services.engine),
            partial(check_migrations, services.engine),
            partial(check_redis, services.settings.auth.session_redis_url),
            partial(check_keys, services.sealer),
            partial(
                check_ocr,
                bool(ocr is not None and ocr.settings.worker),
                getattr(ocr, "reader", None),
                bool(ocr is not None and ocr.worker.running),
            ),
        ]
    )
    return Response(report.as_dict(), status_code=200 if report.ready else 503)


@get("/metrics", sync_to_thread=True, include_in_schema=False)
def metrics(request: Request[Any, Any, Any], services: ServicesDep) -> Response[bytes]:
    """The Prometheus exposition, for the holder of ``PORTAL_METRICS_TOKEN`` only."""
    token = services.settings.observability.metrics_token
    if token is None:
        raise NotFoundException("not found")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise NotAuthorizedException(
            "需要指标令牌 / send the metrics token: Authorization: Bearer $PORTAL_METRICS_TOKEN"
        )
    registry: PortalMetrics = request.app.state["metrics"]
    return Response(registry.exposition(), media_type=CONTENT_TYPE)
