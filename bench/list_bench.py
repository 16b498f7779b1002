"""Staff list pages at 50,000 suppliers, next to a bare ``SELECT ... LIMIT 50``.

    .venv/bin/python bench/list_bench.py --n 50000 --db sqlite
    .venv/bin/python bench/list_bench.py --n 50000 --db postgresql \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/portal_lists

Builds the schema with the migrations (so the indexes are production's), seeds N suppliers
in bulk (``SupplierStore`` row builder + executemany: sealed and blind-indexed as in
production; a spread of states, validation and regions), N/2 open change requests (a
tenth with a risk flag, ages up to 60 days), N/2 likely-duplicate pairs and N audit
entries, then renders every staff list page through the real app (Litestar ``TestClient``,
every middleware and guard) as staff:

* first page, a filtered page, a search by account number (blind index), page 500;

and prints p50/p95 in ms per page, next to the plain baseline: a bare
``SELECT * FROM <table> LIMIT 50`` on the same table and engine, without the app.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import portal.db.all_tables  # noqa: F401
from approvals import FieldChange
from bench.audit_bench import seed as seed_audit
from crypto import Algorithm, Keyring
from crypto.adapters.filesystem import FilesystemBlobStorage
from crypto.fakes import InMemoryKeyProvider
from portal.audit.log import AuditLog
from portal.bootstrap import Services, build_collaborators
from portal.changes import ChangeDeps
from portal.changes.records import DECISION, FIELD, REQUEST
from portal.config import load_settings
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.db.sealing import Sealer
from portal.db.supplier_store import RowBatch, SupplierStore
from portal.dedup.tables import PAIR
from portal.domain.principal import Principal
from portal.domain.supplier import LifecycleState
from portal.domain.uscc_factory import make_uscc
from portal.notifications.messages import RecordingNotifier
from portal.web.app import create_app
from portal.web.site import AREAS, Contribution
from tests.support.personas import STAFF
from tests.support.suppliers import SupplierFactory

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHUNK = 10_000
REGIONS = ("110108", "310115", "440300", "330106", "320505", "510107", "420106", "370202")
STATES = (
    (LifecycleState.ACTIVE, 0.8),
    (LifecycleState.PROSPECTIVE, 0.12),
    (LifecycleState.BLOCKED, 0.05),
    (LifecycleState.ARCHIVED, 0.03),
)


def seed_suppliers(engine: Engine, store: SupplierStore, n: int) -> tuple[list[str], str]:
    """N suppliers in bulk; returns their ids and one account number to search for."""
    factory, rng = SupplierFactory(2026), random.Random(13)
    ids: list[str] = []
    probe = ""
    states, weights = zip(*STATES, strict=True)
    for start in range(0, n, CHUNK):
        batch = RowBatch()
        for supplier in factory.suppliers(min(CHUNK, n - start)):
            supplier = dataclasses.replace(
                supplier,
                uscc=make_uscc(rng, region=rng.choice(REGIONS)),
                lifecycle_state=rng.choices(states, weights)[0],
                validated=rng.random() < 0.7,
            )
            ids.append(store.add_to_batch(batch, supplier, NOW - timedelta(minutes=len(ids))))
            if len(ids) == n // 3:
                probe = supplier.bank_accounts[0].account_number
        with engine.begin() as conn:
            store.insert_batch(conn, batch)
    return ids, probe


def seed_requests(engine: Engine, ids: list[str], n: int) -> None:
    """N open change requests (address changes), a tenth with a risk flag."""
    rng = random.Random(7)
    flag = json.dumps(
        [{"code": "changes.frequent", "message_en": "frequent", "message_zh": "频繁",
          "evidence": {}}], ensure_ascii=False,
    )  # fmt: skip
    for start in range(0, n, CHUNK):
        requests, fields, decisions = [], [], []
        for i in range(start, min(n, start + CHUNK)):
            rid, sid = str(uuid.UUID(int=10**9 + i)), rng.choice(ids)
            change = FieldChange("supplier", sid, "address", "旧地址", f"新地址{i}号")
            requests.append({
                "id": rid, "supplier_id": sid, "kind": "supplier_profile", "channel": "portal",
                "requested_by": f"u-s{i % 500}", "requester_role": "supplier",
                "requested_at": NOW - timedelta(minutes=rng.randrange(60 * 24 * 60)),
                "base_version": 1, "status": "pending", "touches_bank": False,
                "approvals_given": 0, "approvals_required": 1, "revision": 1, "findings": "[]",
                "risk_flags": flag if rng.random() < 0.1 else "[]",
                "submitted_at": NOW, "closed_at": None,
            })  # fmt: skip
            fields.append({
                "id": str(uuid.uuid4()), "request_id": rid, "position": 0, "entity": "supplier",
                "entity_id": sid, "field_name": "address", "sensitive": False,
                "before": change.before, "after": change.after,
            })  # fmt: skip
            decisions.append(
                {"request_id": rid, "position": 0, "field_key": change.key, "verdict": "pending"}
            )
        with engine.begin() as conn:
            conn.execute(insert(REQUEST), requests)
            conn.execute(insert(FIELD), fields)
            conn.execute(insert(DECISION), decisions)


def seed_pairs(engine: Engine, ids: list[str], n: int) -> None:
    """N likely-duplicate pairs, one or two reasons each."""
    rng = random.Random(11)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    while len(rows) < n:
        a, b = sorted(rng.sample(ids, 2))
        for code in rng.sample(("duplicate.name", "duplicate.bank_account", "duplicate.phone"), 2):
            rows[(a, b, code)] = {
                "a_id": a, "b_id": b, "code": code, "matched": code.split(".")[1],
                "score": round(rng.random(), 3), "evidence": "{}", "found_at": NOW,
            }  # fmt: skip
    values = list(rows.values())
    with engine.begin() as conn:
        for start in range(0, len(values), CHUNK):
            conn.execute(insert(PAIR), values[start : start + CHUNK])


def build_app(engine: Engine, keyring: Keyring, store: SupplierStore, data_dir: Path) -> Any:
    """The whole site as ``build_site`` composes it; staff log in by an ``x-bench-user``
    header instead of OIDC (every guard and middleware is the real one)."""
    settings = load_settings({
        "PORTAL_DATA_DIR": str(data_dir), "PORTAL_SECURE_COOKIES": "0", "PORTAL_DEMO": "1",
        "PORTAL_PUBLIC_URL": "http://testserver.local",
        "PORTAL_SESSION_SECRET": "list-bench-secret-that-is-long-enough-0123456789abcdef",
    })  # fmt: skip
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    services = Services(
        settings=settings, engine=engine, keyring=keyring, sealer=store.sealer, suppliers=store,
        documents=keyring.document_vault(FilesystemBlobStorage(settings.documents_dir)),
    )  # fmt: skip
    deps = ChangeDeps(
        engine=engine, suppliers=store, audit=AuditLog(store.sealer),
        notifier=RecordingNotifier(), clock=lambda: NOW,
    )  # fmt: skip
    collaborators = build_collaborators(services, changes=deps)
    merged = Contribution()
    for spec in AREAS:
        module, _, name = spec.partition(":")
        part = getattr(__import__(module, fromlist=[name]), name)(collaborators)
        merged.route_handlers += part.route_handlers
        merged.resolvers += part.resolvers
        merged.middleware += part.middleware
        merged.state.update(part.state)

    def bench_user(connection: Any) -> Principal | None:
        return STAFF.get(connection.headers.get("x-bench-user", ""))

    return create_app(
        collaborators, route_handlers=merged.route_handlers,
        resolvers=[bench_user, *merged.resolvers], middleware=merged.middleware,
        state=merged.state,
    )  # fmt: skip


@contextmanager
def bench_database(database: str, pg_url: str, folder: str | Path) -> Iterator[str]:
    """The URL of an empty database for one run: a SQLite file in ``folder``, or a
    PostgreSQL schema of its own (dropped afterwards)."""
    if database == "sqlite":
        yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def timed(action: Callable[[], object], rounds: int) -> tuple[float, float]:
    action()  # warm: templates compiled, statements cached
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def run(engine: Engine, args: argparse.Namespace, data_dir: Path) -> None:
    from litestar.testing import TestClient

    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    upgrade(engine)
    kek = InMemoryKeyProvider(kek=b"list-bench-kek-32-bytes-long!!!!")
    keyring = Keyring.initialise(SqlDataKeyStore(engine), kek, Algorithm.AES_256_GCM)
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    ids, account = seed_suppliers(engine, store, args.n)
    seed_requests(engine, ids, args.n // 2)
    seed_pairs(engine, ids, args.n // 2)
    seed_audit(engine, 1, args.n, "sha256:" + "0" * 64)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    took = time.perf_counter() - started
    half = args.n // 2
    print(f"{args.db}: seeded {args.n:,} suppliers, {half:,} open requests, {half:,} pairs, "
          f"{args.n:,} audit entries in {took:.0f} s")  # fmt: skip
    pages = {
        "supplier list": ("supplier", "alice", [
            ("first page", "/staff/suppliers"),
            ("filtered: blocked, Shanghai, validated",
             "/staff/suppliers?state=blocked&region=31&validated=yes"),
            ("filtered: open request with risk flag", "/staff/suppliers?risky=1"),
            ("search: name part", "/staff/suppliers?q=科技"),
            ("search: account number", f"/staff/suppliers?q={account}"),
            ("page 500", "/staff/suppliers?page=500"),
        ]),
        "approval queue": ("change_request", "alice", [
            ("first page", "/staff/"),
            ("filtered: risk flag, pending > 30 days", "/staff/?risky=1&pending_days=30"),
            ("search: account number", f"/staff/?q={account}"),
            ("page 500", "/staff/?page=500"),
        ]),
        "duplicate pairs": ("duplicate_pair", "alice", [
            ("first page", "/staff/duplicates"),
            ("filtered: reason", "/staff/duplicates?code=duplicate.phone"),
            ("search: account number", f"/staff/duplicates?q={account}"),
            ("page 500", "/staff/duplicates?page=500"),
        ]),
        "audit log": ("audit_entry", "auditor", [
            ("first page", "/staff/audit/"),
            ("filtered: act and dates",
             "/staff/audit/?action=field.changed&since=2025-01-01&until=2025-01-02"),
            ("search: supplier by account number", f"/staff/audit/?supplier={account}"),
            ("page 500", "/staff/audit/?page=500"),
        ]),
    }  # fmt: skip
    app = build_app(engine, keyring, store, data_dir)
    worst = 0.0
    with TestClient(app, base_url="http://testserver.local") as client:
        for title, (table, who, urls) in pages.items():

            def bare(table: str = table) -> None:
                with engine.connect() as conn:
                    conn.execute(text(f"SELECT * FROM {table} LIMIT 50")).all()

            b50, b95 = timed(bare, args.rounds)
            print(f"\n{title} ({args.db}, {args.n:,} suppliers)")
            print(f"  {'page':<44} {'p50 ms':>8} {'p95 ms':>8}   rows shown / total")
            print(f"  {'bare SELECT * FROM ' + table + ' LIMIT 50':<44} {b50:8.1f} {b95:8.1f}")
            for label, url in urls:
                headers = {"x-bench-user": who}
                response = client.get(url, headers=headers)
                assert response.status_code == 200, (url, response.status_code, response.text[:300])
                total = response.text.split('data-total="', 1)[-1].split('"', 1)[0]
                shown = response.text.count("<tr data-") or response.text.count('class="not-same"')
                p50, p95 = timed(lambda u=url, h=headers: client.get(u, headers=h), args.rounds)
                worst = max(worst, p95)
                total = total if total.isdigit() else "0"
                print(f"  {label:<44} {p50:8.1f} {p95:8.1f}   {shown} / {total}")
    print(f"\nworst p95 of any list page: {worst:.1f} ms (goal < 300 ms)")


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
