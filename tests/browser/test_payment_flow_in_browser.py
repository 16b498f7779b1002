"""Payment safety in Debian's chromium: a new account proposed, approved by two
supervisors, the verification service down (unknown, nothing failed), proven by a small
amount the supplier types, cooling off, active; then finance checks a payment file.

Screenshots (zh and en, desktop 1280 and phone 390 px) go to ``artifacts/payments-*.png``.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_bank_change_in_browser import (  # noqa: F401 (fixtures)
    ARGS,
    CHROMIUM,
    COOLING_OFF_SECONDS,
    demo,
    finance,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
#: ends in 9999: the demo verification service answers "unknown" (an outage)
NEW_ACCOUNT = "6217000011119999"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def test_new_account_proven_by_small_amount_then_active_and_checked(
    demo: tuple[str, Path],  # noqa: F811
    finance: httpx.Client,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    items = finance.get("/api/v1/suppliers/", params={"limit": 50, "reveal": "true"}).json()
    suppliers = [s for s in items["items"] if s["contacts"] and s["bank_accounts"]]
    supplier, other = suppliers[0], suppliers[1]
    old_account = supplier["bank_accounts"][0]["account_number"]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def shot(name: str, *, both: bool = False, revisit: str | None = None) -> None:
            """zh desktop of what is shown; with ``both``, zh and en at both sizes of
            ``revisit`` (a page to GET again: a POST's answer cannot be reloaded)."""
            page.screenshot(path=str(ARTIFACTS / f"payments-{name}-zh-desktop.png"),
                            full_page=True)  # fmt: skip
            if not both:
                return
            here = f"{base}{revisit}" if revisit else page.url
            for lang in ("zh", "en"):
                page.goto(f"{base}/lang/{lang}")
                page.goto(here)
                for size, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    page.screenshot(path=str(ARTIFACTS / f"payments-{name}-{lang}-{size}.png"),
                                    full_page=True)  # fmt: skip
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/lang/zh")
            page.goto(here)

        def login(user: str) -> None:
            page.goto(f"{base}/auth/login")
            page.click(f"#demo-user-{user}")
            page.wait_for_load_state()

        def logout() -> None:
            page.click("#logout")
            page.wait_for_load_state()

        # The admin adopts the accounts on file (the demo seed predates versions).
        login("admin")
        page.goto(f"{base}/staff/payments/")
        page.click("#adopt-accounts")
        expect(page.locator("#adopted")).to_be_visible()
        logout()

        # The clerk invites the supplier; supplier-1 accepts and proposes a new account.
        login("clerk")
        page.goto(f"{base}/staff/invitations")
        page.fill("#invite-uscc", supplier["uscc"])
        page.fill("#invite-email", "supplier1@demo.example")
        page.click("#send-invitation")
        logout()
        page.goto(f"{base}/outbox")
        page.locator("a[href*='/invite/']").first.click()
        page.wait_for_load_state()
        page.click("#login-to-accept")
        page.click("#demo-user-supplier-1")
        page.wait_for_load_state()
        page.click("#accept-invitation")
        page.wait_for_load_state()
        page.goto(f"{base}/portal/profile")
        page.locator("a.change-account").first.click()
        page.fill("input[name=account_number]", NEW_ACCOUNT)
        page.click("#submit-change")
        page.wait_for_load_state()
        request_url = re.sub(r".*/portal/changes/", "/staff/changes/", page.url)
        shot("1-proposed")
        logout()

        # Two supervisors approve (the first with the call-back).
        login("supervisor-a")
        page.goto(base + request_url)
        page.fill("#call-back-note", "已致电王经理，确认新账户")
        page.click("#approve")
        page.wait_for_load_state()
        logout()
        login("supervisor-b")
        page.goto(base + request_url)
        page.click("#approve")
        page.wait_for_load_state()
        page.goto(f"{base}/staff/payments/")
        row = page.locator("tr[data-state='approved']").first
        expect(row).to_be_visible()
        shot("2-approved-unverified", both=True)

        # The verification service is down: unknown, nothing failed, still unverified.
        row.locator("button.verify-service").click()
        page.wait_for_load_state()
        expect(page.locator("#ownership-answer[data-outcome='unknown']")).to_be_visible()
        expect(page.locator("tr[data-state='approved']").first).to_be_visible()
        shot("3-service-unknown", both=True, revisit="/staff/payments/")
        logout()

        # Finance sends a small amount; the supplier types it in.
        login("finance")
        page.goto(f"{base}/staff/payments/")
        page.locator("tr[data-state='approved'] button.send-small-amount").first.click()
        page.wait_for_load_state()
        sent = page.locator("#small-amount-sent")
        expect(sent).to_be_visible()
        match = re.search(r"打款 ([0-9.]+) 元", sent.inner_text())
        assert match
        shot("4-small-amount-sent")
        logout()
        login("supplier-1")
        page.goto(f"{base}/portal/accounts/")
        shot("5-small-amount-form", both=True)
        page.fill("input.small-amount-input", match.group(1))
        shot("5-supplier-types-amount")
        page.click("button.confirm-small-amount")
        page.wait_for_load_state()
        proven_by = time.monotonic()  # the cooling-off began before this answer came
        expect(page.locator("#small-amount-answer[data-right='yes']")).to_be_visible()
        expect(page.locator("tr[data-state='cooling_off']").first).to_be_visible()
        shot("6-proven-cooling-off", both=True, revisit="/portal/accounts/")

        # Cooling-off ends: the version is active (waiting only for what is left of it).
        time.sleep(max(0.0, proven_by + COOLING_OFF_SECONDS + 1 - time.monotonic()))
        page.goto(f"{base}/portal/accounts/")
        expect(page.locator("tr[data-state='active']").first).to_be_visible()
        shot("7-active", both=True)
        logout()

        # Finance checks a payment file: the new account passes, the old one is retired,
        # another supplier's account and an unknown payee are held.
        run = tmp_path / "付款批次.csv"
        with run.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["收款方", "统一社会信用代码", "开户行", "账号", "金额"])
            writer.writerow(
                [supplier["name"], supplier["uscc"], "工商银行", NEW_ACCOUNT, "12800.00"]
            )
            writer.writerow([supplier["name"], supplier["uscc"], "工商银行", old_account, "500.00"])
            other_account = other["bank_accounts"][0]["account_number"]
            writer.writerow([supplier["name"], supplier["uscc"], "招商银行", other_account, "9.90"])
            writer.writerow(
                ["不存在的公司", "91440300MA5DXXXX1X", "招商银行", "6222000011112222", "1.00"]
            )
        login("finance")
        for lang in ("zh", "en"):
            page.goto(f"{base}/lang/{lang}")
            page.goto(f"{base}/staff/payments/")
            page.set_input_files("#payment-file", str(run))
            page.click("#run-check")
            page.wait_for_load_state()
            result = page.locator("#check-result")
            expect(result).to_have_attribute("data-pass", "1")
            expect(result).to_have_attribute("data-hold", "2")
            expect(result).to_have_attribute("data-unknown", "1")
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                page.screenshot(path=str(ARTIFACTS / f"payments-8-payment-check-{lang}-{size}.png"),
                                full_page=True)  # fmt: skip
            page.set_viewport_size({"width": 1280, "height": 900})
        browser.close()

    view: dict[str, Any] = finance.get(f"/api/v1/suppliers/{supplier['uscc']}").json()
    states = sorted(a["version_state"] for a in view["bank_accounts"])
    assert "active" in states
