"""The API docs open in Debian's chromium with the product's own files only: Swagger UI
renders the document under the page's CSP (no eval, no inline script), no request leaves the
server's origin, and the browser reports no CSP violation. Screenshots go to
``artifacts/api-docs-*.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo

pytestmark = pytest.mark.browser
__all__ = ["demo"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def test_the_api_docs_render_from_the_products_own_files(demo: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    complaints: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for label, (width, height) in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("request", lambda request: requested.append(request.url))

            def complain(message: Any) -> None:
                if message.type == "error":
                    complaints.append(message.text)

            page.on("console", complain)
            page.goto(f"{base}/schema/swagger")
            expect(page.locator(".swagger-ui .information-container .title")).to_contain_text(
                "supplier-portal"
            )
            expect(page.locator("#operations-changes-proposeChange")).to_be_visible()
            expect(page.locator(".swagger-ui .btn.authorize")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / f"api-docs-{label}.png"), full_page=False)
            page.close()
        browser.close()
    outside = [url for url in requested if not url.startswith(base)]
    assert outside == []
    assert [c for c in complaints if "Content Security Policy" in c] == []
