"""Screenshots of a foreign supplier in Debian's chromium: the invitation form with the foreign
tax number (and a malformed one refused), and the supplier 360 page with what VIES answered,
in Chinese and English at desktop (1280 px) and phone (390 px) width.

The site is the web_portal test site served in-process (uvicorn on loopback), people acting
through the ``x-test-user`` header; VIES answers from the recorded cassette. Screenshots go
to ``artifacts/foreign-*.png``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from portal.db.supplier_store import SUPPLIER
from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, _free_port
from tests.support.vies import verify_with_vies

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "artifacts"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture
def served(site: Any) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    if site.services.engine.dialect.name != "sqlite":
        pytest.skip("the screenshots are taken once (on SQLite)")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the site did not start"
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def test_screenshots_of_a_foreign_supplier(site: Any, served: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def act_as(who: str) -> None:
            page.set_extra_http_headers({"x-test-user": who})

        def fill_invitation(number: str, name: str) -> None:
            page.goto(f"{served}/staff/invitations")
            page.click("#invite-foreign summary")
            page.fill("#invite-foreign-tax-id", number)
            page.fill("#invite-name", name)
            page.fill("#invite-email", "achats@exemple-fictif.example")

        def shots(name: str, show: Any) -> None:
            for lang in ("zh", "en"):
                page.goto(f"{served}/lang/{lang}")
                for size, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    show()
                    page.wait_for_load_state()
                    width_used = page.evaluate("document.documentElement.scrollWidth")
                    assert width_used <= width + 1, f"{name} {lang} {size}: {width_used} px"
                    page.screenshot(
                        path=str(SHOTS / f"foreign-{name}-{lang}-{size}.png"), full_page=True
                    )
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{served}/lang/zh")

        act_as("clerk")
        shots(
            "invitation-form", lambda: fill_invitation("FR 40 303 265 045", "Sarl Exemple Fictif")
        )

        def refused() -> None:
            fill_invitation("DE136695975", "Beispiel GmbH")
            page.click("#send-invitation")
            assert page.locator("#invitation-error").inner_text().startswith("DE136695975")

        shots("invitation-refused", refused)

        fill_invitation("FR 40 303 265 045", "Sarl Exemple Fictif")
        page.click("#send-invitation")
        page.wait_for_selector("#invitation-sent")
        with site.services.engine.connect() as conn:
            sid = conn.execute(
                select(SUPPLIER.c.id).where(SUPPLIER.c.foreign_tax_id == "eu_vat:FR40303265045")
            ).scalar_one()
        with ThreadPoolExecutor(1) as pool:  # playwright's own loop runs in this thread
            done = pool.submit(asyncio.run, verify_with_vies(site.services, sid)).result()
        assert done.validated

        act_as("alice")

        def supplier_page() -> None:
            page.goto(f"{served}/staff/suppliers/{sid}")
            assert page.locator("#vies-name").inner_text() == "SARL EXEMPLE FICTIF"

        shots("supplier-360", supplier_page)
        shots("verification", lambda: page.goto(f"{served}/staff/suppliers/{sid}/verification"))
        browser.close()
    assert httpx.get(f"{served}/healthz", timeout=5).status_code == 200
