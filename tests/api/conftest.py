"""A running site for the API tests: uvicorn on loopback, one known supplier.

The licence reader is the scripted one of the OCR tests (``tests/support/licences.py``):
these tests are about the API's shapes, and a real read costs seconds of CPU per call.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import uvicorn
from litestar import Litestar

from portal.bootstrap import Collaborators, Services, build_collaborators
from portal.config import load_settings
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.onboarding.registration import register_suppliers
from portal.web.ocr_area import build_ocr
from portal.web.site import AREAS, Contribution, build_site
from tests.support.licences import FakeReader, reading

CODE = make_uscc(4711)
NAME = "无锡示例传动设备有限公司"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scripted_ocr_area(collaborators: Collaborators) -> Contribution:
    """The OCR area with a reader that answers a known licence at once."""
    return build_ocr(collaborators.services, reader=FakeReader(reading(NAME, CODE)))


def site_app(services: Services) -> Litestar:
    """The whole site as ``portal serve`` builds it, but for the licence reader."""
    env = {
        "PORTAL_DATA_DIR": str(services.settings.data_dir),
        "PORTAL_SECURE_COOKIES": "0",
        "PORTAL_SESSION_SECRET": "s" * 40,
    }
    areas = [
        "tests.api.conftest:scripted_ocr_area" if a == "portal.web.ocr_area:area" else a
        for a in AREAS
    ]
    return build_site(
        build_collaborators(replace(services, settings=load_settings(env))), areas=areas
    )


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
    app = site_app(services)
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
