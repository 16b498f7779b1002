"""The bulk INSERT path stores exactly what SQLAlchemy's own statement stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from portal.db.bulk import insert_rows
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.domain.uscc_factory import make_uscc


def _row(n: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": f"00000000-0000-7000-8000-{n:012d}",
        "uscc": make_uscc(800 + n),
        "org_code": make_uscc(800 + n)[8:17],
        "legacy_tax_number": None,
        "name": f"示例{n}科技有限公司",
        "name_core": f"示例{n}科技",
        "aliases": '["旧名"]',
        "entity_type": None,
        "legal_representative": "张三",
        "legal_rep_id_number_enc": None,
        "legal_rep_id_number_bidx": None,
        "registered_capital_amount": Decimal("1000000.50"),
        "registered_capital_currency": "CNY",
        "established_on": date(2015, 3, 9),
        "term_from": date(2015, 3, 9),
        "term_to": None,
        "address": "上海市浦东新区世纪大道1号",
        "business_scope": "技术开发",
        "registration_authority": None,
        "registry_status": "存续",
        "taxpayer_qualification": "一般纳税人",
        "tax_status": "正常",
        "lifecycle_state": "active",
        "validated": True,
        "version": 1,
        "created_at": datetime(2026, 11, 27, 10, 30, 15, 123456, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 27, 18, 30, tzinfo=timezone(timedelta(hours=8))),
    }
    row.update(changes)
    return row


def test_bulk_rows_read_back_like_rows_from_the_statement(engine: Engine) -> None:
    ours = [_row(1), _row(2, validated=False, registered_capital_amount=None, term_to=None)]
    theirs = [_row(3), _row(4, validated=False, registered_capital_amount=None, term_to=None)]
    with engine.begin() as conn:
        insert_rows(conn, SUPPLIER, ours)
        conn.execute(insert(SUPPLIER), theirs)
    with engine.connect() as conn:
        rows = {r.id[-1]: r._asdict() for r in conn.execute(select(SUPPLIER))}
    differ = ("id", "uscc", "org_code", "name", "name_core")
    for a, b in (("1", "3"), ("2", "4")):
        left = {k: v for k, v in rows[a].items() if k not in differ}
        right = {k: v for k, v in rows[b].items() if k not in differ}
        assert left == right
    assert rows["1"]["updated_at"] == datetime(2026, 11, 27, 10, 30, tzinfo=UTC)


def test_rows_with_different_columns_are_refused(engine: Engine) -> None:
    rows = [_row(5), {k: v for k, v in _row(6).items() if k != "term_to"}]
    with engine.begin() as conn, pytest.raises(ValueError, match="differ in their columns"):
        insert_rows(conn, SUPPLIER, rows)


def test_a_taken_key_fails_the_whole_batch_as_an_integrity_error(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_rows(conn, SUPPLIER, [_row(7)])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        insert_rows(conn, SUPPLIER, [_row(8)])
        insert_rows(conn, SUPPLIER, [_row(9), _row(7, id="00000000-0000-7000-8000-000000000010")])
    with engine.connect() as conn:  # nothing of the failed transaction stays
        assert sorted(conn.execute(select(SUPPLIER.c.id)).scalars()) == [_row(7)["id"]]


def test_times_copied_under_another_session_zone_read_back_as_inserted_ones(
    engine: Engine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the session time zone is PostgreSQL's")
    when = datetime(2026, 11, 27, 18, 30, tzinfo=timezone(timedelta(hours=8)))
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL TimeZone = 'America/New_York'")
        insert_rows(conn, SUPPLIER, [_row(11, created_at=when)])
        conn.execute(insert(SUPPLIER), [_row(12, created_at=when)])
        stored = dict(conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.created_at)).all())
    assert (
        stored[_row(11)["id"]]
        == stored[_row(12)["id"]]
        == datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
    )


def test_a_time_shared_by_some_rows_and_not_others_is_stored_for_each_as_given(
    engine: Engine,
) -> None:
    now = datetime(2026, 12, 4, 9, 0, 1, 250000, tzinfo=UTC)
    later = datetime(2026, 12, 4, 9, 0, 2, tzinfo=UTC)
    when = (now, now, later, now)
    with engine.begin() as conn:
        insert_rows(conn, SUPPLIER, [_row(n, created_at=t) for n, t in enumerate(when, 5)])
    with engine.connect() as conn:
        stored = dict(conn.execute(select(SUPPLIER.c.id, SUPPLIER.c.created_at)).all())
    assert [stored[_row(n)["id"]].replace(tzinfo=UTC) for n in range(5, 9)] == list(when)  # type: ignore[index]


def test_a_lookup_of_more_codes_than_a_statement_holds_finds_every_stored_one(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        insert_rows(conn, SUPPLIER, [_row(n) for n in range(10, 13)])
    asked = [make_uscc(800 + n) for n in range(10, 13)] + [make_uscc(2000 + n) for n in range(600)]
    with engine.connect() as conn:
        found = SupplierStore(None).existing_usccs(conn, asked)  # type: ignore[arg-type]
    assert found == {make_uscc(800 + n): _row(n)["id"] for n in range(10, 13)}
