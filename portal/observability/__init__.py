"""Operating the portal: the request id of what is being done, JSON logs, Prometheus
metrics, readiness checks and optional OpenTelemetry traces.

Nothing here imports the web framework; ``portal.web.observed`` wraps the app with it.
Use cases may read :func:`current_request_id` (the audit log and the outbox do).
"""

from portal.observability.context import (
    bind_request_id,
    current_request_id,
    new_request_id,
    sane_request_id,
)
from portal.observability.logs import configure_logging

__all__ = [
    "bind_request_id",
    "configure_logging",
    "current_request_id",
    "new_request_id",
    "sane_request_id",
]
