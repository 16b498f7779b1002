"""The staff preference page in Debian's chromium, reached from the staff menu; zh and en,
desktop and phone. Screenshots: artifacts/notifications/. (The demo's supervisors are not
in the staff directory: the page says to ask an administrator.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo  # noqa: F401

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "notifications"
SIZES = {"desktop": {"width": 1280, "height": 900}, "390px": {"width": 390, "height": 844}}


def test_a_supervisor_reaches_their_notification_page_from_the_menu(
    demo: tuple[str, Path],  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, "--disable-quic"])

        def shots(page: object, path: str, name: str) -> None:
            for lang in ("zh", "en"):
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])  # type: ignore[attr-defined]
                for size, viewport in SIZES.items():
                    page.set_viewport_size(viewport)  # type: ignore[attr-defined]
                    page.goto(f"{base}{path}")  # type: ignore[attr-defined]
                    page.screenshot(  # type: ignore[attr-defined]
                        path=str(ARTIFACTS / f"{name}-{lang}-{size}.png"), full_page=True
                    )

        staff = browser.new_page(viewport=SIZES["desktop"])
        staff.goto(f"{base}/auth/login")
        staff.click("#demo-user-supervisor-a")
        staff.wait_for_load_state()
        staff.click("#nav-my-notifications")
        expect(staff.locator("#not-registered")).to_be_visible()
        shots(staff, "/staff/notifications", "staff-preferences")

        browser.close()
