"""Staff tables on a phone, in Debian's chromium over ``portal demo``: at 390 px every list
table (queue, suppliers, a change's comparison, payment safety, audit, administration...)
is one card a row with each value under its column's name, and nothing on the page, nor
inside any table's box, scrolls sideways. At 1280 px they stay tables with their headers.

Screenshots (zh and en, desktop 1280 and phone 390 px): ``artifacts/tables-*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.steps import ARTIFACTS, SIZES, UUID, DemoSteps
from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo, finance

pytestmark = pytest.mark.browser
__all__ = ["demo", "finance"]  # the running demo and its finance API client (fixtures)

# Boxes wider than the screen: the page itself, or anything that scrolls inside it.
OVERFLOW = """() => {
  const wide = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) wide.push(`page ${page.scrollWidth}px`);
  for (const el of document.querySelectorAll('main table, main .scroll, main .table-wrap')) {
    if (el.scrollWidth > el.clientWidth + 1) {
      wide.push(`${el.tagName.toLowerCase()}#${el.id || el.className} ${el.scrollWidth}px`);
    }
  }
  return wide;
}"""
# Every cell of a stacked table whose column has a name shows it (the header row is hidden
# on a phone; a column of buttons has none).
UNLABELLED = """() => [...document.querySelectorAll('table.stack')].flatMap(t => {
  const head = [...(t.querySelector('tr:has(> th)')?.children ?? [])].map(th => th.innerText.trim());
  return [...t.querySelectorAll('tr:has(> td)')].flatMap(tr => [...tr.children]
    .filter((td, i) => head[i] && tr.children.length > 1 && td.innerText.trim() && !td.dataset.label)
    .map(td => `${t.id}: ${td.innerText.trim().slice(0, 30)}`));
})"""


def _pages(supplier_id: str, request_id: str) -> dict[str, str]:
    return {
        "queue": "/staff/",
        "suppliers": "/staff/suppliers",
        "supplier": f"/staff/suppliers/{supplier_id}",
        "verification": f"/staff/suppliers/{supplier_id}/verification",
        "change": f"/staff/changes/{request_id}",
        "payments": "/staff/payments/",
        "audit": "/staff/audit/",
        "invitations": "/staff/invitations",
        "duplicates": "/staff/duplicates",
        "import": "/staff/import",
        "users": "/admin/users",
        "tokens": "/admin/tokens",
        "policy": "/admin/policy",
        "sessions": "/admin/sessions",
        "notifications": "/admin/notifications",
        "webhooks": "/admin/webhooks",
    }


def _look(page: Any, name: str, lang: str, size: str) -> list[str]:
    where = f"{name} {lang} {size}"
    page.screenshot(path=str(ARTIFACTS / f"tables-{name}-{lang}-{size}.png"), full_page=True)
    found = [f"{where}: id on screen"] if UUID.search(page.locator("main").inner_text()) else []
    if size == "phone":
        found += [f"{where}: {w}" for w in page.evaluate(OVERFLOW)]
        found += [f"{where}: no label {c}" for c in page.evaluate(UNLABELLED)]
    else:
        headers = page.locator("table.stack th")
        if headers.count() and not headers.first.is_visible():
            found.append(f"{where}: table headers hidden on a desktop")
    return found


def test_staff_tables_fit_a_phone_in_both_languages(
    demo: tuple[str, Path], finance: httpx.Client
) -> None:
    from playwright.sync_api import sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    first = finance.get("/api/v1/suppliers/", params={"limit": 50}).json()["items"]
    supplier = next(s for s in first if s["contacts"] and s["bank_accounts"])
    problems: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        steps = DemoSteps(page, base)
        # A bank change waiting in the queue, so the queue and the comparison have rows.
        steps.supplier_user_for(supplier["uscc"])
        page.goto(f"{base}/portal/profile")
        page.locator("a.change-account").first.click()
        page.fill("input[name=account_number]", "6217000011112222333")
        page.click("#submit-change")
        page.wait_for_load_state()
        steps.logout()
        steps.login("admin")
        page.goto(f"{base}/staff/")
        href = page.locator("#queue a[href^='/staff/changes/']").first.get_attribute("href")
        assert href
        for lang in ("zh", "en"):
            page.goto(f"{base}/lang/{lang}")
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                for name, path in _pages(supplier["id"], href.rsplit("/", 1)[-1]).items():
                    answer = page.goto(base + path)
                    assert answer is not None and answer.status == 200, (path, answer)
                    problems += _look(page, name, lang, size)
        browser.close()

    (ARTIFACTS / "tables-problems.txt").write_text("\n".join(problems) + "\n", encoding="utf-8")
    assert not problems, problems
