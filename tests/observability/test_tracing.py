"""Optional OpenTelemetry: one server span per request, sent to a real OTLP/HTTP receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from litestar.testing import TestClient

from portal.bootstrap import Services, build_collaborators
from portal.config import ConfigError, ObservabilitySettings
from portal.observability.tracing import configure_tracing
from portal.web.app import create_app

pytest.importorskip("opentelemetry.sdk", reason="the [otel] extra is not installed")
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    received: list[tuple[str, bytes]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def _spans(received: list[tuple[str, bytes]]) -> list[Any]:
    spans = []
    for path, body in received:
        assert path == "/v1/traces"
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                spans.extend(scope.spans)
    return spans


def test_with_an_endpoint_each_request_is_a_span_named_by_its_route_template(
    services: Services, collector: tuple[str, list[tuple[str, bytes]]]
) -> None:
    endpoint, received = collector
    services.settings = services.settings.model_copy(
        update={"observability": ObservabilitySettings(otel_endpoint=endpoint)}
    )
    app = create_app(build_collaborators(services))
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with TestClient(app=app) as client:
        client.get("/healthz", headers={"traceparent": parent, "x-request-id": "edge-1"})
        client.get("/api/v1/suppliers/91350100M000100Y?token=SeCrEt")
    # leaving the client shuts the app down, which flushes the spans
    spans = {span.name: span for span in _spans(received)}
    assert set(spans) == {"GET /healthz", "GET /api/v1/suppliers/{uscc}"}
    health = spans["GET /healthz"]
    assert health.trace_id.hex() == "0af7651916cd43dd8448eb211c80319c"  # the caller's trace
    attributes = {a.key: a.value for a in health.attributes}
    assert attributes["http.route"].string_value == "/healthz"
    assert attributes["http.response.status_code"].int_value == 200
    assert attributes["portal.request_id"].string_value == "edge-1"
    assert b"SeCrEt" not in b"".join(body for _, body in received)
    assert b"91350100M000100Y" not in b"".join(body for _, body in received)


def test_without_an_endpoint_there_is_no_tracer() -> None:
    assert configure_tracing(ObservabilitySettings()) is None


def test_an_endpoint_without_the_extra_installed_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)
    with pytest.raises(ConfigError, match=r"pip install 'supplier-portal\[otel\]'"):
        configure_tracing(ObservabilitySettings(otel_endpoint="http://127.0.0.1:4318"))
