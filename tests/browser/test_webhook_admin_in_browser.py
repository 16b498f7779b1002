"""The admin's webhook screen in Debian's chromium: add a subscription, see its secret once,
a refused URL explained, choose its ERP mapping; zh and en, desktop and phone. Screenshots:
artifacts/webhooks/."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_bank_change_in_browser import ARGS, CHROMIUM, demo  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "webhooks"
SIZES = {"desktop": {"width": 1280, "height": 900}, "390px": {"width": 390, "height": 844}}


def test_the_admin_subscribes_an_erp_and_sees_the_secret_once(demo: tuple[str, Path]) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, "--disable-quic"])
        page = browser.new_page(viewport=SIZES["desktop"])

        def shots(name: str) -> None:
            for lang in ("zh", "en"):
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                for size, viewport in SIZES.items():
                    page.set_viewport_size(viewport)  # type: ignore[arg-type]
                    page.goto(f"{base}/admin/webhooks")
                    page.screenshot(
                        path=str(ARTIFACTS / f"{name}-{lang}-{size}.png"), full_page=True
                    )
            page.context.add_cookies([{"name": "lang", "value": "zh", "url": base}])
            page.set_viewport_size(SIZES["desktop"])  # type: ignore[arg-type]

        page.goto(f"{base}/auth/login")
        page.click("#demo-user-admin")
        page.wait_for_load_state()
        page.goto(f"{base}/admin/webhooks")
        expect(page.locator("#add-webhook")).to_be_visible()
        page.fill("#add-webhook input[name=name]", "用友 U8")
        page.fill("#add-webhook input[name=url]", "http://erp.example.com/hook")
        page.click("#add-webhook button[type=submit]")
        expect(page.locator("#webhook-error")).to_contain_text("URL 须使用 https")
        page.screenshot(path=str(ARTIFACTS / "01-refused-url-zh-desktop.png"), full_page=True)
        page.fill("#add-webhook input[name=name]", "金蝶云星空")
        page.fill("#add-webhook input[name=url]", "https://erp.example.com/portal-hook")
        page.check("#add-webhook input[value='supplier.changed']")
        page.check("#add-webhook input[value='supplier.created']")
        page.click("#add-webhook button[type=submit]")
        expect(page.locator("#webhook-secret")).to_contain_text("whsec_")
        page.screenshot(path=str(ARTIFACTS / "02-secret-once-zh-desktop.png"), full_page=True)
        page.set_viewport_size(SIZES["390px"])  # type: ignore[arg-type]
        page.screenshot(path=str(ARTIFACTS / "02-secret-once-zh-390px.png"), full_page=True)
        secret = page.inner_text("#webhook-secret")
        page.goto(f"{base}/admin/webhooks")
        expect(page.locator("#subscriptions")).to_contain_text("金蝶云星空")
        assert secret not in page.content()
        shots("03-subscriptions")
        row = page.locator("#subscriptions tr[data-subscription='金蝶云星空']")
        row.locator("select[name=profile]").select_option(label="金蝶云星空 供应商 (BD_Supplier)")
        row.locator("form.profile button[type=submit]").click()
        page.wait_for_load_state()
        expect(row.locator("select[name=profile] option:checked")).to_have_text(
            "金蝶云星空 供应商 (BD_Supplier)"
        )
        shots("04-erp-mapping")
        browser.close()
