"""Where the import's CPU time goes, per row and step (the Python floor of the full path).

    python bench/import_steps.py --database sqlite|postgresql --n 10000
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/import_steps]

Runs the full import of ``bench/import_bench.py`` once into a fresh database with each
step wrapped in a CPU-time meter (``time.process_time``: this process only, so a loaded
machine inflates it far less than wall time), and prints CPU us per row of each step,
the rest, and the total, with the load average. On SQLite the database's own work is in
this process (inside the write steps); on PostgreSQL it is in the server and not counted.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import import_bench as bench

import portal.db.supplier_store as supplier_store
import portal.importing.run as run
import portal.onboarding.registration as registration
from portal.db.engine import make_engine

spent: dict[str, float] = collections.defaultdict(float)
clock: Callable[[], float] = time.process_time  # --wall: time.perf_counter


def metered(function: Callable[..., Any], label: str) -> Callable[..., Any]:
    def step(*args: Any, **kwargs: Any) -> Any:
        start = clock()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += clock() - start

    return step


STEPS = (
    (run, "parse_supplier_draft", "parse and validate a row"),
    (registration, "_existing", "credit codes already on file (per batch)"),
    (registration, "screen_batch_matches", "screen: probes, blind indexes, blocking, compare"),
    (registration, "propose_filed_accounts", "account versions of the new accounts"),
    (registration, "file_new", "blocking keys: build and write"),
    (registration, "schedule_new", "verification schedule: write"),
    (registration, "remember_pairs", "likely duplicates filed as open pairs"),
    (registration, "_announce", "feed events: states, seal, write"),
    (run, "_unchanged", "re-import check (none on a first import)"),
    (run, "_screen_rejected", "rejected rows screened (none here)"),
)
STORE_STEPS = (
    ("add_to_batch", "rows: ids, seal, blind indexes"),
    ("insert_batch", "write supplier, account, contact, invoicing"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/import_steps"
    )
    parser.add_argument(
        "--wall",
        action="store_true",
        help="wall time per step instead of CPU time (PostgreSQL's own work then counts; "
        "the parsing overlaps the storing of the batch before, so the steps add up to more "
        "than the wall time)",
    )
    args = parser.parse_args()
    if args.wall:
        global clock
        clock = time.perf_counter
    for module, name, label in STEPS:
        setattr(module, name, metered(getattr(module, name), label))
    store_class = supplier_store.SupplierStore
    add, insert = store_class.add_to_batch, store_class.insert_batch
    store_class.add_to_batch = metered(add, STORE_STEPS[0][1])  # type: ignore[method-assign]
    store_class.insert_batch = staticmethod(metered(insert, STORE_STEPS[1][1]))  # type: ignore[method-assign]
    folder = Path(tempfile.mkdtemp(prefix="import-steps-"))
    csv_path = folder / "suppliers.csv"
    bench.generate(csv_path, args.n)
    target = bench.Target(args.database, folder, args.pg_url, 0)
    engine = make_engine(target.full)
    store = bench.open_store(engine)
    wall, cpu = time.perf_counter(), time.process_time()
    counts = bench.import_once(engine, csv_path, store)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    assert counts.get("created") == args.n, counts
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.database}, {args.n} rows: wall {wall:.1f} s, CPU {cpu:.1f} s, load {load}")
    unit, whole = ("wall us/row", wall) if args.wall else ("CPU us/row", cpu)
    print(f"{unit:>10} {'share':>6}  step")
    for label, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"{seconds / args.n * 1e6:>10.1f} {seconds / whole:>6.1%}  {label}")
    if args.wall:
        print(f"{wall / args.n * 1e6:>10.1f} {1:>6.1%}  the whole import, wall time")
        return
    rest = cpu - sum(spent.values())
    print(
        f"{rest / args.n * 1e6:>10.1f} {rest / cpu:>6.1%}  the rest: reading the CSV, report, audit"
    )
    print(f"{cpu / args.n * 1e6:>10.1f} {1:>6.1%}  all CPU of this process")


if __name__ == "__main__":
    main()
