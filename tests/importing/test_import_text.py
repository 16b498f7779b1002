"""What people type into spreadsheets: '+86' phones are data, invisible characters never stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from portal.db.supplier_store import SupplierStore
from portal.domain.uscc_factory import make_uscc
from portal.importing.run import import_suppliers

HEADER = "统一社会信用代码,供应商名称,联系人,联系电话\n"


def import_one(tmp_path: Path, engine: Engine, store: SupplierStore, row: str) -> dict[str, int]:
    path = tmp_path / "list.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    return import_suppliers(path, engine=engine, store=store).counts


def test_a_phone_written_with_plus_86_is_imported_not_taken_for_a_formula(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    code = make_uscc(301)
    counts = import_one(
        tmp_path, engine, store, f"{code},上海合德贸易股份有限公司,王经理,+86 138 0013 8000"
    )
    assert counts.get("created") == 1 and not counts.get("rejected")
    with engine.connect() as conn:
        supplier = store.get_by_uscc(conn, code)
    assert supplier is not None
    assert [c.phone for c in supplier.contacts] == ["13800138000"]


def test_invisible_and_direction_changing_characters_are_removed_from_names(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    code = make_uscc(302)
    tricky = "王\u202e经\u200b理\u2066"
    import_one(
        tmp_path, engine, store, f"{code},上海合德\u200d贸易股份有限公司,{tricky},13800138000"
    )
    with engine.connect() as conn:
        supplier = store.get_by_uscc(conn, code)
    assert supplier is not None
    assert supplier.name == "上海合德贸易股份有限公司"
    assert [c.name for c in supplier.contacts] == ["王经理"]


def test_a_real_formula_is_still_refused_on_the_way_in(
    engine: Engine, store: SupplierStore, tmp_path: Path
) -> None:
    counts = import_one(tmp_path, engine, store, f'{make_uscc(303)},"=HYPERLINK(""x"")",,')
    assert counts.get("rejected") == 1
