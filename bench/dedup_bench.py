"""Duplicate screening at scale: one record against N stored, and a full sweep.

    .venv/bin/python bench/dedup_bench.py --n 100000
    .venv/bin/python bench/dedup_bench.py --n 1000000 --reuse   # keep the generated file

Generates N suppliers (realistic names, one account, one contact, legal
representative and address each) into a SQLite file under /tmp with
executemany (through SupplierStore's row builder, so values are sealed and
blind-indexed as in production), files them under their blocking keys, plants
duplicates of every kind, then prints:

* screening time per record (median, p95), overall and per planted kind;
* precision and recall on the planted set, next to a naive baseline that only
  finds an equal credit code or an equal (normalised) name;
* the time of a full sweep (every supplier screened against the others).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SUPPLIER, RowBatch, SupplierStore
from portal.dedup import keys_of_row, screen_one, sweep
from portal.dedup.tables import KEY
from portal.domain import names
from portal.domain.findings import Finding, finding
from portal.domain.supplier import Supplier
from tests.support.suppliers import (
    KINDS,
    Planted,
    SupplierFactory,
    evaluate,
    plant_all,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)
CHUNK = 10_000
POOL = 20_000


def build(engine: Engine, store: SupplierStore, factory: SupplierFactory, n: int) -> list[Supplier]:
    """Insert n suppliers and their keys; return a pool of them to plant duplicates of."""
    pool: list[Supplier] = []
    started = time.perf_counter()
    for start in range(0, n, CHUNK):
        suppliers = list(factory.suppliers(min(CHUNK, n - start)))
        if len(pool) < POOL:
            pool += suppliers[: POOL - len(pool)]
        batch = RowBatch()
        keys: list[dict[str, str]] = []
        for s in suppliers:
            sid = store.add_to_batch(batch, s, NOW)
            keys += [
                {"key": k, "supplier_id": sid}
                for k in keys_of_row(s.name, s.aliases, s.legal_representative, s.address)
            ]
        with engine.begin() as conn:
            store.insert_batch(conn, batch)
            conn.execute(insert(KEY), keys)
        done = start + len(suppliers)
        if done % 100_000 == 0 or done == n:
            print(f"  generated {done:>9,} in {time.perf_counter() - started:6.1f} s", flush=True)
    return pool


def baseline(engine: Engine, candidate: Supplier) -> list[Finding]:
    """Naive duplicate check: equal credit code or equal normalised name."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(SUPPLIER.c.id).where(
                (SUPPLIER.c.uscc == candidate.uscc)
                | (SUPPLIER.c.name == names.normalise(candidate.name))
            )
        ).all()
    return [finding("duplicate.uscc", "uscc", evidence={"existing_id": r.id}) for r in rows]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--negatives", type=int, default=200)
    parser.add_argument("--db", help="SQLite file (default /tmp/dedup_bench_<n>.db)")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing generated file")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--sweep-batch", type=int, default=1000)
    parser.add_argument(
        "--sweep-batches", type=int, help="stop the sweep after N batches and extrapolate"
    )
    args = parser.parse_args()

    path = Path(args.db or f"/tmp/dedup_bench_{args.n}.db")
    reuse = args.reuse and path.exists()
    if not reuse:
        path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    kek = InMemoryKeyProvider(kek=b"dedup-bench-kek-32-bytes-long!!!")
    keyring = (
        Keyring.load(SqlDataKeyStore(engine), kek)
        if reuse
        else Keyring.initialise(SqlDataKeyStore(engine), kek, Algorithm.AES_256_GCM)
    )
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    factory = SupplierFactory(2026)
    print(f"dedup bench: {args.n:,} suppliers in {path}")
    if reuse:
        # the same seed makes the same suppliers: replay them so fresh names stay fresh
        pool = [s for i, s in enumerate(factory.suppliers(args.n)) if i < POOL]
    else:
        pool = build(engine, store, factory, args.n)
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(SUPPLIER))
        keys = conn.scalar(select(func.count()).select_from(KEY))
    print(f"  stored {stored:,} suppliers, {keys:,} blocking keys")

    planted: list[Planted] = plant_all(
        factory, pool, per_kind=args.per_kind, negatives=args.negatives
    )
    timings: dict[str, list[float]] = {}
    found: list[list[Finding]] = []
    with engine.connect() as conn:
        screen_one(conn, store.sealer, planted[0].candidate)  # warm the caches
        for p in planted:
            t0 = time.perf_counter()
            found.append(screen_one(conn, store.sealer, p.candidate))
            timings.setdefault(p.kind, []).append((time.perf_counter() - t0) * 1000)
    every = [t for ts in timings.values() for t in ts]
    print(
        f"\nscreen one record against {stored:,} (ms): median {statistics.median(every):.2f}, "
        f"p95 {percentile(every, 0.95):.2f}, max {max(every):.2f}  [goal < 50 ms]"
    )
    for kind in (*KINDS, "negative"):
        ts = timings.get(kind, [])
        if ts:
            print(
                f"  {kind:<18} median {statistics.median(ts):6.2f}  p95 {percentile(ts, 0.95):6.2f}"
            )

    scores = evaluate(planted, found)
    naive = evaluate(planted, [baseline(engine, p.candidate) for p in planted])
    print(
        f"\nplanted {len(planted) - args.negatives} duplicates ({args.per_kind} per kind) "
        f"+ {args.negatives} negatives"
    )
    print(f"  {'':<18} {'screening':>10} {'baseline':>10}")
    print(f"  {'precision':<18} {scores.precision:>10.3f} {naive.precision:>10.3f}")
    print(f"  {'recall':<18} {scores.recall:>10.3f} {naive.recall:>10.3f}")
    for kind in KINDS:
        print(
            f"  recall {kind:<11} {scores.recall_by_kind.get(kind, 0):>10.3f} "
            f"{naive.recall_by_kind.get(kind, 0):>10.3f}"
        )
    print(f"  findings {scores.findings}, false positives {scores.false_positives}")

    if not args.no_sweep:
        t0 = time.perf_counter()
        progress = sweep(engine, batch_size=args.sweep_batch, max_batches=args.sweep_batches)
        elapsed = time.perf_counter() - t0
        if not progress.finished:
            print(
                f"\nsweep stopped after {progress.screened:,} (resumable): "
                f"{progress.screened / elapsed:,.0f}/s, whole base ~ "
                f"{(stored or 0) / (progress.screened / elapsed) / 60:.1f} min"
            )
        print(
            f"\nsweep: {progress.screened:,} suppliers in {elapsed:.1f} s "
            f"({progress.screened / elapsed:,.0f}/s), {progress.new_pairs:,} pairs found"
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
