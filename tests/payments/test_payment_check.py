"""The payment-file check: each line passes only into an active version of its payee."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update

from payments import PaymentFileError
from portal.audit.log import AuditContext
from portal.changes import ChangeDeps
from portal.db.supplier_store import SUPPLIER
from portal.db.tables import AuditEntryRow, table_of
from portal.payments import (
    CheckResult,
    PaymentDeps,
    PaymentForbiddenError,
    adopt_accounts,
    check_payment_file,
    record_ownership,
)
from tests.support import Clock
from tests.support.personas import STAFF

FINANCE = STAFF["finance"]
ADMIN_CTX = AuditContext(actor="u-admin", actor_role="admin")
A_OLD, B_OLD, A_NEW = "6222021234567891234", "6222029876543210987", "6217000011112222333"
HEADER = ["收款方", "统一社会信用代码", "开户行", "账号", "金额"]


def sheet(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode()


def line(supplier: Any, account: str, amount: str = "100.00") -> list[str]:
    return [supplier.name, supplier.uscc, "工商银行", account, amount]


def check(pay: PaymentDeps, content: bytes, name: str = "run.csv") -> CheckResult:
    ctx = AuditContext(actor=FINANCE.subject, actor_role="finance")
    return check_payment_file(pay, ctx, FINANCE, name, content)


def reasons(result: CheckResult) -> list[tuple[str, ...]]:
    return [
        (c.result.verdict.value, *(r.code.value for r in c.result.reasons)) for c in result.lines
    ]


@pytest.fixture
def adopted(pay: PaymentDeps, world: Any) -> Any:
    adopt_accounts(pay, ADMIN_CTX, _admin())
    return world


def _admin() -> Any:
    from portal.domain.principal import Principal, Role

    return Principal("u-admin", Role.ADMIN, "Admin")


def test_accounts_on_file_without_a_version_are_held_until_adopted(
    pay: PaymentDeps, world: Any
) -> None:
    assert reasons(check(pay, sheet(line(world.a, A_OLD)))) == [("hold", "unversioned")]
    adopt_accounts(pay, ADMIN_CTX, _admin())
    assert reasons(check(pay, sheet(line(world.a, A_OLD)))) == [("pass",)]


def test_a_new_account_is_held_unverified_then_cooling_off_then_passes(
    pay: PaymentDeps, adopted: Any, change_account: Callable[..., Any], clock: Clock
) -> None:
    change_account(adopted.a, A_NEW, adopted.user_a)
    result = check(pay, sheet(line(adopted.a, A_NEW), line(adopted.a, A_OLD)))
    assert reasons(result) == [("hold", "unverified"), ("hold", "retired")]
    version = result.lines[0].result.version
    assert version is not None and version.approvers == ("u-alice", "u-bob")
    clock.advance(hours=1)
    record_ownership(pay, ADMIN_CTX, STAFF["alice"], version.id, "demo")
    held = check(pay, sheet(line(adopted.a, A_NEW))).lines[0].result.reasons[0]
    assert (held.code.value, held.until) == ("cooling_off", clock.now + timedelta(hours=48))
    clock.advance(hours=48)
    assert reasons(check(pay, sheet(line(adopted.a, A_NEW)))) == [("pass",)]


def test_an_open_bank_change_holds_payments_to_the_supplier(
    pay: PaymentDeps, adopted: Any, deps: ChangeDeps, ctx: Any
) -> None:
    from approvals import Entity
    from approvals.proposals import Proposal
    from portal.changes import submit_change

    account = adopted.a.bank_accounts[0].id
    proposal = Proposal(Entity.BANK_ACCOUNT, account, {"account_number": A_NEW})
    submit_change(deps, ctx(adopted.user_a), adopted.user_a, adopted.a.id, [proposal])
    assert reasons(check(pay, sheet(line(adopted.a, A_OLD)))) == [("hold", "pending")]


def test_another_suppliers_account_and_unknown_payees_are_named(
    pay: PaymentDeps, adopted: Any
) -> None:
    stranger = ["深圳某某有限公司", "91440300MA5DXXXX1X", "招商银行", A_OLD, "5.00"]
    result = check(pay, sheet(line(adopted.a, B_OLD), stranger, line(adopted.b, "62220000")))
    assert reasons(result) == [
        ("hold", "other_supplier"),
        ("unknown_payee",),
        ("hold", "not_on_file"),
    ]
    assert result.lines[0].result.reasons[0].detail == adopted.b.name


def test_blocked_deregistered_and_tax_abnormal_suppliers_are_held_with_every_reason(
    pay: PaymentDeps, adopted: Any
) -> None:
    with pay.engine.begin() as conn:
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.id == adopted.a.id)
            .values(lifecycle_state="blocked", registry_status="注销", tax_status="非正常户")
        )
    assert reasons(check(pay, sheet(line(adopted.a, A_OLD)))) == [
        ("hold", "supplier_blocked", "registry_inactive", "tax_abnormal")
    ]


def test_the_result_sheet_is_the_same_sheet_with_verdict_columns(
    pay: PaymentDeps, adopted: Any
) -> None:
    result = check(pay, sheet(line(adopted.a, A_OLD), line(adopted.a, B_OLD)))
    data, kind = result.sheet_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert kind.startswith("text/csv") and rows[0][:5] == HEADER
    assert rows[1][5] == "通过 / pass" and rows[1][8] == result.lines[0].result.version.id  # type: ignore[union-attr]
    assert rows[2][5] == "暂停付款 / hold"
    assert "该账户属于其他供应商" in rows[2][6] and "check the payee" in rows[2][7]


def test_the_icbc_batch_sheet_is_read_and_its_payees_found_by_name(
    pay: PaymentDeps, adopted: Any
) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["付款账号开户行", "付款账号", "付款账号名称", "收款账号开户行", "省份名",
               "城市名", "收款账号", "收款账号名称", "金额", "汇款用途", "备注"])  # fmt: skip
    ws.append(["工行", "1001", "我方", "工行", "上海", "上海", A_OLD, adopted.a.name,
               "1200.50", "货款", ""])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    result = check(pay, out.getvalue(), "批量支付.xlsx")
    assert result.sheet.layout == "icbc_batch" and reasons(result) == [("pass",)]
    back = load_workbook(io.BytesIO(result.sheet_bytes()[0])).active
    assert back is not None and back.cell(2, 12).value == "通过 / pass"


def test_the_check_is_audited_with_counts_and_no_account_numbers(
    pay: PaymentDeps, adopted: Any
) -> None:
    check(pay, sheet(line(adopted.a, A_OLD), line(adopted.a, B_OLD)))
    audit = table_of(AuditEntryRow)
    with pay.engine.connect() as conn:
        row = conn.execute(select(audit).where(audit.c.action == "payment_check.run")).one()
    detail = json.loads(row.after)
    assert (detail["lines"], detail["pass"], detail["hold"]) == (2, 1, 1)
    assert A_OLD not in row.after and B_OLD not in row.after


def test_only_finance_may_check_payment_files(pay: PaymentDeps, adopted: Any) -> None:
    with pytest.raises(PaymentForbiddenError):
        check_payment_file(pay, ADMIN_CTX, STAFF["clerk"], "run.csv", sheet())


def test_a_file_without_the_columns_is_refused_in_both_languages(pay: PaymentDeps) -> None:
    with pytest.raises(PaymentFileError) as caught:
        check(pay, b"name,number\nx,1\n")
    assert "payee" in str(caught.value) and "收款方" in caught.value.message_zh


def test_a_new_legal_representative_at_the_registry_holds_until_a_verification_agrees(
    pay: PaymentDeps, adopted: Any, clock: Clock
) -> None:
    from sqlalchemy import insert

    from portal.db.verification_tables import FieldStateRow

    state = table_of(FieldStateRow)
    with pay.engine.begin() as conn:
        conn.execute(insert(state).values(
            supplier_id=adopted.a.id, field_path="legal_representative", state="mismatch",
            checked_at=clock.now, run_id="run-1"))  # fmt: skip
    held = check(pay, sheet(line(adopted.a, A_OLD))).lines[0].result.reasons
    assert [(r.code.value, r.since) for r in held] == [("legal_rep_changed", clock.now)]
    with pay.engine.begin() as conn:
        conn.execute(update(state).values(state="verified"))
    assert reasons(check(pay, sheet(line(adopted.a, A_OLD)))) == [("pass",)]


def test_a_new_legal_representative_seen_without_a_time_still_holds(
    pay: PaymentDeps, adopted: Any
) -> None:
    from sqlalchemy import insert

    from portal.db.verification_tables import FieldStateRow

    with pay.engine.begin() as conn:
        conn.execute(insert(table_of(FieldStateRow)).values(
            supplier_id=adopted.a.id, field_path="legal_representative", state="mismatch",
            checked_at=None, run_id="run-1"))  # fmt: skip
    held = check(pay, sheet(line(adopted.a, A_OLD))).lines[0].result.reasons
    assert [r.code.value for r in held] == ["legal_rep_changed"]


def test_an_invoice_naming_another_seller_code_holds_until_it_is_rejected(
    pay: PaymentDeps, adopted: Any
) -> None:
    from sqlalchemy import insert

    from portal.db.tables import InvoiceRow

    invoice = table_of(InvoiceRow)
    with pay.engine.begin() as conn:
        conn.execute(insert(invoice).values(
            id="i-1", supplier_id=adopted.a.id, invoice_code="", invoice_number="00012345",
            seller_name=adopted.a.name, seller_tax_number=adopted.b.uscc, status="received"))  # fmt: skip
    result = check(pay, sheet(line(adopted.a, A_OLD)))
    assert reasons(result) == [("hold", "invoice_mismatch")]
    assert result.lines[0].result.reasons[0].detail == "00012345"
    with pay.engine.begin() as conn:
        conn.execute(update(invoice).values(status="rejected"))
    assert reasons(check(pay, sheet(line(adopted.a, A_OLD)))) == [("pass",)]
