"""The API documentation pages, served from the product's own files (no CDN).

``/schema`` and ``/schema/swagger`` show Swagger UI (the ``swagger-ui-dist`` files copied
unchanged into ``static/swagger-ui``, see its ``VERSION``), started by
``static/js/api_docs.js``; ``/schema/openapi.json`` is the document an ERP builds its client
from. Nothing on these pages loads from another host, and no inline script runs, so the pages
live under the same Content-Security-Policy as every other page. Inside China and on intranets
public CDNs are blocked or slow, and the docs must still open.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import Method

from portal.web.api_models import ERROR_SCHEMA_NAME, error_schema_components
from portal.web.headers import STATIC_PATH

API_PREFIX = "/api/v1"
BEARER = "bearer"
#: Every ``/api/v1`` operation names the token it needs.
API_SECURITY: list[dict[str, list[str]]] = [{BEARER: []}]
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
#: The error answers every API operation may give, all in the one error shape.
ERROR_STATUSES = {
    "400": "Bad request: a parameter or the body is not valid (also an unknown enum value)",
    "401": "No valid bearer token",
    "403": "The token's role may not do this",
    "404": "Not found",
    "409": "Conflict with the current state",
    "413": "Body too large",
    "422": "The request is understood but refused (validation, idempotency key reused)",
    "429": "Too many requests; retry later",
    "500": "Internal error",
    "503": "A dependency is down; retry later",
}

SWAGGER_JS = f"{STATIC_PATH}/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = f"{STATIC_PATH}/swagger-ui/swagger-ui.css"
STARTER_JS = f"{STATIC_PATH}/js/api_docs.js"


class LocalSwaggerPlugin(OpenAPIRenderPlugin):
    """Swagger UI from ``/static``; the page has no inline script and no external URL."""

    def __init__(self, path: Sequence[str] = ("/", "/swagger")) -> None:
        super().__init__(path=list(path), favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = escape(self.get_openapi_json_route(request))
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title} · API</title>\n"
            f'<link rel="stylesheet" href="{SWAGGER_CSS}">\n'
            "</head>\n<body>\n"
            f'<div id="swagger-ui" data-spec-url="{spec_url}"></div>\n'
            f'<script src="{SWAGGER_JS}"></script>\n'
            f'<script src="{STARTER_JS}"></script>\n'
            "</body>\n</html>\n"
        ).encode()


def docs_plugins() -> list[OpenAPIRenderPlugin]:
    """The schema endpoints: the document as JSON and the local Swagger UI."""
    return [LocalSwaggerPlugin(), FinishedJsonPlugin()]


def api_components() -> Components:
    """The bearer token scheme (an API client's token, ``portal api-clients create``)."""
    return Components(
        security_schemes={
            BEARER: SecurityScheme(
                type="http",
                scheme="bearer",
                description="An API client's token: `Authorization: Bearer <token>`.",
            )
        }
    )


def operation_id(handler: Any, method: Method, components: list[Any]) -> str:
    """``operationId``: the handler's own when it names one; else, under ``/api/v1``, the
    handler name and the path's resources in lowerCamelCase (``showSuppliersVerification``);
    else Litestar's default."""
    from litestar._openapi.utils import default_operation_id_creator

    words = [c for c in components if isinstance(c, str)]
    if words[:2] != ["api", "v1"]:
        return default_operation_id_creator(handler, method, components)
    parts = [p for p in str(handler.handler_name).split("_") if p]
    for word in words[2:]:
        for part in word.replace("-", "_").replace(".", "_").split("_"):
            if part and part.lower() not in (p.lower() for p in parts):
                parts.append(part)
    head, *rest = parts
    return head.lower() + "".join(p.capitalize() for p in rest)


#: The POST each webhook subscription receives (``docs/erp-feed.md``): one event, signed.
WEBHOOK_HEADERS = {
    "X-Portal-Event-Id": "the event's id: de-duplicate on it (delivery is at least once)",
    "X-Portal-Event-Seq": "the event's seq",
    "X-Portal-Timestamp": "Unix seconds of this attempt (refuse old ones: replay)",
    "X-Portal-Signature": "v1= and the hex HMAC of '<timestamp>.<raw body>' with the secret",
    "X-Portal-Signature-Algorithm": "hmac-sha256, or hmac-sm3 under the SM4 profile",
    "X-Portal-Profile": "the ERP profile that shaped the body, when the subscription names one",
}
WEBHOOK_EVENT = "supplierEvent"


def webhooks() -> dict[str, Any]:
    """The ``webhooks`` object (OpenAPI 3.1): what a subscribed URL receives."""
    parameters = [
        {
            "name": name,
            "in": "header",
            "required": name != "X-Portal-Profile",
            "description": description,
            "schema": {"type": "string"},
        }
        for name, description in WEBHOOK_HEADERS.items()
    ]
    return {
        WEBHOOK_EVENT: {
            "post": {
                "operationId": "receiveSupplierEvent",
                "summary": "One applied change of a supplier, in seq order per supplier",
                "description": (
                    "Answer 2xx once stored; anything else is retried with backoff. With an "
                    "ERP profile the body is the profile's mapping of this event instead."
                ),
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/FeedEvent"}}
                    },
                },
                "responses": {"200": {"description": "stored (any 2xx)"}},
            }
        }
    }


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """The served document: every ``/api/v1`` operation declares the bearer token and
    answers its errors in the one error shape (:class:`~portal.web.api_models.ErrorBody`).

    Litestar documents its own validation body for 400; the app answers every error as
    ``{"error": {...}}`` (``portal/web/errors.py``), so that is what the document says.
    """
    done = copy.deepcopy(document)
    components = done.setdefault("components", {})
    components.setdefault("schemas", {}).update(error_schema_components())
    done["webhooks"] = webhooks()
    for path, item in done.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation.setdefault("security", API_SECURITY)
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    return done


class FinishedJsonPlugin(JsonRenderPlugin):
    """``/schema/openapi.json``, finished by :func:`finish_document`."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return super().render(request, finish_document(openapi_schema))
