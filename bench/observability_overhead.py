"""What the observability wrapper costs per request, next to the same app without it.

    PYTHONPATH=. .venv/bin/python bench/observability_overhead.py --requests 3000

Builds the app as ``portal serve`` does (``create_app``) on a temporary SQLite database,
then calls it directly over ASGI (no client or server in the way) for ``GET /lang/en``
(a redirect that touches no database) and prints the median time per request of:

- the baseline: the app with ``ObservedApp`` taken off (no request id binding, no
  metrics, no access log line);
- the app as served: request id, Prometheus counter and histogram, one JSON access line
  (logged to an in-memory stream at INFO, formatted as in production).

Also prints what one ``/metrics`` scrape costs (the queue queries included).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from crypto import Algorithm, Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryKeyProvider
from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.observability.logs import configure_logging
from portal.observability.metrics import PortalMetrics
from portal.web.app import create_app
from portal.web.observed import ObservedApp


def _services(folder: Path) -> Services:
    engine = make_engine(f"sqlite:///{folder / 'portal.db'}")
    upgrade(engine)
    keyring = Keyring.initialise(
        SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
    )
    sealer = Sealer(keyring.field_cipher(), keyring.blind_indexer())
    settings = load_settings({"PORTAL_DATA_DIR": str(folder)})
    return Services(
        settings=settings,
        engine=engine,
        keyring=keyring,
        sealer=sealer,
        suppliers=SupplierStore(sealer),
        documents=keyring.document_vault(FilesystemBlobStorage(folder / "documents")),
    )


async def _timed(handler: Any, requests: int) -> list[float]:
    scope_base = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/lang/en",
        "raw_path": b"/lang/en",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    times = []
    for _ in range(requests):
        scope = dict(scope_base)
        started = time.perf_counter()
        await handler(scope, receive, send)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    configure_logging("json", "INFO", role="web", stream=io.StringIO())
    with tempfile.TemporaryDirectory() as folder:
        services = _services(Path(folder))
        app = create_app(build_collaborators(services))
        observed = app.asgi_handler
        assert isinstance(observed, ObservedApp)
        bare = observed.app

        async def run() -> tuple[list[float], list[float]]:
            await _timed(app, 200)  # warm both paths
            app.asgi_handler = bare
            without = await _timed(app, args.requests)
            app.asgi_handler = observed
            with_ = await _timed(app, args.requests)
            return without, with_

        without, with_ = asyncio.run(run())
        metrics: PortalMetrics = app.state["metrics"]
        scrapes = []
        for _ in range(50):
            started = time.perf_counter()
            metrics.exposition()
            scrapes.append(time.perf_counter() - started)
        services.engine.dispose()

    base = statistics.median(without) * 1e6
    served = statistics.median(with_) * 1e6
    print(f"requests per variant: {args.requests} (GET /lang/en over ASGI, median)")
    print(f"  baseline, without ObservedApp:  {base:8.1f} us/request")
    print(
        f"  as served (id, metrics, log):   {served:8.1f} us/request"
        f"  (+{served - base:.1f} us, x{served / base:.2f})"
    )
    scrape = statistics.median(scrapes) * 1e3
    print(f"  one /metrics scrape (SQLite, empty tables): {scrape:.1f} ms")


if __name__ == "__main__":
    main()
