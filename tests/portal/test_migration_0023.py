"""Migration 0023: the credit code becomes optional (a foreign supplier has a foreign tax id
instead) without copying the supplier table every foreign key points at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.exc import IntegrityError

from portal.db.migrate import alembic_config, upgrade
from portal.db.supplier_store import BANK, SUPPLIER

T = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
USCC = "91310000MA1FL8LQ3T"


def _supplier(conn: object, sid: str, **identity: str | None) -> None:
    conn.execute(insert(SUPPLIER).values(  # type: ignore[attr-defined]
        id=sid, name=f"{sid} company", name_core=sid, aliases="[]", lifecycle_state="active",
        created_at=T, updated_at=T, **identity))  # fmt: skip


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_suppliers_and_their_accounts_survive_and_a_foreign_one_can_be_stored(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0020")
    with empty_engine.begin() as conn:
        _supplier(conn, "s-1", uscc=USCC, org_code=USCC[8:17])
        conn.execute(insert(BANK).values(
            id="a-1", supplier_id="s-1", bank_name="招商银行", holder_name="s-1 company",
            account_number_enc=b"sealed", account_number_bidx="i", currency="CNY", is_default=True, retired=False, created_at=T))  # fmt: skip
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        _supplier(conn, "s-2", uscc=None, org_code=None, foreign_tax_id="eu_vat:DE136695976")
        with pytest.raises(IntegrityError), conn.begin_nested():
            _supplier(conn, "s-3", uscc=None, org_code=None, foreign_tax_id="eu_vat:DE136695976")
    with empty_engine.connect() as conn:
        assert conn.execute(select(BANK.c.supplier_id)).scalar_one() == "s-1"
        assert dict(conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.uscc)).all()) == {
            "s-1": USCC,
            "s-2": None,
        }
        if empty_engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_the_downgrade_refuses_while_foreign_suppliers_exist_then_restores_not_null(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        _supplier(conn, "s-2", uscc=None, org_code=None, foreign_tax_id="eu_vat:DE136695976")
    with pytest.raises(RuntimeError, match="1 foreign suppliers"):
        _downgrade(empty_engine, "0020")
    with empty_engine.begin() as conn:
        conn.execute(delete(SUPPLIER))
    _downgrade(empty_engine, "0020")
    with empty_engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(
            text(
                "INSERT INTO supplier (id, uscc, org_code, name, name_core, aliases, "
                "lifecycle_state, registry_status, taxpayer_qualification, tax_status, "
                "validated, version, created_at, updated_at) VALUES ('s-9', NULL, NULL, 'x', "
                "'x', '[]', 'active', '未知', '未知', '未知', false, 1, :t, :t)"
            ),
            {"t": T},
        )
