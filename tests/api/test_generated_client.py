"""An ERP builds its client from the document alone: openapi-python-client generates one into
a temporary directory, and that client proposes a change request to a running server and
follows it.

openapi-python-client pins ``httpx<0.29`` while the product uses 0.29, so it is not installed
into the project's environment: the test uses the generator found on ``PATH`` (or named by
``OPENAPI_PYTHON_CLIENT``), e.g. from its own tool venv, and is skipped without it.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from portal.web.site import build_site

CODE = make_uscc(4711)
NAME = "无锡示例传动设备有限公司"
GENERATOR = os.environ.get("OPENAPI_PYTHON_CLIENT") or shutil.which("openapi-python-client")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    """The site served by uvicorn on loopback, in a thread of this process."""
    supplier = Supplier(
        uscc=CODE,
        name=NAME,
        bank_accounts=(
            BankAccount(
                bank_name="中国银行无锡分行", account_number="6217000033334444", holder_name=NAME
            ),
        ),
        contacts=(Contact(name="吴经理", phone="13912345679"),),
    )
    register_suppliers(
        services.engine, services.suppliers, [(0, supplier, [])], now=datetime.now(UTC)
    )
    env = {
        "PORTAL_DATA_DIR": str(services.settings.data_dir),
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_SESSION_SECRET": "s" * 40,
    }
    app = build_site(build_collaborators(replace(services, settings=load_settings(env))))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


def _generate(base_url: str, into: Path) -> Any:
    import httpx

    document = httpx.get(f"{base_url}/schema/openapi.json").json()
    # the ERP's client: the API's paths (the portal's pages are not for machines)
    document["paths"] = {p: v for p, v in document["paths"].items() if p.startswith("/api/v1")}
    spec = into / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    assert GENERATOR is not None
    done = subprocess.run(
        [GENERATOR, "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(into / "erp_client")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module("erp_client")
    finally:
        sys.path.remove(str(into))


@pytest.mark.skipif(GENERATOR is None, reason="openapi-python-client is not on PATH")
def test_a_generated_client_proposes_a_change_and_follows_it(
    server: str, services: Services, tmp_path: Path
) -> None:
    client_package = _generate(server, tmp_path)
    changes = importlib.import_module("erp_client.api.changes")
    propose = importlib.import_module(f"{changes.__name__}.propose_change")
    follow = importlib.import_module(f"{changes.__name__}.get_change")
    search = importlib.import_module("erp_client.api.finance.search_suppliers")
    models = importlib.import_module("erp_client.models")
    token = create_client(
        services.engine, "erp-generated", Role.PURCHASING_CLERK, can_reveal=False,
        now=datetime.now(UTC),
    )  # fmt: skip
    client = client_package.AuthenticatedClient(base_url=server, token=token)

    body = models.ChangeRequestIn(
        supplier_uscc=CODE,
        proposals=[
            models.ProposalIn(
                entity="contact",
                entity_id=None,
                values=models.ProposalInValues.from_dict({"name": "新联系人", "phone": "13800001111"}),
            )
        ],
    )  # fmt: skip
    created = propose.sync_detailed(client=client, body=body)
    assert created.status_code == 201, created.content
    change = created.parsed
    assert isinstance(change, models.ChangeRequestView)
    assert change.status == "pending" and change.channel == "api"
    assert [c.field for c in change.changes] == ["name", "phone"]
    assert [c.sensitive for c in change.changes] == [False, True]

    followed = follow.sync(client=client, request_id=change.id)
    assert isinstance(followed, models.ChangeRequestView)
    assert (followed.id, followed.status) == (change.id, "pending")

    # a refusal comes back as the documented error model, not as an untyped blob
    refused = follow.sync_detailed(client=client, request_id="no-such-request")
    assert refused.status_code == 404
    assert isinstance(refused.parsed, models.ErrorBody)
    assert refused.parsed.error.message_zh

    # the clerk's role may read suppliers too: the typed page of the finance API
    page = search.sync(client=client, q="无锡示例")
    assert isinstance(page, models.SupplierPage)
    assert [s.uscc for s in page.items] == [CODE]
