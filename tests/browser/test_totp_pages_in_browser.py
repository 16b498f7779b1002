"""The TOTP pages in Debian's chromium, zh and en, desktop and 390 px: set up an authenticator
app as supervisor C (whose provider gives no second factor), then step up with a code, one
wrong code first. Screenshots go to ``artifacts/totp/``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from .test_bank_change_in_browser import ARGS, CHROMIUM, demo  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "totp"
SIZES = {"desktop": {"width": 1280, "height": 900}, "390px": {"width": 390, "height": 844}}


def test_enrolment_and_step_up_pages(demo: tuple[str, Path]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport=SIZES["desktop"])

        def shots(name: str) -> None:
            for lang in ("zh", "en"):
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                for size, viewport in SIZES.items():
                    page.set_viewport_size(viewport)  # type: ignore[arg-type]
                    page.reload()
                    path = ARTIFACTS / f"{name}-{lang}-{size}.png"
                    page.screenshot(path=str(path), full_page=True)
            page.context.add_cookies([{"name": "lang", "value": "zh", "url": base}])
            page.set_viewport_size(SIZES["desktop"])  # type: ignore[arg-type]

        page.goto(f"{base}/auth/login")
        page.click("#demo-user-supervisor-c")
        page.wait_for_load_state()
        page.goto(f"{base}/auth/totp?next=/staff/")
        assert page.locator("#totp-qr svg").count() == 1
        shots("01-enrol")
        secret = re.sub(r"\s", "", page.inner_text("#totp-secret"))
        app = pyotp.TOTP(secret)
        page.fill("#totp-code", "000000" if app.now() != "000000" else "111111")
        page.click("#totp-confirm")
        page.wait_for_load_state()
        assert page.locator("#code-error").count() == 1, page.content()[:1500]
        page.screenshot(path=str(ARTIFACTS / "02-enrol-wrong-code-zh-desktop.png"), full_page=True)
        confirmed_with = app.now()
        page.fill("#totp-code", confirmed_with)
        page.click("#totp-confirm")
        page.wait_for_load_state()
        page.goto(f"{base}/auth/step-up?next=/staff/")
        shots("03-step-up")
        # the code already used to confirm (not app.now(): under load a new 30 s window may
        # have begun, and its fresh code would rightly be accepted): refused
        page.fill("#step-up-code", confirmed_with)
        page.click("#step-up-submit")
        page.wait_for_load_state()
        assert page.locator("#code-error").count() == 1
        page.set_viewport_size(SIZES["390px"])  # type: ignore[arg-type]
        page.screenshot(path=str(ARTIFACTS / "04-step-up-reused-zh-390px.png"), full_page=True)
        page.fill("#step-up-code", app.at(datetime.now(UTC) + timedelta(seconds=30)))
        page.click("#step-up-submit")
        page.wait_for_load_state()
        assert page.url.endswith("/staff/"), page.url
        browser.close()
