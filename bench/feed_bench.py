"""Change-feed read throughput: ``GET /api/v1/events`` next to the bare SELECT it wraps.

    .venv/bin/python bench/feed_bench.py --n 100000 --db sqlite
    .venv/bin/python bench/feed_bench.py --n 100000 --db postgresql \
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/portal_feed

Creates 20 suppliers through the real write path, then copies their events (the masked
after-state of a supplier with a bank account and a contact, about 1.6 kB of JSON each) to
N rows of ``feed_event`` with sequence numbers 1..N, and reads all N from ``after=0`` in
pages of ``--limit``:

- baseline ``bare SELECT``: ``SELECT * FROM feed_event WHERE seq > ? ORDER BY seq LIMIT ?``,
  rows fetched into Python, nothing else;
- ``use case``: :func:`portal.feed.read_events` (the rows turned into event dictionaries);
- ``GET /api/v1/events``: the whole app in process (Litestar ``TestClient``: bearer-token
  lookup, guards, the idempotency and security middleware, JSON encoding and parsing).

Prints events/s of each and the ratio to the baseline.

``--writes N`` measures instead what the feed costs the write path: N suppliers (bank
account and contact each) registered in batches of 500 through ``register_suppliers``,
next to the same with the feed's recording switched off (baseline ``without the feed``).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, select, text
from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryKeyProvider
from portal.bootstrap import Services, build_collaborators
from portal.config import load_settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore
from portal.domain.principal import Role
from portal.domain.supplier import BankAccount, Contact, Supplier
from portal.domain.uscc_factory import make_uscc
from portal.feed import EVENT, read_events
from portal.identity.api_clients import create_client
from portal.onboarding.registration import register_suppliers
from tests.support.personas import STAFF


def seed(engine: Engine, store: SupplierStore, n: int) -> None:
    """20 real suppliers and events, copied to ``n`` rows (seq 1..n)."""
    candidates = [
        (i, Supplier(
            uscc=make_uscc(9000 + i), name=f"深圳示例{i}号电子科技有限公司",
            address="深圳市南山区科技园",
            bank_accounts=(BankAccount(bank_name="招商银行深圳分行",
                                       account_number=f"62148300{i:08d}",
                                       holder_name=f"深圳示例{i}号电子科技有限公司"),),
            contacts=(Contact(name="黄经理", phone=f"1380000{i:04d}", email=f"h{i}@example.cn"),),
        ), [])
        for i in range(20)
    ]  # fmt: skip
    register_suppliers(engine, store, candidates, now=datetime.now(UTC))
    with engine.begin() as conn:
        templates = [dict(r._mapping) for r in conn.execute(select(EVENT).order_by(EVENT.c.seq))]
        conn.execute(text("DELETE FROM feed_event"))
        batch: list[dict[str, Any]] = []
        for seq in range(1, n + 1):
            row = templates[seq % len(templates)] | {"seq": seq, "id": str(uuid.uuid4())}
            batch.append(row)
            if len(batch) == 5000:
                conn.execute(insert(EVENT), batch)
                batch = []
        if batch:
            conn.execute(insert(EVENT), batch)
        conn.execute(text("UPDATE feed_head SET seq = :n"), {"n": n})


def timed(label: str, n: int, read_all: Callable[[], int], baseline: float | None) -> float:
    started = time.perf_counter()
    got = read_all()
    seconds = time.perf_counter() - started
    assert got == n, (label, got, n)
    rate = n / seconds
    ratio = f"  ({baseline / rate:.1f}x the baseline's time)" if baseline else "  (baseline)"
    print(f"{label:28} {n:>8} events in {seconds:7.2f} s = {rate:>9,.0f} events/s{ratio}")
    return rate


def write_cost(n: int, folder: Path) -> None:
    """Registration rows/s with and without recording feed events."""
    import portal.onboarding.registration as registration

    pool = "华明达兴盛泰丰源鑫瑞恒昌宏远嘉信德永安祥福顺利和康隆新海金通天宇博創晨光"

    def name(k: int) -> str:  # distinct names, so the duplicate screen finds no pairs
        chars = "".join(pool[(k // len(pool) ** j) % len(pool)] for j in range(4))
        return f"佛山{chars}五金制品有限公司"

    def candidates(offset: int) -> list[tuple[int, Supplier, list[Any]]]:
        return [
            (i, Supplier(
                uscc=make_uscc(offset + i), name=name(i),
                bank_accounts=(BankAccount(bank_name="工商银行佛山分行",
                                           account_number=f"6222{offset + i:012d}",
                                           holder_name=name(i)),),
                contacts=(Contact(name="梁经理", phone=f"139{(offset + i) % 10**8:08d}"),),
            ), [])
            for i in range(n)
        ]  # fmt: skip

    def run(label: str, offset: int, baseline: float | None) -> float:
        engine = make_engine(f"sqlite:///{folder}/{label.replace(' ', '_')}.db")
        SQLModel.metadata.create_all(engine)
        keyring = Keyring.initialise(
            SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
        )
        store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
        rows = candidates(offset)
        started = time.perf_counter()
        for start in range(0, n, 500):
            register_suppliers(engine, store, rows[start : start + 500], now=datetime.now(UTC))
        rate = n / (time.perf_counter() - started)
        ratio = f"  ({baseline / rate:.2f}x the baseline's time)" if baseline else "  (baseline)"
        print(f"{label:28} {n:>8} suppliers: {rate:>9,.0f} rows/s{ratio}")
        engine.dispose()
        return rate

    real = registration.record_events
    registration.record_events = lambda *a, **k: []  # type: ignore[assignment]
    try:
        baseline = run("without the feed", 10_000_000, None)
    finally:
        registration.record_events = real
    run("with the feed", 20_000_000, baseline)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--writes", type=int, default=0, help="measure the write cost instead")
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/portal_feed"
    )
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="feed-bench-"))
    if args.writes:
        write_cost(args.writes, folder)
        return
    if args.db == "sqlite":
        url = f"sqlite:///{folder}/feed.db"
    else:
        admin = create_engine(
            args.pg_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
        )
        name = args.pg_url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.pg_url
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    keyring = Keyring.initialise(
        SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
    )
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    started = time.perf_counter()
    seed(engine, store, args.n)
    print(f"{args.db}: seeded {args.n} events in {time.perf_counter() - started:.1f} s; "
          f"pages of {args.limit}")  # fmt: skip

    def bare() -> int:
        count, after = 0, 0
        query = text("SELECT * FROM feed_event WHERE seq > :after ORDER BY seq LIMIT :limit")
        with engine.connect() as conn:
            while True:
                rows = conn.execute(query, {"after": after, "limit": args.limit}).all()
                if not rows:
                    return count
                count, after = count + len(rows), rows[-1].seq

    def use_case() -> int:
        count, after = 0, 0
        while True:
            page = read_events(
                engine, store.sealer, STAFF["finance"], after=after, limit=args.limit
            )
            if not page.events:
                return count
            count, after = count + len(page.events), page.next_after

    settings = load_settings({"PORTAL_DATA_DIR": str(folder), "PORTAL_SECURE_COOKIES": "0"})
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    services = Services(
        settings=settings, engine=engine, keyring=keyring, sealer=store.sealer, suppliers=store,
        documents=keyring.document_vault(FilesystemBlobStorage(settings.documents_dir)),
    )  # fmt: skip
    from litestar.testing import TestClient

    from portal.web.site import build_site

    token = create_client(
        engine, "bench-erp", Role.FINANCE, can_reveal=False, now=datetime.now(UTC)
    )
    app = build_site(build_collaborators(services), areas=())

    with TestClient(app) as client:

        def api() -> int:
            count, after = 0, 0
            headers = {"Authorization": f"Bearer {token}"}
            while True:
                answer = client.get("/api/v1/events", params={"after": after, "limit": args.limit},
                                    headers=headers)  # fmt: skip
                answer.raise_for_status()
                page = answer.json()
                if not page["events"]:
                    return count
                count, after = count + len(page["events"]), page["next_after"]

        baseline = timed("bare SELECT (baseline)", args.n, bare, None)
        timed("use case read_events", args.n, use_case, baseline)
        timed("GET /api/v1/events", args.n, api, baseline)
    engine.dispose()


if __name__ == "__main__":
    main()
