"""Optional OpenTelemetry traces: off unless ``PORTAL_OTEL_ENDPOINT`` names an OTLP/HTTP
collector, and then only with the ``[otel]`` extra installed
(``pip install 'supplier-portal[otel]'``); the product never needs it.

The web layer opens one server span per request, named ``METHOD route-template`` with
``http.route`` and ``http.response.status_code`` and the request id; it continues a trace
whose ``traceparent`` header the caller sent. The raw path and query are not recorded
(an invitation link's token is in its path).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.config import ConfigError, ObservabilitySettings

__all__ = ["Tracing", "configure_tracing"]


@dataclass
class Tracing:
    """The tracer of the web layer and the provider that exports its spans."""

    tracer: Any
    provider: Any

    def shutdown(self) -> None:
        """Send what is buffered and stop the exporter (at process exit)."""
        self.provider.shutdown()


def configure_tracing(settings: ObservabilitySettings) -> Tracing | None:
    """A tracer exporting to ``PORTAL_OTEL_ENDPOINT`` (None when it is not set).

    Raises :class:`ConfigError` when the endpoint is set but the ``[otel]`` extra is not
    installed: a setting that silently does nothing would be worse.
    """
    endpoint = settings.otel_endpoint
    if not endpoint:
        return None
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise ConfigError(
            "PORTAL_OTEL_ENDPOINT is set but OpenTelemetry is not installed: "
            "pip install 'supplier-portal[otel]'"
        ) from exc
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name})
    )
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces", timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    return Tracing(provider.get_tracer("portal.web"), provider)


def extract_context(headers: dict[str, str]) -> Any:
    """The remote parent of a request (its ``traceparent``), for the server span."""
    from opentelemetry.propagate import extract

    return extract(headers)
