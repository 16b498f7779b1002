"""The import's fast paths store exactly what the plain paths store.

Three shortcuts make the import cheap: ``COPY`` instead of ``INSERT`` on PostgreSQL
(:mod:`portal.db.bulk`), the new suppliers' feed state taken from the batch instead of
read back (:func:`portal.onboarding.registration.register_suppliers`), and rows of a
re-imported file told unchanged from blind indexes instead of compared one by one
(:func:`portal.importing.changes.unchanged_rows`). The same files are imported twice
into two databases sharing one set of keys, once with the shortcuts and once without;
every table must then hold the same rows (ciphertexts compared once decrypted: their
nonces differ) and the reports the same words.
"""

from __future__ import annotations

import csv
import itertools
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlmodel import SQLModel

from crypto import Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.audit.log import AuditContext, AuditLog
from portal.changes.deps import ChangeDeps
from portal.db import bulk, supplier_store
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.db.tables import DataKeyRow, table_of
from portal.domain.principal import Role
from portal.domain.uscc_factory import make_uscc
from portal.importing import run
from portal.importing.audited import ImportDeps, import_supplier_list
from portal.importing.changes import ImportChangeProposer
from portal.importing.run import ImportReport
from portal.onboarding import registration
from tests.conftest import pg_schema_url
from tests.support.personas import staff_member

CLERK = staff_member("li.na", Role.PURCHASING_CLERK, "李娜")
CTX = AuditContext(actor="li.na", actor_role="purchasing_clerk")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
_TOKEN = re.compile(r"v\d+:[A-Z0-9]+GCM:\d+:")
HEADER = [
    *("统一社会信用代码", "供应商名称", "法定代表人", "开户行", "银行账号", "户名", "联系电话"),
    *("发票抬头", "税号", "开票电话", "开票账号"),
]


def _file(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def _row(n: int, name: str, account: str, phone: str = "", invoice_phone: str = "") -> list[str]:
    invoicing = [name, make_uscc(n), invoice_phone, account] if invoice_phone else [""] * 4
    return [make_uscc(n), name, "张三", "招商银行上海分行", account, name, phone, *invoicing]


SEED = [  # on file before the import
    _row(1, "上海甲安科技有限公司", "6222020000000001", "13800000001"),
    _row(2, "北京乙丰贸易有限公司", "6222020000000002", "13800000002"),
    _row(3, "广州戊达物流有限公司", "6222020000000003", "13800000003", "020-88880003"),
    _row(4, "成都己源食品有限公司", "6222020000000004", "13800000004", "028-88880004"),
]
ROWS = [
    _row(11, "深圳丙信电子有限公司", "6222020000000011", "13800000011"),  # new
    _row(12, "杭州丁泰机械有限公司", "6222020000000012"),  # new, no phone
    _row(11, "深圳丙信电子有限公司", "6222020000000099"),  # repeats row 2's credit code
    ["91X", "无效代码有限公司", "张三", "", "", "", ""],  # invalid
    _row(1, "上海甲安科技有限公司", "6222020000000001", "13800000001"),  # on file, same
    _row(2, "北京乙丰贸易有限公司", "6222020000000077", "13800000002"),  # on file, new account
    _row(13, "上海甲安科技有限公司", "6222020000000001", "13800000013"),  # like a stored one
    _row(3, "广州戊达物流有限公司", "6222020000000003", "13800000003", "020-88880003"),  # same
    _row(4, "成都己源食品有限公司", "6222020000000004", "13800000004", "028-99990004"),  # new
]


@pytest.fixture
def second_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/plain.db"
        return
    with pg_schema_url() as url:
        yield url


def _import(engine: Engine, store: SupplierStore, path: Path) -> ImportReport:
    audit = AuditLog(store.sealer)
    changes = ChangeDeps(engine=engine, suppliers=store, audit=audit, clock=lambda: NOW)
    return import_supplier_list(
        ImportDeps(engine, store, audit, clock=lambda: NOW),
        CTX,
        CLERK,
        path,
        propose_changes=ImportChangeProposer(changes, CLERK, CTX),
    )


def _plain_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch the three shortcuts off (the paths they replace)."""
    monkeypatch.setattr(bulk, "_uses_copy", lambda conn: False)
    announce = registration._announce

    def read_back(*args: Any, **kwargs: Any) -> None:
        announce(*args, **{**kwargs, "known": ()})

    monkeypatch.setattr(registration, "_announce", read_back)
    monkeypatch.setattr(run, "unchanged_rows", lambda conn, sealer, rows: [False] * len(rows))


def _counted_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row ids from a counter, so both databases hold the same ids."""
    counter = itertools.count(1)
    monkeypatch.setattr(
        supplier_store, "new_id", lambda: f"00000000-0000-7000-8000-{next(counter):012d}"
    )
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(counter)))


def _contents(engine: Engine, sealer: Sealer) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, ciphertexts opened (bound to table, column and row id)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = [
                tuple(
                    _opened(sealer, table.name, str(row.get("id", "")), c, v)
                    for c, v in row.items()
                )
                for row in conn.execute(select(table)).mappings()
            ]
            tables[table.name] = sorted(rows, key=repr)
    return tables


def _opened(sealer: Sealer, table: str, rid: str, column: str, value: Any) -> Any:
    """A ciphertext's clear value (its nonce differs each time); other values as they are."""
    if isinstance(value, bytes) or (isinstance(value, str) and _TOKEN.match(value)):
        opened = sealer.open(table, column.removesuffix("_enc"), rid, value)
        return opened.value if opened.error is None else "<sealed elsewhere>"
    return value


def _words(report: ImportReport) -> list[dict[str, Any]]:
    """The counts, then every row listed, as the report says them."""
    return [dict(report.counts), *(r.as_dict() for r in report.rows)]


def test_the_fast_paths_store_what_the_plain_paths_store(
    engine: Engine,
    keyring: Keyring,
    key_provider: InMemoryKeyProvider,
    second_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed, rows = _file(tmp_path / "seed.csv", SEED), _file(tmp_path / "名单.csv", ROWS)
    plain_engine = make_engine(second_url)
    SQLModel.metadata.create_all(plain_engine)
    keys = table_of(DataKeyRow)
    with engine.connect() as conn, plain_engine.begin() as plain:
        plain.execute(insert(keys), [dict(r) for r in conn.execute(select(keys)).mappings()])
    plain_keys = Keyring.load(SqlDataKeyStore(plain_engine), key_provider)
    fast = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    plain = SupplierStore(Sealer(plain_keys.field_cipher(), plain_keys.blind_indexer()))
    reports: dict[str, list[list[dict[str, Any]]]] = {}
    for name, target, store in (("fast", engine, fast), ("plain", plain_engine, plain)):
        with monkeypatch.context() as patch:
            _counted_ids(patch)
            if name == "plain":
                _plain_paths(patch)
            reports[name] = [_words(_import(target, store, f)) for f in (seed, rows, rows)]
    assert reports["fast"] == reports["plain"]
    listed = [[(r["row"], r["status"]) for r in report[1:]] for report in reports["fast"][1:]]
    both = [(4, "rejected"), (5, "rejected"), (7, "change_requested")]
    assert listed == [
        [*both, (8, "created"), (10, "change_requested")],
        [*both, (10, "change_requested")],
    ]
    assert [report[0] for report in reports["fast"][1:]] == [
        {"created": 3, "unchanged": 2, "change_requested": 2, "rejected": 2, "rows": 9},
        {"unchanged": 5, "change_requested": 2, "rejected": 2, "rows": 9},
    ]
    assert _contents(engine, fast.sealer) == _contents(plain_engine, plain.sealer)
    plain_engine.dispose()
