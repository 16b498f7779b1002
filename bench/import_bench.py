"""Import throughput against its floor, on SQLite or PostgreSQL, with peak memory.

    python bench/import_bench.py --database sqlite|postgresql --n 20000 [--rounds 2]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--lookups 2000]

For N generated suppliers (each with a bank account and a contact), in one run:
- **full path**: the import as the CLI runs it (``import_supplier_list``: stream the
  CSV, validate, screen for duplicates, encrypt, blind-index, write the five tables,
  schedule, feed events, audit entries, a change proposer for known suppliers), rows/s;
- **re-import**: the same file again over the rows it stored (every row unchanged),
  rows/s, on the same database;
- **floor**: every row the full path wrote per supplier (supplier, bank_account,
  contact, dedup_key, verification_schedule, and since the ERP feed and the account
  history also feed_event and account_version), read back as ready tuples and written
  into an empty copy of the schema (its indexes, triggers and the name-search index as
  shipped), foreign keys as shipped, one transaction per batch of the import's size:
  SQLite ``executemany``, PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``,
  ``write_row``). No Python work at all: what any implementation of this data model
  pays. The ratio full/floor is the figure to watch. The floor of the first five tables
  only (what sessions 2-7 measured against, before the feed and the account history
  wrote rows per supplier) is printed beside it;
- peak RSS of the process after the import and after the re-import (before the floor
  loads its tuples), so two runs at different N show whether memory grows with the file;
- finance lookups by credit code through the store next to a bare ``SELECT``.

With ``--rounds R`` the full import and the floor alternate R times (fresh databases
each round) and the medians are printed: absolute figures drift on a shared machine,
ratios much less. PostgreSQL databases ``<name>_full`` and ``<name>_floor`` (``<name>``
from ``--pg-url``) are dropped and created for each round.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.audit.log import AuditContext, AuditLog
from portal.changes.deps import ChangeDeps
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Principal, Role
from portal.domain.uscc_factory import make_uscc
from portal.importing.audited import ImportDeps, import_supplier_list
from portal.importing.changes import ImportChangeProposer
from portal.importing.run import BATCH_SIZE

HEADER = [
    "统一社会信用代码",
    "供应商名称",
    "法定代表人",
    "开户行",
    "银行账号",
    "户名",
    "联系人",
    "联系电话",
]
TRADE_CHARS = list(
    "华安达信恒泰瑞丰盛鑫源宏博德海天正新嘉利祥泽旭晨卓越锦鸿荣昌兴隆金银星光明辉阳春秋云峰川江河湖山"
    "林森松柏兰竹梅菊龙凤鹏鹰骏驰腾飞翔远航启创智慧睿思哲诚和合众联通汇聚融邦业成佳美优品尚雅致精益"
    "顺福康寿宁静平昊宇宙坤乾朗晶铭铸钢铁石"
)
INDUSTRIES = (
    *("科技", "贸易", "电子", "机械", "包装", "物流", "建材", "食品", "化工", "纺织"),
    *("医疗器械", "软件", "新材料", "环保", "印务", "汽车配件", "五金", "光电", "仪表"),
)
CITIES = ("上海", "北京", "深圳", "广州", "杭州", "苏州", "成都", "武汉", "南京", "宁波", "")
#: Every table the import writes a row (or rows) per supplier in, in foreign-key order.
FLOOR_TABLES = (
    *("supplier", "bank_account", "contact", "dedup_key", "verification_schedule"),
    *("account_version", "feed_event"),
)
#: The floor of sessions 2-7 (before feed events and account versions were written).
FIVE_TABLES = FLOOR_TABLES[:5]


def company_name(rng: random.Random) -> str:
    trade = "".join(rng.choice(TRADE_CHARS) for _ in range(rng.choice((2, 3, 3, 4))))
    return f"{rng.choice(CITIES)}{trade}{rng.choice(INDUSTRIES)}有限公司"


def generate(path: Path, n: int, seed: int = 7) -> list[str]:
    """Realistic, distinct suppliers (names from a pool, so a few are alike by chance)."""
    rng = random.Random(seed)
    codes: list[str] = []
    seen: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        while len(codes) < n:
            code = make_uscc(rng)
            if code in seen:
                continue
            seen.add(code)
            codes.append(code)
            name = company_name(rng)
            account = "6222" + "".join(rng.choice("0123456789") for _ in range(15))
            phone = f"13{rng.randrange(10**9):09d}"
            writer.writerow([code, name, "张三", "招商银行上海分行", account, name, "李四", phone])
    return codes


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Target:
    """A fresh database pair (full path, floor) of one kind, for one round."""

    def __init__(self, kind: str, folder: Path, pg_url: str, round_no: int) -> None:
        self.kind = kind
        if kind == "sqlite":
            self.full = f"sqlite:///{folder / f'full{round_no}.db'}"
            self.floor = f"sqlite:///{folder / f'floor{round_no}.db'}"
            self.floor5 = f"sqlite:///{folder / f'floor5-{round_no}.db'}"
            return
        base = make_url(pg_url)
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        urls = []
        with admin.connect() as conn:
            for suffix in ("full", "floor", "floor5"):
                name = f"{base.database}_{suffix}"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                urls.append(base.set(database=name).render_as_string(hide_password=False))
        admin.dispose()
        self.full, self.floor, self.floor5 = urls


def import_once(engine: Engine, csv_path: Path, store: SupplierStore) -> dict[str, int]:
    audit = AuditLog(store.sealer)
    changes = ChangeDeps(engine=engine, suppliers=store, audit=audit)
    principal = Principal("import:bench", Role.PURCHASING_CLERK, "import")
    ctx = AuditContext.cli("import")
    report = import_supplier_list(
        ImportDeps(engine, store, audit),
        ctx,
        principal,
        csv_path,
        propose_changes=ImportChangeProposer(changes, principal, ctx),
    )
    return report.counts


def open_store(engine: Engine) -> SupplierStore:
    SQLModel.metadata.create_all(engine)
    keyring = Keyring.initialise(
        SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
    )
    return SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))


class Clock:
    """Wall time, this process's CPU time and the load average over one timed step."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0
        self.load = 0.0

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.load = os.getloadavg()[0]


def timed_import(engine: Engine, csv_path: Path, store: SupplierStore) -> tuple[Clock, Any]:
    with Clock() as clock:
        counts = import_once(engine, csv_path, store)
    return clock, counts


def ready_tuples(url: str) -> tuple[dict[str, list[str]], dict[str, dict[str, list[Any]]]]:
    """Column names and rows of the five tables, rows grouped by supplier id."""
    engine = make_engine(url)
    columns: dict[str, list[str]] = {}
    grouped: dict[str, dict[str, list[Any]]] = {}
    with engine.connect() as conn:
        for table in FLOOR_TABLES:
            result = conn.execute(text(f"SELECT * FROM {table}"))
            columns[table] = list(result.keys())
            owner = columns[table].index("id" if table == "supplier" else "supplier_id")
            rows: dict[str, list[Any]] = {}
            for row in result:
                rows.setdefault(row[owner], []).append(tuple(row))
            grouped[table] = rows
    engine.dispose()
    return columns, grouped


def _batches(
    grouped: dict[str, dict[str, list[Any]]], size: int, tables: tuple[str, ...]
) -> Iterator[dict[str, list[Any]]]:
    ids = sorted(grouped["supplier"])
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        yield {t: [r for sid in chunk for r in grouped[t].get(sid, ())] for t in tables}


def write_floor(
    kind: str,
    url: str,
    columns: dict[str, list[str]],
    grouped: dict[str, dict[str, list[Any]]],
    tables: tuple[str, ...] = FLOOR_TABLES,
) -> Clock:
    """Time to write the ready tuples of ``tables``, a transaction per import batch."""
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    batches = list(_batches(grouped, BATCH_SIZE, tables))  # built before the clock starts
    if kind == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "")
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("PRAGMA cache_size=-65536")
        sql = {t: f"INSERT INTO {t} VALUES ({', '.join('?' * len(columns[t]))})" for t in columns}
        with Clock() as clock:
            for batch in batches:
                for table in tables:
                    conn.executemany(sql[table], batch[table])
                conn.commit()
        conn.close()
        return clock
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as pg:
        copy_sql = {
            t: f"COPY {t} ({', '.join(chr(34) + c + chr(34) for c in columns[t])}) FROM STDIN"
            for t in columns
        }
        with Clock() as clock:
            for batch in batches:
                with pg.cursor() as cursor:
                    for table in tables:
                        with cursor.copy(copy_sql[table]) as copy:
                            for row in batch[table]:
                                copy.write_row(row)
                pg.commit()
        return clock


def index_entries(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in FLOOR_TABLES
        }
        if engine.dialect.name == "sqlite":
            per = {
                t: 1 + len(conn.execute(text(f"PRAGMA index_list({t})")).all())
                for t in FLOOR_TABLES
            }
        else:
            per = {  # pg_indexes lists the primary key's index too
                t: int(
                    conn.execute(
                        text("SELECT count(*) FROM pg_indexes WHERE tablename = :t"), {"t": t}
                    ).scalar()
                    or 0
                )
                for t in FLOOR_TABLES
            }
    engine.dispose()
    return sum(counts[t] * per[t] for t in FLOOR_TABLES)


def lookups(engine: Engine, store: SupplierStore, codes: list[str], k: int) -> tuple[float, float]:
    sample = random.Random(3).sample(codes, min(k, len(codes)))
    with engine.connect() as conn:
        start = time.perf_counter()
        for code in sample:
            assert store.get_by_uscc(conn, code) is not None
        ours = len(sample) / (time.perf_counter() - start)
        start = time.perf_counter()
        for code in sample:
            row = conn.exec_driver_sql(
                "SELECT * FROM supplier WHERE uscc = "
                + ("?" if engine.dialect.name == "sqlite" else "%(u)s"),
                (code,) if engine.dialect.name == "sqlite" else {"u": code},
            ).first()
            assert row is not None
        bare = len(sample) / (time.perf_counter() - start)
    return ours, bare


@contextmanager
def engine_at(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/import_bench"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    csv_path = folder / "suppliers.csv"
    codes = generate(csv_path, args.n)
    print(
        f"{args.n} generated suppliers, CSV {csv_path.stat().st_size / 1e6:.1f} MB, "
        f"{args.database}, {args.rounds} round(s), batch {BATCH_SIZE}"
    )
    full: list[float] = []
    again: list[float] = []
    floor: list[float] = []
    floor5: list[float] = []
    cpu: list[tuple[float, float, float]] = []  # CPU seconds of this process per side
    rss: list[tuple[float, float]] = []
    for round_no in range(args.rounds):
        target = Target(args.database, folder, args.pg_url, round_no)
        with engine_at(target.full) as engine:
            store = open_store(engine)
            t_full, counts = timed_import(engine, csv_path, store)
            assert counts.get("created") == args.n, counts
            rss_first = peak_rss_mb()
            t_again, counts = timed_import(engine, csv_path, store)
            assert counts.get("unchanged") == args.n, counts
            rss_again = peak_rss_mb()
            if round_no == args.rounds - 1:
                ours, bare = lookups(engine, store, codes, args.lookups)
        columns, grouped = ready_tuples(target.full)
        t_floor = write_floor(args.database, target.floor, columns, grouped)
        t_floor5 = write_floor(args.database, target.floor5, columns, grouped, FIVE_TABLES)
        floor5.append(args.n / t_floor5.wall)
        del columns, grouped
        full.append(args.n / t_full.wall)
        again.append(args.n / t_again.wall)
        floor.append(args.n / t_floor.wall)
        cpu.append((t_full.cpu, t_again.cpu, t_floor.cpu))
        rss.append((rss_first, rss_again))
        print(
            f"round {round_no + 1}: full {full[-1]:,.0f} rows/s (load {t_full.load:.1f}), "
            f"re-import {again[-1]:,.0f} (load {t_again.load:.1f}), "
            f"floor {floor[-1]:,.0f} (load {t_floor.load:.1f}), "
            f"full/floor {full[-1] / floor[-1]:.3f} (five tables: {floor5[-1]:,.0f}, "
            f"{full[-1] / floor5[-1]:.3f}); CPU s of this process: full "
            f"{t_full.cpu:.1f} of {t_full.wall:.1f} wall, re-import {t_again.cpu:.1f} of "
            f"{t_again.wall:.1f}, floor {t_floor.cpu:.1f} of {t_floor.wall:.1f}"
        )
    r_full, r_again, r_floor = (statistics.median(x) for x in (full, again, floor))
    c_full, c_again, c_floor = (statistics.median(c[i] for c in cpu) for i in range(3))
    floor_name = "executemany" if args.database == "sqlite" else "COPY"
    entries = index_entries(target.full)
    print(f"{'measure (median of rounds)':<62} {'rows/s':>10} {'vs floor':>9} {'CPU us/row':>11}")
    for label, rate, spent in (
        (f"floor: 7 tables as ready tuples, {floor_name}, FKs as shipped", r_floor, c_floor),
        ("full import path (import_supplier_list, encryption, screening)", r_full, c_full),
        ("re-import of the same file over the stored rows (unchanged)", r_again, c_again),
    ):
        print(f"{label:<62} {rate:>10,.0f} {rate / r_floor:>9.3f} {spent / args.n * 1e6:>11.0f}")
    r_floor5 = statistics.median(floor5)
    print(
        f"{'(floor of the first 5 tables only, as in sessions 2-7)':<62} {r_floor5:>10,.0f} "
        f"{'':>9} {'':>11}; full / it: {r_full / r_floor5:.3f}"
    )
    print(f"re-import / first import: {r_again / r_full:.2f} (goal >= 1.0)")
    if args.database == "sqlite":  # the database works in this process: CPU compares too
        print(f"full / floor by CPU time of this process: {c_floor / c_full:.3f}")
    else:
        print("CPU us/row: this process only (PostgreSQL's own work is in the server)")
    print(
        f"peak RSS after import {rss[0][0]:.0f} MB, after re-import {rss[0][1]:.0f} MB "
        f"(first round; compare runs at two N); load average now "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(
        f"{entries / args.n:.1f} index entries per supplier; floor "
        f"{1e6 / r_floor:.0f} us/supplier of the {1e6 / r_full:.0f} us the full path takes"
    )
    print(
        f"finance lookup by USCC: store (3 tables, decrypt) {ours:,.0f}/s; "
        f"bare SELECT {bare:,.0f}/s; ratio {ours / bare:.3f}"
    )


if __name__ == "__main__":
    main()
