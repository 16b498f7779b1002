"""Migration 0015: every account already on file becomes a version."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from payments import VersionState
from portal.db.migrate import upgrade
from portal.db.supplier_store import BANK, SUPPLIER
from portal.payments.versions import VERSION, VersionStore

T = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_approved_accounts_become_active_versions_and_retired_ones_retired(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine, "0013")
    with empty_engine.begin() as conn:
        conn.execute(insert(SUPPLIER).values(
            id="s-1", uscc="91310000MA1FL8LQ3T", org_code="MA1FL8LQ3", name="甲公司",
            name_core="甲", aliases="[]", created_at=T, updated_at=T))  # fmt: skip
        for aid, retired in (("a-1", False), ("a-2", True)):
            conn.execute(insert(BANK).values(
                id=aid, supplier_id="s-1", bank_name="工行", account_number_enc=b"x",
                account_number_bidx=f"1:{aid}", holder_name="甲公司", currency="CNY",
                is_default=not retired, retired=retired, created_at=T))  # fmt: skip
    upgrade(empty_engine)
    now = datetime.now(UTC)
    with empty_engine.connect() as conn:
        versions = VersionStore.of_supplier(conn, "s-1")
        assert conn.execute(select(VERSION.c.id)).all()
    states = {v.bank_account_id: v.state_at(now) for v in versions}
    assert states == {"a-1": VersionState.ACTIVE, "a-2": VersionState.RETIRED}
    assert {v.account_bidx for v in versions} == {"1:a-1", "1:a-2"}
