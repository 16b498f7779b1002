"""Each role's main pages in Debian's chromium, at desktop (1280 px) and phone (390 px)
width, in Chinese and English: nothing overflows the phone's width, the header stays a
header, no page shows an id or a UTC time. Screenshots go to ``artifacts/roles-*.png``
(listed in docs/screenshots.md; CI keeps them).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo, finance

pytestmark = pytest.mark.browser
__all__ = ["demo", "finance"]  # the running demo and its finance API client (fixtures)

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
UTC_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?(\+00:00|Z\b)|\bUTC\b")


def _pages(supplier_id: str) -> dict[str, list[tuple[str, str]]]:
    """role -> (name, path) of the pages its main path goes through."""
    return {
        "clerk": [
            ("suppliers", "/staff/suppliers"),
            ("manage", f"/staff/suppliers/{supplier_id}/manage"),
            ("propose", f"/staff/suppliers/{supplier_id}/propose"),
            ("invitations", "/staff/invitations"),
        ],
        "supervisor-a": [("queue", "/staff/"), ("manage", f"/staff/suppliers/{supplier_id}/manage")],
        "admin": [("users", "/admin/users"), ("tokens", "/admin/tokens"), ("policy", "/admin/policy")],
        "auditor": [("audit", "/staff/audit/")],
        "finance": [("suppliers", "/staff/suppliers")],
        "supplier-1": [
            ("dashboard", "/portal/"),
            ("profile", "/portal/profile"),
            ("bank-form", "/portal/bank-accounts/new"),
        ],
    }  # fmt: skip


def _problems(page: Any, where: str, width: int) -> list[str]:
    """What a person would notice: an id, a UTC time, a header that fills the screen, a page
    wider than the phone."""
    found = []
    text = page.locator("main").inner_text()
    if match := UUID.search(text):
        found.append(f"{where}: id {match.group(0)}")
    if UTC_TIME.search(text):
        found.append(f"{where}: UTC time")
    header = page.locator("header").bounding_box()
    body = page.locator("main").bounding_box()
    if header and header["height"] > 160:
        found.append(f"{where}: header {header['height']:.0f} px tall")
    if body and body["width"] > width + 1:
        found.append(f"{where}: page {body['width']:.0f} px wide")
    return found


def test_every_role_at_desktop_and_phone_width_in_both_languages(
    demo: tuple[str, Path], finance: httpx.Client
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first = finance.get("/api/v1/suppliers/", params={"limit": 50}).json()["items"]
    supplier = next(s for s in first if s["contacts"] and s["bank_accounts"])
    taken: list[str] = []
    problems: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

        def login(page: Any, user: str) -> None:
            page.goto(f"{base}/auth/login")
            page.click(f"#demo-user-{user}")
            page.wait_for_load_state()

        # The supplier user is bound to its supplier by accepting an invitation first.
        page = browser.new_page()
        login(page, "clerk")
        page.goto(f"{base}/staff/invitations")
        page.fill("#invite-uscc", supplier["uscc"])
        page.fill("#invite-email", "supplier1@demo.example")
        page.click("#send-invitation")
        page.click("#logout")
        page.goto(f"{base}/outbox")
        page.locator("a[href*='/invite/']").first.click()
        page.click("#login-to-accept")
        page.click("#demo-user-supplier-1")
        page.wait_for_load_state()
        page.click("#accept-invitation")
        page.wait_for_load_state()
        # ... and proposes a bank change, so the queue and the dashboard have something to show.
        page.goto(f"{base}/portal/profile")
        page.locator("a.change-account").first.click()
        page.fill("input[name=account_number]", "6217000011112222333")
        page.click("#submit-change")
        page.wait_for_load_state()
        page.close()

        for role, pages in _pages(supplier["id"]).items():
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            login(page, role)  # once a role: logins are rate-limited
            for lang in ("zh", "en"):
                context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                for size, (width, height) in WIDTHS.items():
                    page.set_viewport_size({"width": width, "height": height})
                    for name, path in pages:
                        page.goto(base + path)
                        page.wait_for_load_state()
                        shot = ARTIFACTS / f"roles-{role}-{name}-{lang}-{size}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        taken.append(shot.name)
                        problems += _problems(page, f"{role} {path} {lang} {size}", width)
            context.close()
        # A form that does not validate comes back filled in, the message beside the field.
        for role, lang in (("supplier-1", "zh"), ("supervisor-b", "en")):
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            page = context.new_page()
            login(page, role)
            if role == "supplier-1":
                page.goto(f"{base}/portal/bank-accounts/new")
                page.fill("input[name=bank_name]", "招商银行上海分行")
                page.fill("input[name=account_number]", "12AB")
                page.click("#submit-change")
                page.wait_for_load_state()
                expect(page.locator("#error-account_number")).to_be_visible()
                expect(page.locator("input[name=bank_name]")).to_have_value("招商银行上海分行")
                name = "roles-supplier-1-bank-form-error-zh-phone.png"
            else:
                page.goto(f"{base}/staff/suppliers/{supplier['id']}/manage")
                page.click("#block-submit")
                page.wait_for_load_state()
                expect(page.locator("#error-reason")).to_be_visible()
                page.screenshot(path=str(ARTIFACTS / "roles-supervisor-b-block-error-en-phone.png"))
                taken.append("roles-supervisor-b-block-error-en-phone.png")
                page.fill("#reason", "Registry shows the licence revoked; hold until checked")
                page.click("#block-submit")
                page.wait_for_load_state()
                expect(page.locator("#lifecycle")).to_have_text("blocked")
                name = "roles-supervisor-b-blocked-en-phone.png"
            page.screenshot(path=str(ARTIFACTS / name), full_page=True)
            taken.append(name)
            context.close()
        browser.close()

    assert finance.get(f"/api/v1/suppliers/{supplier['uscc']}").json()["payment_hold"] == {
        "on_hold": True, "reason": "supplier.blocked", "until": None,
    }  # fmt: skip
    (ARTIFACTS / "roles-index.txt").write_text("\n".join(taken) + "\n", encoding="utf-8")
    assert not problems, problems
