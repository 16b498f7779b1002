"""The finance API under load, next to a bare Litestar endpoint doing the same reads.

    .venv/bin/python bench/api_bench.py --database sqlite
    .venv/bin/python bench/api_bench.py --database postgresql \\
        --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench

Builds the schema with the migrations (production's indexes), seeds N suppliers as
``bench/list_bench.py`` does (sealed and blind-indexed), makes a finance API token, then
starts two servers, each one uvicorn worker in a process of its own, on the same database
with the same engine settings (:func:`portal.db.engine.make_engine`):

* **real**: ``portal serve`` (the whole site, every middleware and guard, the token checked);
* **bare**: a Litestar app defined here that does the same reads for the same request with
  nothing else: the supplier row(s), their accounts, contacts, invoicing profile, payment-hold
  row and open bank changes, account versions, decrypting with the bare AES-GCM primitive
  (``cryptography``'s ``AESGCM``), masking, and a JSON response; its token check is a
  comparison with the one token's digest held in memory.

One load generator (asyncio + httpx, ``--clients`` concurrent connections, a fixed number of
requests per round) drives both in interleaved rounds: real, bare, real, bare, ... Printed per
endpoint and server: requests/s and p50/p95/p99 in ms (the median round), and the ratio of
the real server's requests/s to the bare one's. Endpoints: one supplier by credit code
(``GET /api/v1/suppliers/{uscc}``) and a search by a name fragment of three characters
(``GET /api/v1/suppliers/?q=...``, 50 per page).

Load generator, both servers and the database share this machine's cores: read the ratio,
not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.list_bench import bench_database, seed_suppliers  # noqa: E402

BARE_APP = "bench.api_bench_bare:app"


@dataclass(frozen=True)
class Result:
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(url: str, folder: Path, n: int) -> tuple[str, list[str], list[str]]:
    """Schema, keys, N suppliers and a finance token; returns the token, credit codes to
    look up and name fragments to search for."""
    from crypto import Algorithm, Keyring
    from crypto.adapters.local import LocalKeyProvider, generate_key_file
    from portal.db.engine import make_engine
    from portal.db.keystore import SqlDataKeyStore
    from portal.db.migrate import upgrade
    from portal.db.sealing import Sealer
    from portal.db.supplier_store import SUPPLIER, SupplierStore
    from portal.domain.principal import Role
    from portal.identity.api_clients import create_client

    keys = folder / "keys"
    keys.mkdir(mode=0o700)
    generate_key_file(keys / "kek.key")
    engine = make_engine(url)
    upgrade(engine)
    keyring = Keyring.initialise(
        SqlDataKeyStore(engine), LocalKeyProvider.from_file(keys / "kek.key"),
        Algorithm.AES_256_GCM,
    )  # fmt: skip
    store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
    started = time.perf_counter()
    seed_suppliers(engine, store, n)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
        rows = conn.execute(select(SUPPLIER.c.uscc, SUPPLIER.c.name)).all()
    print(f"seeded {n:,} suppliers in {time.perf_counter() - started:.0f} s", flush=True)
    token = create_client(engine, "bench-finance", Role.FINANCE, can_reveal=False, now=_now())
    engine.dispose()
    rng = random.Random(5)
    usccs = [r.uscc for r in rng.sample(rows, 500)]
    fragments = []
    for r in rng.sample(rows, 500):
        start = rng.randrange(max(1, len(r.name) - 3))
        fragments.append(r.name[start : start + 3])
    return token, usccs, fragments


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def start_servers(
    url: str, folder: Path, token: str
) -> tuple[list[subprocess.Popen[bytes]], str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({
        "PYTHONPATH": str(ROOT), "OMP_THREAD_LIMIT": "1",
        "PORTAL_DATABASE_URL": url, "PORTAL_KEK_FILE": str(folder / "keys" / "kek.key"),
        "PORTAL_DATA_DIR": str(folder / "data"), "PORTAL_DEMO": "1",
        "PORTAL_SECURE_COOKIES": "0", "PORTAL_OCR_WORKER": "0",
        "PORTAL_OUTBOX_INTERVAL_SECONDS": "0", "PORTAL_VERIFY_IN_PROCESS_MINUTES": "0",
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_SESSION_SECRET": "api-bench-secret-that-is-long-enough-0123456789abcdef",
    })  # fmt: skip
    real_port, bare_port = free_port(), free_port()
    env["PORTAL_PUBLIC_URL"] = f"http://127.0.0.1:{real_port}"
    real = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "serve", "--port", str(real_port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    bare_env = {**env, "BENCH_TOKEN_SHA256": hashlib.sha256(token.encode()).hexdigest()}
    bare = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", BARE_APP, "--port", str(bare_port),
         "--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "75"],
        env=bare_env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return [real, bare], f"http://127.0.0.1:{real_port}", f"http://127.0.0.1:{bare_port}"


async def wait_up(base: str, headers: dict[str, str], probe: str) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        for _ in range(300):
            try:
                response = await client.get(probe)
            except httpx.TransportError:
                await asyncio.sleep(0.2)
                continue
            assert response.status_code == 200, (base, response.status_code, response.text[:300])
            return
    raise SystemExit(f"{base} did not start")


async def same_answers(real: str, bare: str, headers: dict[str, str], paths: list[str]) -> None:
    """The bare side must do the same work: the same JSON for the same request."""
    import httpx

    async with httpx.AsyncClient(headers=headers) as client:
        for path in paths:
            mine, theirs = [(await client.get(base + path)).json() for base in (real, bare)]
            if mine != theirs:
                raise SystemExit(f"real and bare answer {path} differently:\n{mine}\n{theirs}")


async def load(base: str, headers: dict[str, str], paths: list[str], clients: int) -> Result:
    """Send every path once, ``clients`` at a time, each client on its own connection."""
    import httpx

    queue = list(reversed(paths))
    latencies: list[float] = []
    errors = 0

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                errors += 1

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    pool = [
        httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60)
        for _ in range(clients)
    ]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(c) for c in pool))
        elapsed = time.perf_counter() - started
    finally:
        for c in pool:
            await c.aclose()
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return Result(len(paths) / elapsed, pct(0.50), pct(0.95), pct(0.99), errors)


def run(url: str, args: argparse.Namespace, folder: Path) -> None:
    token, usccs, fragments = prepare(url, folder, args.n)
    headers = {"Authorization": f"Bearer {token}"}
    processes, real, bare = start_servers(url, folder, token)
    rng = random.Random(9)
    endpoints = {
        "lookup by credit code": [
            f"/api/v1/suppliers/{rng.choice(usccs)}" for _ in range(args.requests)
        ],
        "search by name fragment (3 chars)": [
            f"/api/v1/suppliers/?q={rng.choice(fragments)}" for _ in range(args.requests // 4)
        ],
    }
    try:

        async def measure() -> dict[tuple[str, str], list[Result]]:
            for base in (real, bare):
                await wait_up(base, headers, f"/api/v1/suppliers/{usccs[0]}")
            await same_answers(
                real,
                bare,
                headers,
                [f"/api/v1/suppliers/{usccs[1]}", f"/api/v1/suppliers/?q={fragments[0]}"],
            )
            results: dict[tuple[str, str], list[Result]] = {}
            for name, paths in endpoints.items():
                for base in (real, bare):  # warm: statements cached, pools filled
                    await load(base, headers, paths[: args.clients * 4], args.clients)
                for _ in range(args.rounds):
                    for label, base in (("real", real), ("bare", bare)):
                        outcome = await load(base, headers, paths, args.clients)
                        results.setdefault((name, label), []).append(outcome)
            return results

        results = asyncio.run(measure())
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    print(
        f"\nfinance API, {args.database}, {args.n:,} suppliers, {args.clients} clients, "
        f"{args.rounds} interleaved rounds (median round shown)"
    )
    print(f"  {'endpoint':<36} {'server':<6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6}")  # fmt: skip
    for name in endpoints:
        rates = {}
        for label in ("real", "bare"):
            rounds = results[(name, label)]
            median = sorted(rounds, key=lambda r: r.rps)[len(rounds) // 2]
            rates[label] = [r.rps for r in rounds]
            print(
                f"  {name:<36} {label:<6} {median.rps:8.1f} {median.p50:8.1f} {median.p95:8.1f} "
                f"{median.p99:8.1f} {sum(r.errors for r in rounds):6d}"
            )
        ratios = [r / b for r, b in zip(rates["real"], rates["bare"], strict=True)]
        each = ", ".join(f"{x:.2f}" for x in ratios)
        print(f"  {name:<36} ratio real/bare per round: {each}; "
              f"median {statistics.median(ratios):.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench"
    )
    parser.add_argument("--n", type=int, default=20_000, help="suppliers to seed")
    parser.add_argument("--requests", type=int, default=2_000, help="lookups per round")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_database(args.database, args.pg_url, tmp) as url,
    ):
        (Path(tmp) / "data").mkdir()
        run(url, args, Path(tmp))


if __name__ == "__main__":
    main()
