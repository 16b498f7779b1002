"""The web process sends the outbox by itself: a robot webhook receives the message."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from litestar.testing import TestClient

from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.notifications.outbox import enqueue
from portal.web.site import build_site


def with_settings(services: Services, env: dict[str, str]) -> Services:
    """The same services under settings with ``env`` added."""
    data_dir = {"PORTAL_DATA_DIR": str(services.settings.data_dir)}
    return replace(services, settings=load_settings({**data_dir, **env}))


@pytest.fixture
def robot() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", received
    server.shutdown()
    server.server_close()


def test_queued_notice_reaches_the_wecom_robot(
    services: Services, robot: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = robot
    services = with_settings(
        services, {"PORTAL_WEBHOOK_URL": url, "PORTAL_OUTBOX_INTERVAL_SECONDS": "0.1"}
    )
    with services.engine.begin() as conn:
        enqueue(
            conn,
            "webhook",
            "采购群",
            "新的银行账户变更待审批",
            "供应商 示例科技 提交了银行账户变更",
        )
    app = build_site(build_collaborators(services), areas=("portal.web.outbox_area:area",))
    with TestClient(app=app):
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            time.sleep(0.05)
    assert received, "the robot got nothing"
    assert received[0]["msgtype"] == "markdown"
    assert "新的银行账户变更待审批" in json.dumps(received[0], ensure_ascii=False)


def test_without_a_channel_nothing_runs(services: Services) -> None:
    from portal.web.outbox_area import area

    assert area(build_collaborators(services)).on_startup == []
