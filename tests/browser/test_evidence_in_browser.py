"""The evidence pages in Debian's chromium, as a supervisor sees them: a licence change
whose licence is another company's (flagged in red beside the image), a bank change whose
call-back number is revealed for the call, and the supplier 360 page, each in Chinese and
English at desktop (1280 px) and phone (390 px) width; the licence image zooms in place;
the supplier's own page at phone width.

Runs ``portal demo`` like ``test_bank_change_in_browser`` (its fixture), with the real
licence reader. Screenshots go to ``artifacts/evidence-*.png`` (and ``issue13-*.png``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo, finance
from tests.browser.test_licence_prefill import draw_company_licence

pytestmark = pytest.mark.browser

__all__ = ["demo", "finance"]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts"
NEW_ACCOUNT = "6217000011114444555"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def test_a_supervisor_decides_on_evidence(
    demo: tuple[str, Path], finance: httpx.Client, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from portal.demo.seed import load_companies

    base, _ = demo
    SHOTS.mkdir(parents=True, exist_ok=True)
    companies = load_companies()
    own, other = companies[0], companies[1]
    licence = tmp_path / "other-licence.png"
    draw_company_licence(licence, other)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def login(user: str) -> None:
            page.goto(f"{base}/auth/login")
            page.click(f"#demo-user-{user}")
            page.wait_for_load_state()

        def logout() -> None:
            page.click("#logout")
            page.wait_for_load_state()

        def shots(name: str, url: str) -> None:
            """The page in both languages at both widths."""
            for lang in ("zh", "en"):
                page.goto(f"{base}/lang/{lang}")
                for size, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    page.goto(url)
                    page.wait_for_load_state()
                    path = SHOTS / f"evidence-{name}-{lang}-{size}.png"
                    page.screenshot(path=str(path), full_page=True)
                    shutil.copyfile(path, SHOTS / f"issue13-{name}-{lang}-{size}.png")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{base}/lang/zh")
            page.goto(url)

        # The company's user joins (as in the bank-change test).
        login("clerk")
        page.goto(f"{base}/staff/invitations")
        page.fill("#invite-uscc", own["uscc"])
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

        # A bank change ...
        page.goto(f"{base}/portal/profile")
        page.locator("a.change-account").first.click()
        page.fill("input[name=account_number]", NEW_ACCOUNT)
        page.click("#submit-change")
        page.wait_for_load_state()
        bank_url = re.sub(r".*/portal/changes/", f"{base}/staff/changes/", page.url)

        # ... and a licence change on another company's licence.
        page.goto(f"{base}/portal/licence")
        page.set_input_files("#licence-file", str(licence))
        page.click("#upload-licence")
        page.wait_for_load_state()
        page.wait_for_selector("#licence-form", timeout=240_000)
        assert page.get_attribute("#uscc-check", "data-match") == "no"
        page.click("#submit-licence")
        page.wait_for_load_state()
        licence_url = re.sub(r".*/portal/changes/", f"{base}/staff/changes/", page.url)
        assert page.locator("#other-company-flag").count() == 0  # staff wording stays staff's
        shots("supplier-page", f"{base}/portal/profile")  # what the supplier sees, on a phone
        logout()

        login("supervisor-a")
        page.goto(licence_url)
        flag = page.locator("#other-company-flag")
        expect(flag).to_be_visible()
        assert other["uscc"] in flag.inner_text() and own["uscc"] in flag.inner_text()
        expect(page.locator("#licence-image")).to_be_visible()
        assert page.locator("#comparison tr[data-mark='mismatch']").count() >= 2
        # the licence zooms in place: a click fills the window, another doubles it, Esc returns
        page.click("#licence-link")
        expect(page.locator("#licence-zoom")).to_have_attribute("data-zoom", "fit")
        expect(page.locator("#licence-zoom")).to_have_class(re.compile("zoomed"))
        page.screenshot(path=str(SHOTS / "issue13-licence-zoomed-zh-desktop.png"))
        page.click("#licence-link")
        expect(page.locator("#licence-zoom")).to_have_attribute("data-zoom", "double")
        page.keyboard.press("Escape")
        expect(page.locator("#licence-zoom")).to_have_attribute("data-zoom", "")
        assert page.url == licence_url  # zoomed in place, not navigated away
        shots("licence-other-company", licence_url)

        page.goto(bank_url)
        masked = page.locator("#call-back-numbers li").first
        assert "****" in masked.inner_text()
        shots("bank-change", bank_url)
        page.locator("#call-back-numbers button.reveal").first.click()
        page.wait_for_load_state()
        revealed = page.locator("#call-back-numbers .revealed").first
        expect(revealed).to_be_visible()
        assert re.fullmatch(r"1\d{10}", revealed.inner_text().strip())
        page.screenshot(
            path=str(SHOTS / "evidence-bank-change-revealed-zh-desktop.png"), full_page=True
        )

        supplier_url = base + (page.get_attribute("#link-supplier", "href") or "")
        page.goto(supplier_url)
        expect(page.locator("#invoicing")).to_be_visible()
        expect(page.locator("#open-requests")).to_be_visible()
        shots("supplier-360", supplier_url)
        browser.close()
