"""Re-importing a supplier we have: its new details wait for approval as a change request."""

from __future__ import annotations

import csv
from pathlib import Path

from portal.audit.log import AuditContext
from portal.bootstrap import Services, build_change_deps
from portal.changes import list_changes
from portal.domain.principal import Principal, Role
from portal.domain.uscc_factory import make_uscc
from portal.importing.changes import ImportChangeProposer
from portal.importing.run import import_suppliers

CODE = make_uscc(8080)
NAME = "宁波示例模具有限公司"
HEADER = ["统一社会信用代码", "供应商名称", "开户行", "银行账号", "户名", "联系人", "联系电话"]


def _file(path: Path, account: str, phone: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [HEADER, [CODE, NAME, "宁波银行", account, NAME, "陈经理", phone]]
        )
    return path


def test_new_bank_details_of_a_known_supplier_become_a_change_request(
    services: Services, tmp_path: Path
) -> None:
    engine, store = services.engine, services.suppliers
    import_suppliers(_file(tmp_path / "a.csv", "6222600012345678", "13800001111"),
                     engine=engine, store=store)  # fmt: skip
    deps = build_change_deps(services)
    clerk = Principal("import:test", Role.PURCHASING_CLERK)
    proposer = ImportChangeProposer(deps, clerk, AuditContext(actor="import:test"))

    same = import_suppliers(_file(tmp_path / "b.csv", "6222600012345678", "13800001111"),
                            engine=engine, store=store, propose_changes=proposer)  # fmt: skip
    assert same.counts == {"unchanged": 1, "rows": 1}

    changed = import_suppliers(_file(tmp_path / "c.csv", "6222600099998888", "13900002222"),
                               engine=engine, store=store, propose_changes=proposer)  # fmt: skip
    [row] = changed.rows
    assert row.status == "change_requested" and row.change_request_id
    with engine.connect() as conn:
        supplier = store.get_by_uscc(conn, CODE)
    assert supplier is not None and supplier.id is not None
    assert [a.account_number for a in supplier.bank_accounts] == ["6222600012345678"]  # not yet
    [request] = list_changes(deps, clerk, supplier_id=supplier.id)
    assert request.id == row.change_request_id
    assert request.channel.value == "import" and request.status.value == "pending"
    assert {c.field_name for c in request.changes} >= {"account_number", "phone"}


def test_an_import_row_for_an_archived_supplier_proposes_no_change(
    services: Services, tmp_path: Path
) -> None:
    from sqlalchemy import update

    from portal.db.supplier_store import SUPPLIER

    engine, store = services.engine, services.suppliers
    import_suppliers(_file(tmp_path / "a.csv", "6222600012345678", "13800001111"),
                     engine=engine, store=store)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            update(SUPPLIER).where(SUPPLIER.c.uscc == CODE).values(lifecycle_state="archived")
        )
    deps = build_change_deps(services)
    clerk = Principal("import:test", Role.PURCHASING_CLERK)
    proposer = ImportChangeProposer(deps, clerk, AuditContext(actor="import:test"))
    again = import_suppliers(_file(tmp_path / "b.csv", "6222600099998888", "13900002222"),
                             engine=engine, store=store, propose_changes=proposer)  # fmt: skip
    assert "change_requested" not in again.counts, again.counts
    assert all(not row.change_request_id for row in again.rows)
    assert list_changes(deps, clerk) == []
