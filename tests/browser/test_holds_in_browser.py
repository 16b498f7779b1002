"""Holds explain themselves, in Debian's chromium over ``portal demo``: the registry names
another legal representative (the supplier's dashboard says payments are held, why, since
when and what clears it, and the supplier confirms the prefilled draft), and an invoice
names another seller credit code (purchasing and finance read the finding on the payments
page).

Screenshots (zh and en, desktop 1280 and phone 390 px): ``artifacts/holds-*.png``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from portal.audit.log import AuditContext, AuditLog
from portal.commands.common import open_services
from portal.config import load_settings
from portal.db.supplier_store import SUPPLIER
from portal.domain.uscc_factory import make_uscc
from portal.graph.relations import upsert_relation
from portal.verification.records import replace_states
from portal.verification.registry_events import follow_registry_events
from portal.verification.verify import SYSTEM
from registry.model import EnterpriseRecord, RegistryStatus
from tests.browser.steps import DemoSteps
from tests.browser.test_bank_change_in_browser import (  # noqa: F401 (fixtures)
    ARGS,
    CHROMIUM,
    demo,
    finance,
)
from verification.model import Answers, FieldState, State, TaxFacts, VerificationResult

pytestmark = pytest.mark.browser


def _plant(folder: Path, uscc: str) -> None:
    """What monitoring and the ERP would have done, straight into the demo's database."""
    settings = load_settings(
        overrides={
            "PORTAL_DATA_DIR": str(folder),
            "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'portal.db'}",
            "PORTAL_KEK_FILE": str(folder / "keys" / "kek.key"),
            "PORTAL_DEMO": "1",
        }
    )
    services = open_services(settings, migrate=False)
    now = datetime.now(UTC)
    try:
        with services.engine.begin() as conn:
            sid = conn.scalar(select(SUPPLIER.c.id).where(SUPPLIER.c.uscc == uscc))
            supplier = services.suppliers.get(conn, sid or "")
            assert supplier is not None
            record = EnterpriseRecord(
                name=supplier.name, uscc=uscc, legal_representative="李新民",
                status=RegistryStatus.ACTIVE,
            )  # fmt: skip
            rep = FieldState(State.MISMATCH, now)
            result = VerificationResult(
                findings=(), fields={"legal_representative": rep},
                verified_on=now.date(),
            )  # fmt: skip
            replace_states(conn, supplier.id, "browser-run", result)  # as a verification run
            follow_registry_events(
                conn, AuditLog(services.sealer), SYSTEM, supplier, result,
                Answers(registry=record, tax=TaxFacts()), now=now,
            )  # fmt: skip
        upsert_relation(
            services.engine, "invoices",
            {"invoice_number": "04521877", "invoice_code": "3100262130",
             "seller_name": supplier.name, "seller_tax_number": make_uscc(977),
             "amount": "11300.00"},
            audit=AuditLog(services.sealer), ctx=AuditContext(actor="api:erp"),
        )  # fmt: skip
    finally:
        services.engine.dispose()


def test_holds_explain_themselves_to_the_supplier_and_to_staff(
    demo: tuple[str, Path],  # noqa: F811
    finance: httpx.Client,  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, folder = demo
    items = finance.get("/api/v1/suppliers/", params={"limit": 50}).json()["items"]
    supplier = next(s for s in items if s["contacts"] and s["bank_accounts"])

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        steps = DemoSteps(page, base)
        steps.supplier_user_for(supplier["uscc"])

        _plant(folder, supplier["uscc"])
        page.goto(f"{base}/portal/")
        expect(page.locator("#facts-to-confirm")).to_contain_text("李新民")
        held = page.locator("#payments-held li[data-reason='legal_rep_changed']")
        expect(held).to_contain_text("李新民")
        expect(held).to_contain_text("请核对并确认我们按登记信息预填的变更申请")
        steps.shots("holds-supplier-dashboard", "/portal/")
        page.locator("#facts-to-confirm a.btn").first.click()
        page.wait_for_load_state()
        draft = page.url.removeprefix(base)
        expect(page.locator("#confirm-facts")).to_be_visible()
        steps.shots("holds-supplier-draft", draft)
        page.click("#confirm-facts")
        page.wait_for_load_state()
        expect(page.locator("[data-page=supplier-change]")).to_have_attribute(
            "data-status", "pending"
        )
        steps.logout()

        for who in ("supervisor-a", "finance"):
            steps.login(who)
            page.goto(f"{base}/staff/payments/")
            finding = page.locator("#hold-findings tr[data-code='invoice.seller_mismatch']")
            expect(finding).to_contain_text("3100262130-04521877")
            expect(finding).to_contain_text(make_uscc(977))
            if who == "finance":
                steps.shots("holds-staff-invoice-finding", "/staff/payments/")
            steps.logout()
        browser.close()
