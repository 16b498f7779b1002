"""``portal serve`` keeps an idle keep-alive connection open longer than client pools idle.

With uvicorn's default (5 s), a client that reused a connection after 5 idle seconds had
it closed under the request: the load test's ``ConnectionResetError`` with no answer.
"""

from __future__ import annotations

import http.client
import time
from pathlib import Path

from tests.deploy.conftest import (
    SESSION_SECRET,
    free_port,
    portal_command,
    run_portal,
    source_env,
    start,
    stop,
    wait_for_http,
)

#: longer than uvicorn's default keep-alive (5 s), shorter than ours (75 s)
IDLE_SECONDS = 7


def test_a_connection_left_idle_longer_than_uvicorns_default_still_answers(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = source_env(
        {
            "PORTAL_DATA_DIR": str(tmp_path / "data"),
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
            "PORTAL_KEK_FILE": str(tmp_path / "keys" / "kek.key"),
            "PORTAL_SESSION_SECRET": SESSION_SECRET,
            "PORTAL_PORT": str(port),
        }
    )
    for args in (["db", "upgrade"], ["keys", "init"]):
        done = run_portal(args, env)
        assert done.returncode == 0, done.stdout + done.stderr
    server = start([*portal_command(), "serve"], env=env, cwd=tmp_path)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/healthz")
        first = connection.getresponse()
        first.read()
        socket_before = connection.sock

        time.sleep(IDLE_SECONDS)  # a pooled connection waiting for the user's next request
        connection.request("GET", "/healthz")
        second = connection.getresponse()
        second.read()

        assert (first.status, second.status) == (200, 200)
        assert connection.sock is socket_before  # the same connection, not a new one
        connection.close()
    finally:
        stop(server)
