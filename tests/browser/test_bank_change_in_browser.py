"""The whole story in Debian's chromium: invitation, supplier login, bank change, two
approvals with call-back, finance API on hold, then released after the cooling-off.

Runs ``portal demo`` in a temporary folder on a free port with a cooling-off of a few
seconds (``PORTAL_PAYMENT_COOLING_OFF_SECONDS``). The folder is a copy of the demo this test
process set up once (``demo_template`` in ``tests/conftest.py``); ``portal demo`` on it checks
the migrations, the keys, the seed and the token again and serves. Screenshots of every step
go to ``artifacts/browser/`` (kept by CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
COOLING_OFF_SECONDS = 15
NEW_ACCOUNT = "6217000011112222333"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Iterator[tuple[str, Path]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    port = _free_port()
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    env = {
        **os.environ,
        "PORTAL_PAYMENT_COOLING_OFF_HOURS": "0",
        "PORTAL_PAYMENT_COOLING_OFF_SECONDS": str(COOLING_OFF_SECONDS),
    }
    log = (tmp_path / "demo.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "demo", "--dir", str(folder), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # start-up took over 90 s at load 25-30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "demo.log").read_text())
            time.sleep(0.5)
        yield base, folder
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture
def finance(demo: tuple[str, Path]) -> Iterator[httpx.Client]:
    """The finance API with the demo's token (from <demo dir>/finance-api-token.txt)."""
    base, folder = demo
    token = (folder / "finance-api-token.txt").read_text(encoding="utf-8").strip()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def test_invitation_to_bank_change_to_payment_hold(
    demo: tuple[str, Path], finance: httpx.Client, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first = finance.get("/api/v1/suppliers/", params={"limit": 50}).json()["items"]
    supplier = next(s for s in first if s["contacts"] and s["bank_accounts"])
    uscc = supplier["uscc"]
    before: dict[str, Any] = finance.get(
        f"/api/v1/suppliers/{uscc}", params={"reveal": "true"}
    ).json()
    secrets: list[str] = [finance.headers["Authorization"].removeprefix("Bearer ")]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        step = iter(range(1, 100))

        def shot(name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"{next(step):02d}-{name}.png"), full_page=True)

        def login(user: str) -> None:
            page.goto(f"{base}/auth/login")
            page.click(f"#demo-user-{user}")
            page.wait_for_load_state()

        def logout() -> None:
            page.click("#logout")
            page.wait_for_load_state()

        # The clerk invites the supplier; the link arrives in the demo outbox.
        login("clerk")
        page.goto(f"{base}/staff/invitations")
        page.fill("#invite-uscc", uscc)
        page.fill("#invite-email", "supplier1@demo.example")
        page.click("#send-invitation")
        shot("invitation-sent")
        logout()
        page.goto(f"{base}/outbox")
        link = page.locator("a[href*='/invite/']").first
        secrets.append((link.get_attribute("href") or "").rsplit("/invite/", 1)[-1])
        shot("outbox")
        link.click()
        page.wait_for_load_state()
        shot("invitation")

        # The supplier logs in through the demo provider and accepts.
        page.click("#login-to-accept")
        page.click("#demo-user-supplier-1")
        page.wait_for_load_state()
        page.click("#accept-invitation")
        page.wait_for_load_state()
        shot("supplier-dashboard")

        # A bank change: a new account number for the default account.
        page.goto(f"{base}/portal/profile")
        page.locator("a.change-account").first.click()
        page.fill("input[name=account_number]", NEW_ACCOUNT)
        shot("bank-change-form")
        page.click("#submit-change")
        page.wait_for_load_state()
        assert page.locator("[data-status]").first.get_attribute("data-status") == "pending"
        request_url = re.sub(r".*/portal/changes/", "/staff/changes/", page.url)
        shot("bank-change-submitted")
        assert finance.get(f"/api/v1/suppliers/{uscc}").json()["payment_hold"]["on_hold"]
        logout()

        # Supervisor A: first approval with the call-back to a contact on file.
        login("supervisor-a")
        page.goto(base + request_url)
        page.fill("#call-back-note", "已致电王经理，确认新账户")
        shot("first-approval-call-back")
        page.click("#approve")
        page.wait_for_load_state()
        assert (
            page.locator("[data-status]").first.get_attribute("data-status") == "partially_approved"
        )
        shot("first-approval-done")
        logout()

        # Supervisor B: the second approval applies the change.
        login("supervisor-b")
        page.goto(base + request_url)
        page.click("#approve")
        page.wait_for_load_state()
        applied_by = time.monotonic()  # the cooling-off began before this answer came
        assert page.locator("[data-status]").first.get_attribute("data-status") == "applied"
        shot("second-approval-applied")
        secrets += [c["value"] for c in page.context.cookies() if len(c["value"]) > 8]
        logout()
        browser.close()

    view: dict[str, Any] = finance.get(
        f"/api/v1/suppliers/{uscc}", params={"reveal": "true"}
    ).json()
    assert NEW_ACCOUNT in [a["account_number"] for a in view["bank_accounts"]]
    assert view["payment_hold"]["on_hold"] and view["payment_hold"]["reason"] == (
        "bank_change.cooling_off"
    )
    (ARTIFACTS / "finance-on-hold.json").write_text(str(view["payment_hold"]), encoding="utf-8")
    time.sleep(max(0.0, applied_by + COOLING_OFF_SECONDS + 1 - time.monotonic()))
    released = finance.get(f"/api/v1/suppliers/{uscc}").json()["payment_hold"]
    (ARTIFACTS / "finance-released.json").write_text(str(released), encoding="utf-8")
    assert released == {"on_hold": False, "reason": None, "until": None}

    # The demo's log of the whole run: JSON lines, none with an account, phone or secret.
    logged = [line for line in (tmp_path / "demo.log").read_text().splitlines() if line[:1] == "{"]
    records = [json.loads(line) for line in logged]
    assert all("request_id" in record for record in records)
    routes = {record.get("route") for record in records if record["logger"] == "portal.access"}
    assert "/staff/changes/{request_id}/approve" in routes, routes
    sensitive = [
        NEW_ACCOUNT,
        *(a["account_number"] for a in before["bank_accounts"]),
        *(c["phone"] for c in before["contacts"] if c.get("phone")),
        *(s for s in secrets if s),
    ]
    text = "\n".join(logged)
    assert [value for value in sensitive if value in text] == []
