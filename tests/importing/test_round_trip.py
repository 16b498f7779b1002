"""What the finance export writes, the import reads: an unchanged export changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from portal.audit.log import AuditContext, AuditLog
from portal.changes import ChangeDeps
from portal.db.supplier_store import SUPPLIER, SupplierFilter, SupplierStore
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, InvoicingProfile, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.finance import export
from portal.finance.reads import supplier_view
from portal.importing.audited import ImportDeps, import_supplier_list
from portal.importing.changes import ImportChangeProposer
from portal.onboarding.registration import register_suppliers
from tests.support.personas import staff_member

CLERK = staff_member("li.na", Role.PURCHASING_CLERK, "李娜")
CTX = AuditContext(actor="li.na", actor_role="purchasing_clerk")


def _on_file(engine: Engine, store: SupplierStore) -> None:
    suppliers = [
        Supplier(
            uscc=make_uscc(800 + i),
            name=name,
            bank_accounts=(
                BankAccount(
                    bank_name="招商银行上海分行",
                    account_number=f"622202123456789{i:04d}",
                    holder_name=name,
                    cnaps_code="308290003011",
                ),
            ),
            invoicing_profile=InvoicingProfile(title=name, tax_number=make_uscc(800 + i)),
        )
        for i, name in enumerate(
            ["上海甲科技有限公司", "北京丙（集团）有限公司", "杭州乙贸易有限公司"]
        )
    ]
    register_suppliers(
        engine, store, [(i, s, []) for i, s in enumerate(suppliers)], now=datetime.now(UTC)
    )


def _export(engine: Engine, store: SupplierStore, tmp_path: Path, kind: str) -> Path:
    with engine.connect() as conn:
        views = [
            supplier_view(s) for s in store.page(conn, SupplierFilter(), after=None, limit=100)
        ]
    path = tmp_path / f"suppliers.{kind}"
    if kind == "csv":
        path.write_bytes(b"".join(export.csv_chunks(export.flatten(views))))
    else:
        path.write_bytes(export.xlsx_bytes(export.flatten(views)))
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_reimporting_an_unchanged_export_creates_and_changes_nothing(
    engine: Engine, store: SupplierStore, tmp_path: Path, kind: str
) -> None:
    _on_file(engine, store)
    path = _export(engine, store, tmp_path, kind)
    audit = AuditLog(store.sealer)
    proposer = ImportChangeProposer(ChangeDeps(engine, store, audit), CLERK, CTX)
    report = import_supplier_list(
        ImportDeps(engine, store, audit), CTX, CLERK, path, propose_changes=proposer
    )
    assert report.counts == {"rows": 3, "unchanged": 3}
    assert report.ignored_columns == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SUPPLIER)).scalar() == 3
