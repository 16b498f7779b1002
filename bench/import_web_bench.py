"""The web import end to end, and the first verification of the suppliers it created.

    PYTHONPATH=. python bench/import_web_bench.py --n 5000 [--database URL]

Runs what a clerk's browser sets off, without the browser: ``upload_list`` (the file kept
encrypted), the check phase (a dry run by the job worker), ``confirm_import``, the import
phase, and the first verification phase with the demo registry and tax bureau (batches of
100 through the quota's token bucket). Prints each phase's seconds and rate, next to:

- baseline "monitoring only" (before this work): new suppliers were verified by the
  monitoring pass, ``PORTAL_VERIFY_BATCH_LIMIT`` (100) per pass, one pass an hour in
  ``portal worker``, each supplier costing 3 calls at ``PORTAL_VERIFY_CALLS_PER_MINUTE``
  (30): N * 3 / 30 minutes at best (the issue measured about 8 hours for 5,000);
- baseline "bare loop": ``verify_supplier_now`` called for each supplier in a plain loop
  (no job, no quota, no claim), on a second copy of the data: the floor of the
  verification itself.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlmodel import SQLModel

import portal.db.all_tables  # noqa: F401
from bench.import_bench import generate
from crypto import Algorithm, Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryKeyProvider
from portal.audit.log import AuditContext, AuditLog
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.sealing import Sealer
from portal.db.supplier_store import SUPPLIER, SupplierStore
from portal.domain.principal import Principal, Role
from portal.importing.jobs import ImportJobDeps, confirm_import, get_job, upload_list
from portal.importing.worker import FirstVerification, arun_next
from portal.verification.verify import VerificationDeps, verify_supplier_now
from portal.verification.wiring import VerificationSettings, VerificationWiring
from registry.adapters.demo import DemoBusinessRegistry
from tax_bureau.adapters.demo import DemoTaxBureau

CLERK = Principal("bench-clerk", Role.PURCHASING_CLERK, "Bench clerk")
CTX = AuditContext(actor="bench-clerk", actor_role="purchasing_clerk")


def _wiring() -> VerificationWiring:
    return VerificationWiring.fixed(
        DemoBusinessRegistry(), DemoTaxBureau(), VerificationSettings(mode="demo")
    )


def _deps(url: str, folder: Path) -> ImportJobDeps:
    engine = make_engine(url)
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    keyring = Keyring.initialise(
        SqlDataKeyStore(engine), InMemoryKeyProvider(), Algorithm.AES_256_GCM
    )
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    (folder / "blobs").mkdir(exist_ok=True)
    vault = keyring.document_vault(FilesystemBlobStorage(folder / "blobs"))
    return ImportJobDeps(engine, store, AuditLog(store.sealer), vault, batch_size=1000)


async def web_import(deps: ImportJobDeps, source: Path, verify: bool) -> dict[str, float]:
    times: dict[str, float] = {}
    verification = FirstVerification(_wiring()) if verify else None
    started = time.perf_counter()
    job, _ = upload_list(
        deps, CTX, CLERK, filename=source.name, content=source.read_bytes(), max_bytes=1 << 30
    )
    times["upload"] = time.perf_counter() - started
    at = time.perf_counter()
    await arun_next(deps, verification)
    times["check"] = time.perf_counter() - at
    confirm_import(deps, CTX, CLERK, job.id)
    at = time.perf_counter()
    await arun_next(deps, verification)
    times["import"] = time.perf_counter() - at
    times["to_import_end"] = time.perf_counter() - started
    at = time.perf_counter()
    if verify:
        await arun_next(deps, verification)
    times["verify"] = time.perf_counter() - at
    done = get_job(deps.engine, CLERK, job.id)
    assert done.state.value == "done", (done.state, done.error)
    times["verified"] = float(done.verify_done)
    times["created"] = float(done.latest_counts.get("outcome", {}).get("created", 0))
    return times


async def bare_loop(deps: ImportJobDeps, limit: int) -> tuple[float, int]:
    with deps.engine.connect() as conn:
        ids = list(conn.scalars(select(SUPPLIER.c.id).limit(limit)))
    wiring = _wiring()
    async with wiring.ports() as ports:
        vdeps = VerificationDeps(deps.suppliers, deps.audit, ports, wiring.settings)
        started = time.perf_counter()
        for sid in ids:
            await verify_supplier_now(deps.engine, vdeps, sid, now=deps.clock())
    return time.perf_counter() - started, len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--database", default=None, help="default: a SQLite file in a temp dir")
    parser.add_argument("--bare", type=int, default=500, help="suppliers in the bare loop")
    parser.add_argument("--no-verify", action="store_true", help="the import phases only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.database or f"sqlite:///{folder / 'bench.db'}"
        source = folder / "suppliers.csv"
        generate(source, args.n)
        deps = _deps(url, folder)
        times = asyncio.run(web_import(deps, source, not args.no_verify))
        print(
            f"web import of {args.n:,} rows ({url.split(':')[0]}), created {times['created']:,.0f}"
        )
        for phase in ("upload", "check", "import"):
            print(f"  {phase:<7} {times[phase]:8.1f} s  {args.n / times[phase]:9,.0f} rows/s")
        print(f"  upload to imported, end to end: {times['to_import_end']:.1f} s")
        if args.no_verify:
            return
        verify_rate = times["verified"] / times["verify"]
        print(
            f"  first verification of {times['verified']:,.0f} suppliers (demo sources): "
            f"{times['verify']:.1f} s = {times['verify'] / 60:.2f} min, {verify_rate:,.1f}/s"
        )
        quota_min = times["verified"] * 3 / 30
        passes_h = times["verified"] / 100
        print(
            f"  baseline monitoring only: {quota_min:,.0f} min of quota at 30 calls/min "
            f"({quota_min / 60:.1f} h), and {passes_h:,.0f} h at 100 per hourly pass"
        )
        seconds, count = asyncio.run(bare_loop(deps, args.bare))
        bare = count / seconds
        print(
            f"  baseline bare loop of verify_supplier_now: {count} in {seconds:.1f} s = "
            f"{bare:,.1f}/s (the job runs at {100 * verify_rate / bare:.0f}% of it)"
        )


if __name__ == "__main__":
    main()
