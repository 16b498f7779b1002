"""The app factory: wires the collaborators, routes, auth, templates and error handling.

It takes the collaborators the composition root built (:func:`portal.bootstrap.build_collaborators`)
and refuses to build an app when a required one is missing: the finance API never runs
without its reveal audit or its payment-hold rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from litestar import Litestar, MediaType, Request, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler
from sqlalchemy import text

from portal.bootstrap import Collaborators, require_collaborators
from portal.core import MissingCollaboratorError
from portal.identity.api_clients import TokenVerifier
from portal.observability.metrics import PortalMetrics
from portal.observability.tracing import configure_tracing
from portal.resources import templates_dir
from portal.web.api import FinanceApi
from portal.web.api_docs import api_components, docs_plugins, operation_id
from portal.web.deps import FinanceApiParts, ServicesDep
from portal.web.errors import handlers
from portal.web.feed_api import FeedApi
from portal.web.filters import register as register_filters
from portal.web.headers import security_headers, static_files_router
from portal.web.i18n import add_messages, switch_language, translator
from portal.web.idempotency import idempotency_middleware
from portal.web.observed import ObservedApp, log_unexpected, metrics, readyz
from portal.web.security import PrincipalMiddleware, Resolver, bearer_token


async def refuse_nul(request: Request[Any, Any, Any]) -> None:
    """400 for a NUL character in the path or the query: no text anyone types holds one,
    and PostgreSQL can neither store nor compare it (SQLite would; both answer alike).
    A coroutine: Litestar runs a plain function hook in a worker thread, a hop per request."""
    query: bytes = request.scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query or "\x00" in request.scope.get("path", ""):
        raise ValidationException(
            "the address holds a NUL character (%00), which no field accepts; remove it"
        )


@get("/healthz", sync_to_thread=True, include_in_schema=True, tags=["ops"])
def healthz(services: ServicesDep) -> Response[dict[str, str]]:
    """200 when the database answers, 503 otherwise (the process lives and reaches its
    database; ``/readyz`` checks everything it needs to serve)."""
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not healthy"
        return Response({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return Response({"status": "ok", "database": "ok"})


HOME_MESSAGES = {
    "home.title": {"zh": "供应商主数据门户", "en": "Supplier master-data portal"},
    "home.intro": {
        "zh": "供应商在此维护银行与开票信息；所有变更经采购主管审批后才进入主数据。",
        "en": "Suppliers maintain their bank and invoicing details here; nothing reaches "
        "the master record until purchasing approves it.",
    },
    "home.welcome": {"zh": "您好，{name}。", "en": "Welcome, {name}."},
    "home.portal": {"zh": "进入供应商工作台", "en": "Open the supplier portal"},
    "home.queue": {"zh": "审批队列", "en": "Approval queue"},
    "home.suppliers": {"zh": "供应商列表", "en": "Suppliers"},
    "home.health": {"zh": "主数据健康度", "en": "Data health"},
    "home.invitations": {"zh": "邀请供应商", "en": "Invite suppliers"},
    "home.login": {"zh": "登录", "en": "Log in"},
    "home.api": {"zh": "API 文档", "en": "API documentation"},
    "home.health_check": {"zh": "健康检查", "en": "Health check"},
    "home.outbox": {"zh": "演示发件箱", "en": "Demo outbox"},
}


@get("/", media_type=MediaType.HTML, include_in_schema=False, sync_to_thread=False)
def index(request: Request[Any, Any, Any], services: ServicesDep) -> Template:
    """Landing page: log in, or go to what the role uses."""
    return Template(
        template_name="index.html",
        context={
            "user": request.scope.get("user"),
            "t": translator(request),
            "demo": services.settings.web.demo,
        },
    )


def create_app(
    collaborators: Collaborators,
    *,
    route_handlers: Sequence[ControllerRouterHandler] = (),
    resolvers: Sequence[Resolver] = (),
    middleware: Sequence[Any] = (),
    debug: bool = False,
    state: dict[str, Any] | None = None,
    on_startup: Sequence[Any] = (),
    on_shutdown: Sequence[Any] = (),
    template_dir: Path | None = None,
) -> Litestar:
    """Build the Litestar application around already-built collaborators (fail closed)."""
    require_collaborators(collaborators)
    services = collaborators.services
    add_messages(HOME_MESSAGES)

    observed = PortalMetrics(services.engine, collectors=[collaborators.provider_calls])
    tracing = configure_tracing(services.settings.observability)
    shutdown = [*on_shutdown, *([tracing.shutdown] if tracing is not None else [])]

    def names(ids: Any) -> dict[str, str]:
        from portal.identity.directory import display_names

        with services.engine.connect() as conn:
            return display_names(conn, ids)

    tokens = TokenVerifier(services.engine)
    finance = FinanceApiParts(
        services=services,
        reveal_audit=collaborators.reveal_audit,
        export_audit=collaborators.export_audit,
        payment_holds=collaborators.payment_holds,
        attestation_keys=collaborators.attestation,
    )

    def token_resolver(connection: Any) -> Any:
        token = bearer_token(connection)
        return tokens.principal(token) if token else None

    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            metrics,
            index,
            switch_language,
            FinanceApi,
            FeedApi,
            static_files_router(),
            *route_handlers,
        ],
        dependencies={
            "services": Provide(lambda: services, sync_to_thread=False),
            "reveal_audit": Provide(lambda: collaborators.reveal_audit, sync_to_thread=False),
            "export_audit": Provide(lambda: collaborators.export_audit, sync_to_thread=False),
            "payment_holds": Provide(lambda: collaborators.payment_holds, sync_to_thread=False),
            "attestation_keys": Provide(lambda: collaborators.attestation, sync_to_thread=False),
            "finance": Provide(lambda: finance, sync_to_thread=False),
        },
        middleware=[
            *middleware,
            DefineMiddleware(PrincipalMiddleware, resolvers=[token_resolver, *resolvers]),
            # after authentication: keys per client
            idempotency_middleware(
                services.engine, services.settings.web.max_upload_bytes + 64 * 1024
            ),
        ],
        exception_handlers=handlers(),
        before_request=refuse_nul,
        before_send=[security_headers(hsts=services.settings.web.secure_cookies)],
        # logging is configured once per process (portal.observability.logs), never by the
        # framework; unexpected errors are logged with their traceback under the request id
        logging_config=None,
        after_exception=[log_unexpected],
        template_config=TemplateConfig(
            directory=template_dir or templates_dir(),
            engine=JinjaTemplateEngine,
            # the filters people read names and local times through, registered once
            engine_callback=lambda jinja: register_filters(
                jinja.engine, names, services.settings.web.display_timezone
            ),
        ),
        openapi_config=OpenAPIConfig(
            title="supplier-portal",
            version="1",
            path="/schema",
            # Swagger UI from /static and the JSON document: nothing from a CDN
            render_plugins=docs_plugins(),
            components=api_components(),
            operation_id_creator=operation_id,
            description="Supplier master data: finance API, portal and staff endpoints.",
        ),
        state=State({**(state or {}), "metrics": observed}),
        on_startup=list(on_startup),
        on_shutdown=shutdown,
        debug=debug,
        # Uploads beyond the limit are refused with 413 before they are read whole.
        request_max_body_size=services.settings.web.max_upload_bytes + 64 * 1024,
    )
    # request id, access log, metrics and traces around everything (404s and 500s included)
    app.asgi_handler = ObservedApp(app.asgi_handler, observed, tracing)
    from portal.web.auth.ratelimit import missing_limiters  # the auth package imports the site

    missing = missing_limiters(app)
    if missing:
        raise MissingCollaboratorError(
            f"rate limiter {', '.join(missing)}",
            "its routes would be served without a limit (the auth area builds the limiters)",
        )
    return app
