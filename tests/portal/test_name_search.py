"""Searching suppliers by a fragment of their name through the trigram index finds exactly
what the plain scan of every name found: fragments of 1, 2 and 3+ characters, Chinese and
Latin, after new suppliers, renames and deletions, on databases built either way."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, func, select, text, update

from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.db.name_search import FTS
from portal.db.sealing import Sealer
from portal.db.supplier_store import (
    BANK,
    CONTACT,
    INVOICING,
    SUPPLIER,
    RowBatch,
    SupplierFilter,
    SupplierStore,
)
from portal.domain.uscc_factory import make_uscc
from tests.support.suppliers import SupplierFactory

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
NAMES = (
    "示例03科技有限公司", "上海科技发展有限公司", "北京京东世纪贸易有限公司", "京瓷办公",
    "ABC Trading Co., Ltd.", "abc trading", "Zhongshan 100% Foods", "A_B 咨询", "AxB 咨询",
    "深圳市腾讯计算机系统有限公司", "广州宇智服装股份有限公司",
)  # fmt: skip
FRAGMENTS = (
    "科", "A", "%", "_",  # one character: no trigram, the plain scan answers
    "科技", "京东", "ab", "Tr", "A_",  # two
    "科技有", "有限公司", "Trading", "trad", "TRADING", "100%", "A_B", "宇智服装股份", "不存在的",
)  # fmt: skip


def _add(engine: Engine, store: SupplierStore, names: tuple[str, ...]) -> None:
    factory, batch = SupplierFactory(7), RowBatch()
    for i, (name, supplier) in enumerate(zip(names, factory.suppliers(len(names)), strict=True)):
        supplier = dataclasses.replace(supplier, name=name, uscc=make_uscc(900 + i))
        store.add_to_batch(batch, supplier, NOW)
    with engine.begin() as conn:
        store.insert_batch(conn, batch)


def _plain_scan(conn: Connection, fragment: str) -> list[str]:
    """What the store answered before the index: ``LIKE '%fragment%'`` over every name."""
    pattern = "%" + fragment.replace("%", r"\%").replace("_", r"\_") + "%"
    query = select(SUPPLIER.c.name).where(SUPPLIER.c.name.like(pattern, escape="\\"))
    return list(conn.execute(query.order_by(SUPPLIER.c.name, SUPPLIER.c.id)).scalars())


def _assert_same_as_a_plain_scan(engine: Engine, store: SupplierStore) -> None:
    with engine.connect() as conn:
        for fragment in FRAGMENTS:
            found = store.page(conn, SupplierFilter(name_contains=fragment), after=None, limit=50)
            assert [s.name for s in found] == _plain_scan(conn, fragment), fragment


def test_fragments_find_what_the_plain_scan_found(engine: Engine, store: SupplierStore) -> None:
    _add(engine, store, NAMES)
    with engine.connect() as conn:
        assert _plain_scan(conn, "科技有") == ["示例03科技有限公司"]  # the data is as meant
    _assert_same_as_a_plain_scan(engine, store)


def test_renamed_and_deleted_suppliers_are_found_by_their_new_names_only(
    engine: Engine, store: SupplierStore
) -> None:
    _add(engine, store, NAMES)
    with engine.begin() as conn:
        conn.execute(
            update(SUPPLIER)
            .where(SUPPLIER.c.name == "京瓷办公")
            .values(name="京瓷办公信息系统（中国）有限公司")
        )
        gone = select(SUPPLIER.c.id).where(SUPPLIER.c.name == "abc trading").scalar_subquery()
        for child in (BANK, CONTACT, INVOICING):
            conn.execute(delete(child).where(child.c.supplier_id == gone))
        conn.execute(delete(SUPPLIER).where(SUPPLIER.c.name == "abc trading"))
    _assert_same_as_a_plain_scan(engine, store)
    with engine.connect() as conn:
        found = store.page(conn, SupplierFilter(name_contains="信息系统"), after=None, limit=5)
        assert [s.name for s in found] == ["京瓷办公信息系统（中国）有限公司"]


def test_the_migration_indexes_the_suppliers_already_stored(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0025")  # the revision before the name index
    keyring = Keyring.initialise(
        SqlDataKeyStore(empty_engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
    )
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    _add(empty_engine, store, NAMES)
    upgrade(empty_engine)
    _assert_same_as_a_plain_scan(empty_engine, store)
    with empty_engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            indexed = conn.execute(select(func.count()).select_from(FTS)).scalar_one()
            assert indexed == len(NAMES)
        else:
            definition = conn.execute(
                text(  # this test's schema: another process's test may hold one too
                    "SELECT indexdef FROM pg_indexes"
                    " WHERE indexname = 'ix_supplier_name_trgm' AND schemaname = current_schema()"
                )
            ).scalar_one()
            assert "gin_trgm_ops" in definition
