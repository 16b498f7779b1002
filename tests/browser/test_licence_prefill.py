"""The licence upload in Debian's chromium: a supplier uploads a generated 营业执照, watches
it being read, finds the form pre-filled with their name and credit code, and submits it
as a change request.

Runs ``portal demo`` like ``test_bank_change_in_browser`` (its fixture and helpers), with
the in-process OCR worker and the real reader. The supplier is demo company 0, whose name
was entered short (上海澜川智能科技); the licence is drawn by the corpus generator with that
company's registry data, so the pre-filled name is the full registered one. Screenshots
go to ``artifacts/browser/`` (kept by CI).
"""

from __future__ import annotations

import dataclasses
import random
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.test_bank_change_in_browser import (
    ARGS,
    ARTIFACTS,
    CHROMIUM,
    demo,
    finance,
)

pytestmark = pytest.mark.browser

__all__ = ["demo", "finance"]


def draw_company_licence(path: Path, company: dict[str, Any]) -> None:
    """A clean licence of a demo company, drawn by the corpus generator (PNG)."""
    import cv2
    import numpy as np

    from ocr.corpus.data import fictional_licence
    from ocr.corpus.draw import render

    rng = random.Random(f"browser:{company['uscc']}")
    term_to = company.get("term_to")
    facts = dataclasses.replace(
        fictional_licence(rng),
        name=company["name"],
        uscc=company["uscc"],
        legal_representative=company["legal_representative"],
        address=company["address"],
        registration_authority=company["registration_authority"],
        established_on=date.fromisoformat(company["established_on"]),
        term_from=date.fromisoformat(company["term_from"] or company["established_on"]),
        term_to=date.fromisoformat(term_to) if term_to else None,
        # A company's licence, issued after it was established: the OCR doubts a 有限公司
        # name on a branch's licence and dates out of order.
        entity_type=company.get("entity_type") or "有限责任公司(自然人投资或控股)",
        representative_label="法定代表人",
    )
    facts = dataclasses.replace(facts, issued_on=max(facts.issued_on, facts.established_on))
    page = render(facts, "landscape", rng)
    cv2.imwrite(str(path), cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))


def test_uploaded_licence_prefills_the_form_and_becomes_a_change_request(
    demo: tuple[str, Path], finance: httpx.Client, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from portal.demo.seed import load_companies

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    company = load_companies()[0]
    on_file = finance.get(f"/api/v1/suppliers/{company['uscc']}").json()
    assert on_file["name"] != company["name"]  # entered short in the demo data
    licence = tmp_path / "licence.png"
    draw_company_licence(licence, company)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        step = iter(range(1, 100))

        def shot(name: str) -> None:
            path = ARTIFACTS / f"licence-{next(step):02d}-{name}.png"
            page.screenshot(path=str(path), full_page=True)

        def login(user: str) -> None:
            page.goto(f"{base}/auth/login")
            page.click(f"#demo-user-{user}")
            page.wait_for_load_state()

        # The clerk invites the company; its user accepts (as in the bank-change test).
        login("clerk")
        page.goto(f"{base}/staff/invitations")
        page.fill("#invite-uscc", company["uscc"])
        # Typing the credit code fills the registered name from the registry (auto-fill).
        expect(page.locator("#invite-name")).not_to_have_value("")
        assert page.input_value("#invite-name") == company["name"]
        assert "工商登记" in (page.get_attribute("#invite-name", "title") or "")
        shot("invitation-autofill")
        page.fill("#invite-email", "supplier1@demo.example")
        page.click("#send-invitation")
        page.click("#logout")
        page.wait_for_load_state()
        page.goto(f"{base}/outbox")
        page.locator("a[href*='/invite/']").first.click()
        page.wait_for_load_state()
        page.click("#login-to-accept")
        page.click("#demo-user-supplier-1")
        page.wait_for_load_state()
        page.click("#accept-invitation")
        page.wait_for_load_state()

        # The invoicing form fills itself from the tax bureau on request, marked as such.
        page.goto(f"{base}/portal/invoicing/edit")
        page.fill("#inv-address", "")
        page.click("#autofill-button")
        expect(page.locator("#inv-address")).not_to_have_value("")
        assert page.input_value("#inv-address") == company["invoicing"]["address"]
        assert page.get_attribute("#inv-address", "data-source") == "tax_bureau"
        shot("invoicing-autofill")

        # Upload the licence; the job page shows progress, then the pre-filled form.
        page.goto(f"{base}/portal/licence")
        page.set_input_files("#licence-file", str(licence))
        shot("upload")
        started = time.monotonic()
        page.click("#upload-licence")
        page.wait_for_load_state()
        assert re.search(r"/portal/licence/[0-9a-f-]{36}$", page.url), page.url
        shot("progress")
        page.wait_for_selector("#licence-form", timeout=180_000)
        waited = time.monotonic() - started
        shot("prefilled")
        assert page.input_value("#field-name") == company["name"]
        assert page.locator("#uscc-read").inner_text() == company["uscc"]
        assert page.get_attribute("#uscc-check", "data-match") == "yes"
        assert page.input_value("#field-legal_representative") == company["legal_representative"]
        marked = page.locator("tr[data-field='name'] .ocr-source").inner_text()
        assert "从营业执照识别 / read from the licence" in marked
        job = page.url.rsplit("/", 1)[1]
        timing = httpx.get(f"{base}/portal/licence/{job}.json", cookies=_cookies(page)).json()
        (ARTIFACTS / "licence-job.json").write_text(
            f"{{'seconds_reading': {timing['seconds']}, 'seconds_upload_to_form': {waited:.1f}}}",
            encoding="utf-8",
        )

        # Submit: a pending supplier_profile request, listed with the others.
        page.click("#submit-licence")
        page.wait_for_load_state()
        assert page.locator("[data-status]").first.get_attribute("data-status") == "pending"
        request_id = page.url.rsplit("/", 1)[1]
        shot("change-request")
        page.goto(f"{base}/portal/changes")
        assert page.locator(f"#requests a[href='/portal/changes/{request_id}']").count() == 1
        shot("change-requests")
        browser.close()


def _cookies(page: Any) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}
