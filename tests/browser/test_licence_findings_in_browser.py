"""What a supplier and an approver see when a licence is read with doubt (issue 19), in
Debian's chromium over ``portal demo`` with the real reader:

- a licence whose QR code carries another demo company's credit code: the supplier is told
  which code the QR names and asked to check the licence; the approval page draws a red
  line naming both codes and the company on file with the QR's code;
- a licence whose name does not end as its entity type's names do: the name is not
  pre-filled, its reason is shown in words and the supplier is asked to confirm it.

Screenshots (zh and en, 1280 and 390 px): ``artifacts/issue19-*.png``.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.steps import DemoSteps
from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo

pytestmark = pytest.mark.browser

__all__ = ["demo"]


def draw(path: Path, company: dict[str, Any], *, name: str, qr_uscc: str | None) -> None:
    """A clean licence of a demo company (``name`` as printed; ``qr_uscc`` in its QR)."""
    import cv2
    import numpy as np

    from ocr.corpus.data import fictional_licence
    from ocr.corpus.draw import render

    rng = random.Random(f"issue19:{company['uscc']}:{qr_uscc}")
    facts = dataclasses.replace(
        fictional_licence(rng),
        name=name,
        uscc=company["uscc"],
        legal_representative=company["legal_representative"],
        address=company["address"],
        registration_authority=company["registration_authority"],
        established_on=date.fromisoformat(company["established_on"]),
        term_from=date.fromisoformat(company["term_from"] or company["established_on"]),
        term_to=None,
        entity_type=company.get("entity_type") or "有限责任公司(自然人投资或控股)",
        representative_label="法定代表人",
        qr_uscc=qr_uscc,
    )
    facts = dataclasses.replace(facts, issued_on=max(facts.issued_on, facts.established_on))
    page = render(facts, "landscape", rng)
    cv2.imwrite(str(path), cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))


def upload(steps: DemoSteps, licence: Path) -> str:
    """Upload ``licence`` as the logged-in supplier; the job page's path once read."""
    page = steps.page
    page.goto(f"{steps.base}/portal/licence")
    page.set_input_files("#licence-file", str(licence))
    page.click("#upload-licence")
    page.wait_for_selector("#licence-form", timeout=240_000)
    return str(page.url).removeprefix(steps.base)


def test_a_qr_mismatch_and_a_doubted_name_are_shown_in_words(
    demo: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from portal.demo.seed import load_companies

    base, _ = demo
    mine, other = load_companies()[:2]
    planted = tmp_path / "qr.png"
    draw(planted, mine, name=mine["name"], qr_uscc=other["uscc"])
    short = mine["name"].removesuffix("有限公司")  # a company's name that does not end in 公司
    doubted = tmp_path / "doubted.png"
    draw(doubted, mine, name=short, qr_uscc=None)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        steps = DemoSteps(browser.new_page(), base)
        page = steps.page
        steps.supplier_user_for(mine["uscc"])

        qr_job = upload(steps, planted)
        line = page.locator("#qr-mismatch").inner_text()
        assert other["uscc"] in line and mine["uscc"] in line
        assert "please check the licence" in line
        steps.shots("issue19-qr-mismatch", qr_job)

        doubt_job = upload(steps, doubted)
        assert page.input_value("#field-name") == ""
        box = page.locator("#doubt-name").inner_text()
        assert short in box and "公司" in box
        assert page.locator("#confirm-name").is_visible()
        steps.shots("issue19-uncertain", doubt_job)

        # The supplier submits the QR-mismatch reading; the approver sees the red line.
        page.goto(f"{base}/lang/zh")
        page.goto(f"{base}{qr_job}")
        page.click("#submit-licence")
        page.wait_for_load_state()
        change = str(page.url).removeprefix(base).replace("/portal/", "/staff/")
        steps.logout()
        steps.login("supervisor-a")
        page.goto(f"{base}{change}")
        flag = page.locator("#qr-mismatch-flag").inner_text()
        assert other["uscc"] in flag and mine["uscc"] in flag
        assert page.locator("#qr-owner").count() == 1
        steps.shots("issue19-approval-qr-mismatch", change)
        browser.close()
