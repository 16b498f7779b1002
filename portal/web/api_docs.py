"""The API documentation pages, served from the product's own files (no CDN).

``/schema`` and ``/schema/swagger`` show Swagger UI (the ``swagger-ui-dist`` files copied
unchanged into ``static/swagger-ui``, see its ``VERSION``), started by
``static/js/api_docs.js``; ``/schema/openapi.json`` is the document an ERP builds its client
from. Nothing on these pages loads from another host, and no inline script runs, so the pages
live under the same Content-Security-Policy as every other page. Inside China and on intranets
public CDNs are blocked or slow, and the docs must still open.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin

from portal.web.headers import STATIC_PATH

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
    return [LocalSwaggerPlugin(), JsonRenderPlugin()]
