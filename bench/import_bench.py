"""Import throughput and finance lookups, next to plain baselines.

    python bench/import_bench.py --n 100000 [--database URL]

Prints, for N generated suppliers (each with a bank account and a contact):
- our full import path (stream the CSV, validate, duplicate probes, encrypt,
  blind-index, insert into three tables) in rows/s, with encryption on and off;
- the same with the entity-resolution screen switched off (only here, to show what
  fuzzy duplicate screening costs; the product always screens);
- the plain baseline: a bare ``executemany`` INSERT of the same N rows, four
  columns, into one table of the same database;
- SQLite's own share of the full path: the rows the import wrote to its five
  tables, inserted again as ready tuples with bare ``executemany`` (no Python
  work at all), which is the floor any implementation of this data model pays;
- finance lookups by credit code through the store (decrypting) next to a bare
  ``SELECT`` by primary key on the same data.
"""

from __future__ import annotations

import argparse
import csv
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain.uscc_factory import make_uscc
from portal.importing.run import BATCH_SIZE, import_suppliers
from portal.onboarding import registration

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


class PlainCipher:
    """No encryption at all: the 'encryption off' comparison only."""

    def encrypt(self, plaintext: str, *, table: str, column: str, row_id: str) -> str:
        return plaintext

    def decrypt(self, token: str, *, table: str, column: str, row_id: str) -> str:
        return token

    def encrypt_bytes(self, plaintext: str, *, table: str, column: str, row_id: str) -> bytes:
        return plaintext.encode()

    def decrypt_bytes(self, token: bytes, *, table: str, column: str, row_id: str) -> str:
        return token.decode()


class PlainIndexer:
    def index(self, kind: str, value: str) -> str:
        return value

    def candidates(self, kind: str, value: str) -> list[str]:
        return [value]


def run_import(
    url: str, csv_path: Path, *, encrypted: bool, screen: bool = True
) -> tuple[float, SupplierStore]:
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    keyring = Keyring.initialise(
        SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
    )
    sealer = (
        Sealer(keyring.field_cipher(), keyring.blind_indexer())
        if encrypted
        else Sealer(PlainCipher(), PlainIndexer())  # type: ignore[arg-type]
    )
    store = SupplierStore(sealer)
    real_screen = registration.screen_batch
    if not screen:  # measure what entity resolution costs; production always screens
        registration.screen_batch = lambda conn, sealer, candidates, **kw: [[] for _ in candidates]
    try:
        start = time.perf_counter()
        report = import_suppliers(csv_path, engine=engine, store=store)
        elapsed = time.perf_counter() - start
    finally:
        registration.screen_batch = real_screen
    assert report.counts.get("created") == report.counts["rows"], report.counts
    return elapsed, store


def bare_insert(path: Path, n: int) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE plain (uscc TEXT PRIMARY KEY, name TEXT, account TEXT, phone TEXT)")
    rows = [
        (f"{i:018d}", f"测试{i:07d}科技有限公司", f"6222{i:015d}", f"13{i:09d}") for i in range(n)
    ]
    start = time.perf_counter()
    conn.executemany("INSERT INTO plain VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


FLOOR_TABLES = ("supplier", "bank_account", "contact", "dedup_key", "verification_schedule")


def write_floor(source: Path, target_url: str, batches: int) -> tuple[float, int]:
    """SQLite's own share: the rows the full import wrote (five tables, their indexes),
    read back as ready tuples and inserted into an empty copy of the schema with bare
    ``executemany``, one commit per batch. Returns seconds and index entries written."""
    engine = make_engine(target_url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    src = sqlite3.connect(source)
    data = {t: src.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in FLOOR_TABLES}
    indexes = {t: 1 + len(src.execute(f"PRAGMA index_list({t})").fetchall()) for t in FLOOR_TABLES}
    src.close()
    conn = sqlite3.connect(target_url.removeprefix("sqlite:///"))
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536"):
        conn.execute(f"PRAGMA {pragma}")
    statements = {
        t: f"INSERT INTO {t} VALUES ({', '.join('?' * len(rows[0]))})"
        for t, rows in data.items()
        if rows
    }
    start = time.perf_counter()
    for b in range(batches):
        for table, sql in statements.items():
            rows = data[table]
            step = -(-len(rows) // batches)
            conn.executemany(sql, rows[b * step : (b + 1) * step])
        conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    entries = sum(len(rows) * indexes[t] for t, rows in data.items())
    return elapsed, entries


def lookups(url: str, store: SupplierStore, codes: list[str], k: int) -> tuple[float, float]:
    engine = make_engine(url)
    sample = random.Random(3).sample(codes, k)
    with engine.connect() as conn:
        start = time.perf_counter()
        for code in sample:
            assert store.get_by_uscc(conn, code) is not None
        ours = k / (time.perf_counter() - start)
        raw = conn.connection.driver_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        start = time.perf_counter()
        for code in sample:
            cursor.execute("SELECT * FROM supplier WHERE uscc = ?", (code,))
            assert cursor.fetchone() is not None
        bare = k / (time.perf_counter() - start)
    return ours, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    csv_path = folder / "suppliers.csv"
    codes = generate(csv_path, args.n)
    size = csv_path.stat().st_size / 1e6
    print(f"{args.n} generated suppliers, CSV {size:.1f} MB, SQLite in {folder}")
    enc_url = f"sqlite:///{folder / 'enc.db'}"
    t_enc, store = run_import(enc_url, csv_path, encrypted=True)
    t_plain, _ = run_import(f"sqlite:///{folder / 'plain.db'}", csv_path, encrypted=False)
    t_noscreen, _ = run_import(
        f"sqlite:///{folder / 'noscreen.db'}", csv_path, encrypted=True, screen=False
    )
    t_bare = bare_insert(folder / "bare.db", args.n)
    batches = -(-args.n // BATCH_SIZE)
    t_floor, entries = write_floor(folder / "enc.db", f"sqlite:///{folder / 'floor.db'}", batches)
    r_enc, r_plain, r_bare = args.n / t_enc, args.n / t_plain, args.n / t_bare
    r_noscreen, r_floor = args.n / t_noscreen, args.n / t_floor
    print(f"{'path':<58} {'rows/s':>10} {'vs bare':>8}")
    for label, rate in (
        ("bare executemany INSERT, 4 columns, 1 table (baseline)", r_bare),
        ("  SQLite alone, our rows: 5 tables, bare executemany", r_floor),
        ("full import, encryption OFF", r_plain),
        ("full import, encryption ON (AES-256-GCM + blind indexes)", r_enc),
        ("  same, entity-resolution screen switched off (bench only)", r_noscreen),
    ):
        print(f"{label:<58} {rate:>10,.0f} {rate / r_bare:>8.3f}")
    print(f"encryption on/off: {r_enc / r_plain:.2f} (goal >= 0.7); full path goal: 10,000 rows/s")
    print(
        f"SQLite alone writes {entries / args.n:.1f} index entries per supplier "
        f"({entries:,} in all): {t_floor / args.n * 1e6:.0f} us/supplier of the "
        f"{t_enc / args.n * 1e6:.0f} us the full path takes"
    )
    ours, bare = lookups(enc_url, store, codes, args.lookups)
    print(
        f"finance lookup by USCC: store (3 tables, decrypt) {ours:,.0f}/s; "
        f"bare SELECT {bare:,.0f}/s; ratio {ours / bare:.3f}"
    )


if __name__ == "__main__":
    main()
