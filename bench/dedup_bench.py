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

``--sweep`` measures the nightly sweep instead: the planted duplicates (but the
equal-credit-code kind, which the unique index keeps out; the legacy kind is
stored with a credit code carrying its original's organisation code) are stored
in a copy of the generated file (``..._sweep.db``, kept for ``--reuse``), then
the bulk sweep runs over all of it and prints suppliers/s, total time, and
precision/recall of the pairs it keeps on the planted set; next to it, the
per-record sweep's rate over its first ``--baseline-batches`` batches.

    .venv/bin/python bench/dedup_bench.py --n 1000000 --reuse --sweep
    .venv/bin/python bench/dedup_bench.py --n 100000 --reuse --sweep --pg-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, delete, func, or_, select, text
from sqlmodel import SQLModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import portal.db.all_tables  # noqa: F401
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.bulk import insert_rows
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import BANK, CONTACT, INVOICING, SUPPLIER, RowBatch, SupplierStore
from portal.dedup import index_suppliers, key_rows, screen_one, sweep, sweep_per_record
from portal.dedup.tables import JOB, KEY, PAIR
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

SWEEP_KINDS = tuple(k for k in KINDS if k != "uscc")

NOW = datetime(2026, 11, 27, tzinfo=UTC)
LOAD_CHUNK = 50_000
POOL = 20_000
#: the tables the seed writes, whose secondary indexes are built after the load
SEEDED = (SUPPLIER, BANK, CONTACT, INVOICING, KEY)


def build(engine: Engine, store: SupplierStore, factory: SupplierFactory, n: int) -> list[Supplier]:
    """Insert n suppliers and their keys; return a pool of them to plant duplicates of.

    The rows are built as in production (sealed, blind-indexed) and written as ready
    tuples (``insert_rows``: SQLite ``executemany``, PostgreSQL ``COPY``), LOAD_CHUNK
    suppliers a transaction, on one connection, with the secondary indexes of the
    written tables dropped during the load and built once after it (on SQLite, also
    without syncing to disk: a file lost mid-seed is seeded again). A seed, not a use
    case: no audit entries, as before.
    """
    pool: list[Supplier] = []
    started, cpu = time.perf_counter(), time.process_time()
    indexes = [ix for table in SEEDED for ix in sorted(table.indexes, key=lambda ix: str(ix.name))]
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB while loading
            conn.commit()
        with conn.begin():
            for ix in indexes:
                ix.drop(conn, checkfirst=True)

        def write(batch: RowBatch, keys: list[dict[str, str]]) -> None:
            with conn.begin():
                store.insert_batch(conn, batch)
                insert_rows(conn, KEY, keys)

        # one writer thread: the driver releases the GIL while the database works, so the
        # next chunk is built while this one is written (the connection is used by one
        # thread at a time: the writer's result is awaited before the next write)
        with ThreadPoolExecutor(max_workers=1) as writer:
            pending: Future[None] | None = None
            for start in range(0, n, LOAD_CHUNK):
                suppliers = list(factory.suppliers(min(LOAD_CHUNK, n - start)))
                if len(pool) < POOL:
                    pool += suppliers[: POOL - len(pool)]
                batch = RowBatch()
                keys: list[dict[str, str]] = []
                for s in suppliers:
                    sid = store.add_to_batch(batch, s, NOW)
                    keys += key_rows(sid, s.name, s.aliases, s.legal_representative, s.address)
                if pending is not None:
                    pending.result()
                pending = writer.submit(write, batch, keys)
                done = start + len(suppliers)
                if done % 100_000 == 0 or done == n:
                    print(
                        f"  generated {done:>9,} in {time.perf_counter() - started:6.1f} s "
                        f"(CPU {time.process_time() - cpu:6.1f} s, "
                        f"load {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
            if pending is not None:
                pending.result()
        indexed = time.perf_counter()
        with conn.begin():
            for ix in indexes:
                ix.create(conn)
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    print(
        f"  indexes built in {time.perf_counter() - indexed:.1f} s; seeded in "
        f"{time.perf_counter() - started:.1f} s (CPU {time.process_time() - cpu:.1f} s)",
        flush=True,
    )
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


def storable(planted: list[Planted]) -> list[Planted]:
    """The planted duplicates a base can hold, each with a fixed id (see the docstring)."""
    kept: list[Planted] = []
    for i, p in enumerate(planted):
        if p.kind == "uscc":
            continue
        candidate = p.candidate
        if p.kind == "legacy":  # the legacy number's organisation code, in a code of its own
            org = (candidate.legacy_tax_number or "")[6:15]
            candidate = replace(candidate, uscc=f"91310000{org}Y")
        sid = str(uuid.uuid5(uuid.NAMESPACE_OID, f"planted-{i}"))
        kept.append(replace(p, candidate=replace(candidate, id=sid)))
    return kept


def store_planted(engine: Engine, store: SupplierStore, planted: list[Planted]) -> None:
    with engine.connect() as conn:
        if conn.scalar(select(SUPPLIER.c.id).where(SUPPLIER.c.id == planted[0].candidate.id)):
            return  # stored by an earlier run
    batch = RowBatch()
    ids = [store.add_to_batch(batch, p.candidate, NOW) for p in planted]
    with engine.begin() as conn:
        store.insert_batch(conn, batch)
        index_suppliers(conn, ids)


def sweep_findings(engine: Engine, planted: list[Planted]) -> list[list[Finding]]:
    """The kept pairs of each planted supplier, as findings pointing at the other one."""
    ids = {p.candidate.id: i for i, p in enumerate(planted)}
    found: list[list[Finding]] = [[] for _ in planted]
    with engine.connect() as conn:
        rows = conn.execute(
            select(PAIR.c.a_id, PAIR.c.b_id, PAIR.c.code).where(
                or_(PAIR.c.a_id.in_(list(ids)), PAIR.c.b_id.in_(list(ids)))
            )
        )
        for a, b, code in rows:
            for mine, other in ((a, b), (b, a)):
                if mine in ids:
                    found[ids[mine]].append(finding(code, "name", evidence={"existing_id": other}))
    return found


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_sweep(engine: Engine, planted: list[Planted], args: argparse.Namespace) -> None:
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(SUPPLIER)) or 0
    load = os.getloadavg()
    print(f"\nsweep over {stored:,} suppliers; load average {load[0]:.1f} {load[1]:.1f}")
    started, cpu = time.perf_counter(), time.process_time()

    def show(progress: object) -> None:
        screened = getattr(progress, "screened", 0)
        if getattr(progress, "batches", 0) % 1 == 0:
            elapsed = time.perf_counter() - started
            print(
                f"  screened {screened:>9,} in {elapsed:6.1f} s "
                f"(CPU {time.process_time() - cpu:6.1f} s, load {os.getloadavg()[0]:.1f})",
                flush=True,
            )

    progress = sweep(engine, batch_size=args.sweep_batch, on_batch=show)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    load = os.getloadavg()
    scores = evaluate(planted, sweep_findings(engine, planted))
    with engine.connect() as conn:
        pairs = conn.scalar(select(func.count()).select_from(PAIR)) or 0
    print(
        f"bulk sweep: {progress.screened:,} suppliers in {elapsed:.1f} s "
        f"({progress.screened / elapsed:,.0f}/s, {elapsed / 60:.1f} min), "
        f"{pairs:,} pair rows, peak RSS {peak_mb():,.0f} MB"
    )
    print(
        f"  process CPU (user+sys) {cpu:.1f} s ({cpu / 60:.1f} min); load average at the end "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        f"  planted {len(planted) - args.negatives} ({', '.join(SWEEP_KINDS)}) "
        f"+ {args.negatives} negatives: precision {scores.precision:.3f}, "
        f"recall {scores.recall:.3f}, findings {scores.findings}, "
        f"false positives {scores.false_positives}"
    )
    for kind in SWEEP_KINDS:
        print(f"  recall {kind:<18} {scores.recall_by_kind.get(kind, 0):.3f}")
    if args.baseline_batches:
        t0 = time.perf_counter()
        base = sweep_per_record(engine, batch_size=1000, max_batches=args.baseline_batches)
        rate = base.screened / (time.perf_counter() - t0)
        print(
            f"per-record sweep (baseline): {base.screened:,} in its first "
            f"{args.baseline_batches} batches at {rate:,.0f}/s, whole base ~ "
            f"{stored / rate / 60:.1f} min; bulk / per-record speed "
            f"{progress.screened / elapsed / rate:.1f}x"
        )
        with engine.begin() as conn:  # the baseline's half-done pairs are not the result
            conn.execute(delete(PAIR))
            conn.execute(delete(JOB))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--negatives", type=int, default=200)
    parser.add_argument("--db", help="SQLite file (default /tmp/dedup_bench_<n>.db)")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing generated file")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--sweep-batch", type=int, default=20_000, help="suppliers per sweep batch")
    parser.add_argument(
        "--sweep-batches", type=int, help="stop the sweep after N batches and extrapolate"
    )
    parser.add_argument("--sweep", action="store_true", help="measure the bulk sweep")
    parser.add_argument("--baseline-batches", type=int, default=5)
    parser.add_argument("--pg-url", help="run --sweep on this PostgreSQL database instead")
    args = parser.parse_args()

    path = Path(args.db or f"/tmp/dedup_bench_{args.n}.db")
    if args.pg_url:
        engine = make_engine(args.pg_url)
        with engine.connect() as conn:
            reuse = args.reuse and bool(conn.scalar(text("SELECT to_regclass('supplier')")))
        if not reuse:
            SQLModel.metadata.drop_all(engine)
    else:
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
    if args.sweep:
        return sweep_mode(engine, path, args, storable(planted))
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


def sweep_mode(engine: Engine, path: Path, args: argparse.Namespace, planted: list[Planted]) -> int:
    """Store the planted duplicates (in a copy of a SQLite base, kept for ``--reuse``;
    in the PostgreSQL database itself), then sweep."""
    if not args.pg_url:
        engine.dispose()
        copy = path.with_name(path.stem + "_sweep.db")
        if not (args.reuse and copy.exists()):
            shutil.copyfile(path, copy)
        engine = make_engine(f"sqlite:///{copy}")
    keyring = Keyring.load(
        SqlDataKeyStore(engine), InMemoryKeyProvider(kek=b"dedup-bench-kek-32-bytes-long!!!")
    )
    store_planted(
        engine, SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer())), planted
    )
    run_sweep(engine, planted, args)
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
