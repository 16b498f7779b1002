"""The pages explain holds: the supplier reads the registry's new facts and confirms the
prefilled draft; purchasing and finance read the invoice finding in words."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SUPPLIER
from portal.domain.uscc_factory import make_uscc
from portal.graph.relations import upsert_relation
from portal.verification.records import replace_states
from portal.verification.registry_events import follow_registry_events
from portal.verification.verify import SYSTEM
from registry.model import EnterpriseRecord, RegistryStatus
from verification.model import Answers, FieldState, State, TaxFacts, VerificationResult


def registry_says_revoked(site: Any) -> None:
    record = EnterpriseRecord(
        name=site.a.name, uscc=site.a.uscc, legal_representative="张三",
        status=RegistryStatus.REVOKED,
    )  # fmt: skip
    result = VerificationResult(findings=(), fields={}, verified_on=site.deps.clock().date())
    with site.services.engine.begin() as conn:
        follow_registry_events(
            conn, AuditLog(site.services.sealer), SYSTEM, site.a, result,
            Answers(registry=record, tax=TaxFacts()), now=site.deps.clock(),
        )  # fmt: skip


def invoice_from_another_seller_code(site: Any) -> None:
    raw = {"invoice_number": "00012345", "invoice_code": "3100", "seller_name": site.a.name,
           "seller_tax_number": make_uscc(77), "amount": "1000"}  # fmt: skip
    upsert_relation(
        site.services.engine, "invoices", raw, audit=AuditLog(site.services.sealer),
        ctx=AuditContext(actor="api:erp"), now=site.deps.clock(),
    )  # fmt: skip


async def test_the_supplier_confirms_the_registrys_new_facts_from_its_dashboard(
    site: Any, as_user: Any
) -> None:
    registry_says_revoked(site)
    supplier = as_user("a")
    dashboard = (await supplier.get("/portal/")).text
    assert 'id="facts-to-confirm"' in dashboard and "吊销" in dashboard
    draft = dashboard.split('href="/portal/changes/')[1].split('"')[0]
    page = f"/portal/changes/{draft}"
    shown = (await supplier.get(page)).text
    assert 'id="confirm-facts"' in shown and 'id="registry-facts"' in shown
    assert (await as_user("b").get(page)).status_code == 404
    done = await supplier.post(f"{page}/confirm", form_page=page)
    assert done.status_code == 303
    after = (await supplier.get(page)).text
    assert 'data-status="pending"' in after and 'id="confirm-facts"' not in after


async def test_finance_reads_the_invoice_finding_in_words_on_the_payments_page(
    site: Any, as_user: Any
) -> None:
    invoice_from_another_seller_code(site)
    for who in ("finance", "alice"):
        listing = (await as_user(who).get("/staff/payments/")).text
        assert 'data-code="invoice.seller_mismatch"' in listing
        assert site.a.name in listing and "3100-00012345" in listing and make_uscc(77) in listing


def registry_names_another_legal_representative(site: Any) -> None:
    """What a verification run writes: the field's mismatch and the registry event."""
    record = EnterpriseRecord(
        name=site.a.name, uscc=site.a.uscc, legal_representative="李新民",
        status=RegistryStatus.ACTIVE,
    )  # fmt: skip
    result = VerificationResult(
        findings=(),
        fields={"legal_representative": FieldState(State.MISMATCH, site.deps.clock())},
        verified_on=site.deps.clock().date(),
    )  # fmt: skip
    with site.services.engine.begin() as conn:
        replace_states(conn, site.a.id, "run-1", result)
        follow_registry_events(
            conn, AuditLog(site.services.sealer), SYSTEM, site.a, result,
            Answers(registry=record, tax=TaxFacts()), now=site.deps.clock(),
        )  # fmt: skip


async def test_the_suppliers_dashboard_says_payments_are_held_why_since_when_and_what_clears_it(
    site: Any, as_user: Any, client: Any
) -> None:
    supplier = as_user("a")
    assert 'id="payments-held"' not in (await supplier.get("/portal/")).text
    registry_names_another_legal_representative(site)
    dashboard = (await supplier.get("/portal/")).text
    held = dashboard.split('id="payments-held"')[1].split("</div>")[0]
    assert "对贵司的付款已暂停" in held and "李新民" in held  # what the registry says
    assert 'data-reason="legal_rep_changed"' in held and "自 " in held  # since when
    assert "请核对并确认我们按登记信息预填的变更申请" in held and "/portal/changes/" in held
    client.cookies.set("lang", "en")
    english = (await supplier.get("/portal/")).text
    assert "Payments to you are on hold" in english and "What clears it" in english
    assert 'id="payments-held"' not in (await as_user("b").get("/portal/")).text


async def test_an_invoice_naming_another_seller_code_is_a_hold_the_supplier_reads_too(
    site: Any, as_user: Any
) -> None:
    invoice_from_another_seller_code(site)
    dashboard = (await as_user("a").get("/portal/")).text
    assert 'data-reason="invoice_mismatch"' in dashboard and "请联系采购人员核实该发票" in dashboard


async def test_a_revoked_licence_holds_payments_and_says_only_a_corrected_registry_clears_it(
    site: Any, as_user: Any
) -> None:
    registry_says_revoked(site)
    with site.services.engine.begin() as conn:  # what the verification run writes with it
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == site.a.id)
            .values(registry_status=RegistryStatus.REVOKED.value)
        )
    dashboard = (await as_user("a").get("/portal/")).text
    held = dashboard.split('id="payments-held"')[1].split("</div>")[0]
    assert 'data-reason="registry_inactive"' in held and "吊销" in held
    assert "如登记有误，请先向登记机关更正" in held
