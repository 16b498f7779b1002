"""Registry events become action: a monitoring run that sees a supplier deregistered, with
another legal representative or abnormal at the tax bureau holds payments to it and asks
the supplier, through a prefilled draft change request, to confirm the new facts."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select

from approvals import Status
from portal.audit.log import ENTRY, AuditContext, AuditLog
from portal.bootstrap import Services
from portal.changes import ChangeDeps, confirm_registry_facts, get_change, list_changes
from portal.db.hold_tables import HoldFindingRow
from portal.db.tables import table_of
from portal.payments import PaymentDeps, check_payment_file, explain
from registry.model import RegistryStatus
from tax_bureau.model import TaxStatus
from tests.support.personas import STAFF, supplier_user
from tests.verification.conftest import Authorities, registered, store_suppliers, typed
from tests.verification.test_monitoring import outbox, run_pass

HOLD = table_of(HoldFindingRow)


def _check(services: Services, authorities: Authorities, sid: str) -> Any:
    with services.engine.connect() as conn:
        supplier = services.suppliers.get(conn, sid)
    assert supplier is not None
    out = io.StringIO()
    account = supplier.bank_accounts[0].account_number
    csv.writer(out).writerows(
        [["收款方", "统一社会信用代码", "开户行", "账号", "金额"],
         [supplier.name, supplier.uscc, "工商银行", account, "100.00"]]
    )  # fmt: skip
    pay = PaymentDeps(
        services.engine, services.sealer, AuditLog(services.sealer), clock=authorities.clock
    )
    finance = STAFF["finance"]
    ctx = AuditContext(actor=finance.subject, actor_role="finance")
    result = check_payment_file(pay, ctx, finance, "run.csv", out.getvalue().encode())
    return result.lines[0].result


def _codes(result: Any) -> list[str]:
    return [r.code.value for r in result.reasons]


def _drafts(services: Services, sid: str) -> list[Any]:
    deps = ChangeDeps(services.engine, services.suppliers, AuditLog(services.sealer))
    return [r for r in list_changes(deps, supplier_user("u-s", sid)) if r.status is Status.DRAFT]


def _open_findings(services: Services, sid: str) -> list[Any]:
    with services.engine.connect() as conn:
        query = select(HOLD).where(HOLD.c.supplier_id == sid, HOLD.c.status == "open")
        return list(conn.execute(query))


def _deregistered(services: Services, authorities: Authorities) -> str:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed(), now=authorities.clock())
    run_pass(services, authorities)
    authorities.know(registered(status=RegistryStatus.DEREGISTERED, status_text="注销"))
    authorities.clock.advance(days=31)
    run_pass(services, authorities)
    return sid


def test_a_deregistration_seen_by_monitoring_holds_payments_and_asks_the_supplier(
    services: Services, authorities: Authorities
) -> None:
    sid = _deregistered(services, authorities)
    held = _check(services, authorities, sid)
    assert "registry_inactive" in _codes(held)
    reason = next(r for r in held.reasons if r.code.value == "registry_inactive")
    assert reason.since == authorities.clock() and reason.detail == "注销"
    _, why, clears, _ = explain(held)  # the sheet's and the command line's columns
    assert "工商登记状态显示已不能经营（注销），自 " in why and "registry shows" in why
    assert "重新核验显示登记状态为存续" in clears
    [draft] = _drafts(services, sid)
    [change] = draft.changes
    assert (change.field_name, change.after) == ("registry_status", "注销")
    [message] = [m for m in outbox(services) if m.recipient == "sales@example.cn"]
    assert "请确认登记信息" in message.subject and f"/portal/changes/{draft.id}" in message.body


def test_repeated_monitoring_runs_open_one_draft_and_tell_the_supplier_once(
    services: Services, authorities: Authorities
) -> None:
    sid = _deregistered(services, authorities)
    for _ in range(2):
        authorities.clock.advance(days=31)
        run_pass(services, authorities)
    assert len(_drafts(services, sid)) == 1 and len(_open_findings(services, sid)) == 1
    assert len([m for m in outbox(services) if m.recipient == "sales@example.cn"]) == 1


def test_when_the_registry_agrees_again_the_hold_and_the_draft_go(
    services: Services, authorities: Authorities
) -> None:
    sid = _deregistered(services, authorities)
    authorities.know(registered())
    authorities.clock.advance(days=31)
    run_pass(services, authorities)
    assert "registry_inactive" not in _codes(_check(services, authorities, sid))
    assert _drafts(services, sid) == [] and _open_findings(services, sid) == []
    with services.engine.connect() as conn:
        acts = list(conn.scalars(select(ENTRY.c.action).where(ENTRY.c.subject_id == sid)))
    assert acts.count("registry_event.opened") == 1 and acts.count("registry_event.closed") == 1


def test_a_new_legal_representative_is_confirmed_by_the_supplier_and_reviewed_as_usual(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed(), now=authorities.clock())
    run_pass(services, authorities)
    authorities.know(registered(legal_representative="李四"))
    authorities.clock.advance(days=31)
    run_pass(services, authorities)
    held = _check(services, authorities, sid)
    assert "legal_rep_changed" in _codes(held)
    [draft] = _drafts(services, sid)
    assert [(c.field_name, c.after) for c in draft.changes] == [("legal_representative", "李四")]

    deps = ChangeDeps(
        services.engine, services.suppliers, AuditLog(services.sealer), clock=authorities.clock
    )
    me = supplier_user("u-s", sid)
    submitted = confirm_registry_facts(deps, AuditContext(actor="u-s"), me, draft.id)
    assert submitted.status is Status.PENDING
    assert get_change(deps, me, draft.id).requested_by == "u-s"
    with services.engine.connect() as conn:
        record = services.suppliers.get(conn, sid)
    assert record is not None and record.legal_representative != "李四"  # not before review


def test_a_taxpayer_turning_abnormal_holds_payments_with_since_when(
    services: Services, authorities: Authorities
) -> None:
    authorities.know(registered())
    [sid] = store_suppliers(services, typed(), now=authorities.clock())
    run_pass(services, authorities)
    authorities.know(registered(), status=TaxStatus.ABNORMAL)
    authorities.clock.advance(days=31)
    run_pass(services, authorities)
    held = _check(services, authorities, sid)
    reason = next(r for r in held.reasons if r.code.value == "tax_abnormal")
    assert reason.since == authorities.clock()
    [draft] = _drafts(services, sid)
    assert draft.changes[0].field_name == "tax_status"
