"""The evidence pages at N suppliers: one change request's approval page and one supplier's
360 page, next to a bare ``SELECT`` of that supplier's row.

    .venv/bin/python bench/evidence_bench.py --n 50000 --db sqlite
    .venv/bin/python bench/evidence_bench.py --n 50000 --db postgresql \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/portal_lists

Seeds as ``bench/list_bench.py`` does (suppliers, N/2 open requests, N/2 duplicate pairs,
N audit entries), then renders through the real app (every middleware and guard) as a
supervisor: the supplier 360 page of the supplier with the most requests and pairs, and
the approval page of one of its requests (the registry as the demo configures it). Prints
p50/p95 in ms per page.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.audit_bench import seed as seed_audit
from bench.list_bench import (
    bench_database,
    build_app,
    seed_pairs,
    seed_requests,
    seed_suppliers,
    timed,
)
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.changes.records import REQUEST
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore


def busiest(engine: Engine) -> tuple[str, str]:
    """The supplier with the most requests, and one of its requests."""
    with engine.connect() as conn:
        sid = conn.execute(
            select(REQUEST.c.supplier_id)
            .group_by(REQUEST.c.supplier_id)
            .order_by(func.count().desc(), REQUEST.c.supplier_id)
            .limit(1)
        ).scalar_one()
        rid = conn.execute(
            select(REQUEST.c.id).where(REQUEST.c.supplier_id == sid).limit(1)
        ).scalar_one()
    return sid, rid


def run(engine: Engine, args: argparse.Namespace, data_dir: Path) -> None:
    from litestar.testing import TestClient

    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    upgrade(engine)
    kek = InMemoryKeyProvider(kek=b"list-bench-kek-32-bytes-long!!!!")
    keyring = Keyring.initialise(SqlDataKeyStore(engine), kek, Algorithm.AES_256_GCM)
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    ids, _ = seed_suppliers(engine, store, args.n)
    seed_requests(engine, ids, args.n // 2)
    seed_pairs(engine, ids, args.n // 2)
    seed_audit(engine, 1, args.n, "sha256:" + "0" * 64)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    print(f"{args.db}: seeded {args.n:,} suppliers in {time.perf_counter() - started:.0f} s")
    sid, rid = busiest(engine)

    def bare() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM supplier WHERE id = :id"), {"id": sid}).all()

    app = build_app(engine, keyring, store, data_dir)
    headers = {"x-bench-user": "alice"}
    b50, b95 = timed(bare, args.rounds)
    print(f"\nevidence pages ({args.db}, {args.n:,} suppliers)")
    print(f"  {'page':<44} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"  {'bare SELECT * FROM supplier WHERE id = ?':<44} {b50:8.1f} {b95:8.1f}")
    with TestClient(app, base_url="http://testserver.local") as client:
        for label, url in (
            ("supplier 360 (busiest supplier)", f"/staff/suppliers/{sid}"),
            ("approval page (one of its requests)", f"/staff/changes/{rid}"),
        ):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])

            def render(url: str = url) -> object:
                return client.get(url, headers=headers)

            p50, p95 = timed(render, args.rounds)
            print(f"  {label:<44} {p50:8.1f} {p95:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/portal_lists"
    )
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.db, args.pg_url, tmp) as url:
        engine = make_engine(url)
        try:
            run(engine, args, Path(tmp) / "data")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
