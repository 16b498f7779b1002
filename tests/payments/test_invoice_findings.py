"""An invoice whose seller credit code differs from the approved record holds payment and
raises a finding purchasing and finance read in words; correcting or rejecting it clears
both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.domain.uscc_factory import make_uscc
from portal.graph.relations import upsert_relation
from portal.payments import PaymentDeps, adopt_accounts
from portal.payments.hold_findings import open_hold_findings
from tests.payments.test_payment_check import A_OLD, ADMIN_CTX, _admin, check, line, reasons, sheet

PRINTED = make_uscc(77)


def _invoice(engine: Engine, pay: PaymentDeps, supplier: Any, code: str, **extra: str) -> Any:
    raw = {"invoice_number": "00012345", "invoice_code": "3100", "seller_name": supplier.name,
           "seller_tax_number": code, "amount": "1000", **extra}  # fmt: skip
    return upsert_relation(
        engine, "invoices", raw, audit=pay.audit, ctx=AuditContext(actor="api:erp"),
        now=pay.clock(),
    )  # fmt: skip


def _findings(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return open_hold_findings(conn)


def test_an_invoice_naming_another_seller_code_holds_payment_and_is_a_finding_in_words(
    pay: PaymentDeps, world: Any, engine: Engine
) -> None:
    adopt_accounts(pay, ADMIN_CTX, _admin())
    _invoice(engine, pay, world.a, PRINTED)
    result = check(pay, sheet(line(world.a, A_OLD)))
    assert reasons(result) == [("hold", "invoice_mismatch")]
    held = result.lines[0].result.reasons[0]
    assert held.since == pay.clock() and "00012345" in held.detail
    [found] = _findings(engine)
    assert found["supplier_name"] == world.a.name and found["since"] == pay.clock()
    assert "3100-00012345" in found["message_zh"] and PRINTED in found["message_zh"]
    assert world.a.uscc in found["message_en"] and "corrected or rejected" in found["message_en"]


def test_correcting_the_invoice_resolves_the_finding_and_the_hold(
    pay: PaymentDeps, world: Any, engine: Engine
) -> None:
    adopt_accounts(pay, ADMIN_CTX, _admin())
    _invoice(engine, pay, world.a, PRINTED)
    _invoice(engine, pay, world.a, PRINTED)  # sent again: still one finding
    assert len(_findings(engine)) == 1
    _invoice(engine, pay, world.a, world.a.uscc)
    assert _findings(engine) == []
    assert reasons(check(pay, sheet(line(world.a, A_OLD)))) == [("pass",)]
    with engine.connect() as conn:
        acts = list(conn.scalars(select(ENTRY.c.action).where(ENTRY.c.subject_id == world.a.id)))
    assert acts.count("invoice_finding.opened") == 1
    assert acts.count("invoice_finding.resolved") == 1
    assert AuditLog(pay.sealer).verify(engine).ok


def test_rejecting_the_invoice_resolves_the_finding(
    pay: PaymentDeps, world: Any, engine: Engine
) -> None:
    _invoice(engine, pay, world.a, PRINTED)
    _invoice(engine, pay, world.a, PRINTED, status="拒收", rejection_reason="销售方税号错误")
    assert _findings(engine) == []


def test_an_invoice_printing_a_seller_account_not_on_record_holds_payment(
    pay: PaymentDeps, world: Any, engine: Engine
) -> None:
    adopt_accounts(pay, ADMIN_CTX, _admin())
    printed = "招商银行上海分行 6214 8301 0000 9999"
    _invoice(engine, pay, world.a, world.a.uscc, seller_bank_account=printed)
    assert reasons(check(pay, sheet(line(world.a, A_OLD)))) == [("hold", "invoice_mismatch")]
    [found] = _findings(engine)
    assert "销售方账号不是档案中的银行账户或开票账户" in found["message_zh"]
    assert "6214" not in found["message_zh"] + found["message_en"]  # no number in clear
    on_record = f"工商银行 {A_OLD}"
    _invoice(engine, pay, world.a, world.a.uscc, seller_bank_account=on_record)
    assert _findings(engine) == []
    assert reasons(check(pay, sheet(line(world.a, A_OLD)))) == [("pass",)]
