"""The web import in Debian's chromium: a clerk uploads a list with planted defects, reads
the dry run, imports the good rows and watches the first verification finish, in Chinese
and in English, on a desktop (1280 px) and a phone (390 px).

Runs ``portal demo`` (the fixture of ``test_bank_change_in_browser``) with its in-process
import worker and the demo registry and tax bureau. Screenshots go to
``artifacts/import-<lang>-<width>-<step>.png``; the Excel error report is drawn as a page
(cells, fills and the two added columns as the workbook holds them) into
``artifacts/import-<lang>-error-report.png``.
"""

from __future__ import annotations

import csv
import html
import io
import random
from pathlib import Path

import pytest

from portal.domain.uscc_factory import make_uscc
from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo

pytestmark = pytest.mark.browser

__all__ = ["demo"]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts"
WIDTHS = (1280, 390)


def planted_list(path: Path, rows: int, seed: int) -> None:
    """Good suppliers, and a few rows with the defects a real list has."""
    rng = random.Random(seed)
    trade = "华安达信恒泰瑞丰盛鑫源宏博德海天正新嘉利祥泽旭晨卓越锦鸿荣昌兴隆"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["统一社会信用代码", "供应商名称", "开户行", "银行账号", "户名", "联系电话"])
        first_code, first_name = "", ""
        for i in range(rows):
            code = make_uscc(rng)
            name = "上海" + "".join(rng.choice(trade) for _ in range(3)) + f"{i}贸易有限公司"
            account = "62220" + "".join(rng.choice("0123456789") for _ in range(14))
            phone = f"+86 139 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
            if i == 0:
                first_code, first_name = code, name
            if i % 97 == 5:
                account = "6.22848E+18"  # Excel rounded it
            if i % 131 == 7:
                code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a wrong check character
            if i % 113 == 9:
                code, name = first_code, first_name[:6]  # the first row again, name cut short
            out.writerow([code, name, "中国工商银行上海分行", account, name, phone])


def error_report_page(content: bytes) -> str:
    """The workbook's first sheet as an HTML table, with its fills (for a screenshot)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = []
    for row in sheet.iter_rows(max_row=40):
        cells = []
        for cell in row:
            colour = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type else None
            style = f' style="background:#{str(colour)[-6:]}"' if isinstance(colour, str) else ""
            text = html.escape(str(cell.value or "")).replace("\n", "<br>")
            cells.append(f"<td{style}>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<html><head><meta charset='utf-8'><style>body{font:12px sans-serif}"
        "td{border:1px solid #ccc;padding:2px 4px;vertical-align:top;max-width:28em}"
        "</style></head><body><table>" + "".join(rows) + "</table></body></html>"
    )


def test_a_clerk_imports_a_list_in_the_browser_from_upload_to_verified(
    demo: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        def shots(lang: str, step: str) -> None:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
                page.screenshot(
                    path=str(SHOTS / f"import-{lang}-{width}-{step}.png"), full_page=True
                )
            page.set_viewport_size({"width": 1280, "height": 900})

        page.goto(f"{base}/auth/login")
        page.click("#demo-user-clerk")
        page.wait_for_load_state()
        for number, lang in enumerate(("zh", "en")):
            page.goto(f"{base}/staff/import")
            page.goto(f"{base}/lang/{lang}")
            page.goto(f"{base}/staff/import")
            source = tmp_path / f"供应商名单-{lang}.csv"
            planted_list(source, 1500, seed=number)
            page.set_input_files("#import-file", str(source))
            shots(lang, "1-upload")
            page.click("#upload-list")
            page.wait_for_load_state()
            job = page.locator("#job")
            expect(job).to_have_attribute("data-state", "checked", timeout=120_000)
            expect(page.locator("#codes")).to_be_visible()
            shots(lang, "2-dry-run")
            visible = page.inner_text("#rows")
            assert ("Excel" in visible) and ("bank_account" not in visible)

            with page.expect_download() as download:
                page.click("#error-report")
            content = Path(download.value.path()).read_bytes()
            assert content[:2] == b"PK"
            sheet_page = browser.new_page(viewport={"width": 1280, "height": 900})
            sheet_page.set_content(error_report_page(content))
            sheet_page.screenshot(
                path=str(SHOTS / f"import-{lang}-error-report.png"), full_page=True
            )
            sheet_page.close()

            page.click("#confirm-import")
            page.wait_for_load_state()
            expect(job).to_have_attribute("data-state", "verifying", timeout=120_000)
            expect(page.locator("#rate")).not_to_be_empty(timeout=30_000)
            shots(lang, "3-progress")
            page.reload()  # the progress survives a reload
            expect(page.locator("#bar")).to_be_visible()
            expect(job).to_have_attribute("data-state", "done", timeout=300_000)
            expect(page.locator("#verified")).to_be_visible()
            shots(lang, "4-done")
        browser.close()
