"""Every import is an audited act, and the duplicates it finds wait on the data-health page."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from portal.audit.log import AuditContext, AuditLog
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.dedup import count_open_pairs
from portal.domain.principal import Role
from portal.domain.supplier import Supplier
from portal.domain.uscc_factory import make_uscc
from portal.importing.audited import ImportDeps, ImportNotAllowedError, import_supplier_list
from portal.onboarding.registration import register_suppliers
from tests.support.personas import staff_member

CLERK = staff_member("li.na", Role.PURCHASING_CLERK, "李娜")
CTX = AuditContext(actor="li.na", actor_role="purchasing_clerk")


def _list(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "供应商名单.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["统一社会信用代码", "供应商名称"], *rows])
    return path


def _entries(engine: Engine, audit: AuditLog) -> list[tuple[str, str | None, dict[str, object]]]:
    """(action, file name, what the entry holds) of every entry."""
    with engine.connect() as conn:
        return [(e.action, e.field_name, json.loads(e.after or "{}")) for e in audit.entries(conn)]


def test_an_import_names_the_file_by_its_hash_and_counts_and_every_created_supplier(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    audit = AuditLog(store.sealer)
    path = _list(
        tmp_path,
        [[make_uscc(1), "北京甲科技有限公司"], [make_uscc(2), "北京乙贸易有限公司"], ["x", "丙"]],
    )
    import_supplier_list(ImportDeps(engine, store, audit), CTX, CLERK, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (batch_act, batch_file, batch), (act, file_name, summary) = _entries(engine, audit)
    assert (batch_act, batch_file, batch["sha256"]) == ("suppliers.imported", path.name, digest)
    with engine.connect() as conn:
        stored = set(conn.execute(select(SUPPLIER.c.id)).scalars())
    assert isinstance(batch["ids"], list) and set(batch["ids"]) == stored and len(stored) == 2
    assert (act, file_name, summary["sha256"]) == ("import.completed", path.name, digest)
    assert (summary["created"], summary["rejected"], summary["changed"]) == (2, 1, 0)
    with engine.connect() as conn:  # every entry says which file it came from
        assert {e.channel for e in audit.entries(conn)} == {f"import:{digest}"}


def test_a_dry_run_is_audited_as_a_check_and_names_no_supplier(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    audit = AuditLog(store.sealer)
    path = _list(tmp_path, [[make_uscc(3), "北京丁科技有限公司"]])
    import_supplier_list(ImportDeps(engine, store, audit), CTX, CLERK, path, dry_run=True)
    assert [a for a, _, _ in _entries(engine, audit)] == ["import.checked"]


def test_a_supplier_user_cannot_import_a_list(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    supplier = staff_member("s", Role.SUPPLIER)
    path = _list(tmp_path, [[make_uscc(4), "北京戊科技有限公司"]])
    with pytest.raises(ImportNotAllowedError):
        import_supplier_list(ImportDeps(engine, store, AuditLog(store.sealer)), CTX, supplier, path)


def test_a_likely_duplicate_found_at_import_waits_on_the_data_health_page_without_a_sweep(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    stored = Supplier(uscc=make_uscc(5), name="上海澜川智能科技有限公司")
    register_suppliers(engine, store, [(0, stored, [])], now=datetime.now(UTC))
    path = _list(tmp_path, [[make_uscc(6), "上海澜川智能科技股份有限公司"]])
    import_supplier_list(ImportDeps(engine, store, AuditLog(store.sealer)), CTX, CLERK, path)
    with engine.connect() as conn:
        assert count_open_pairs(conn) == 1
