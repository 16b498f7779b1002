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
not the absolute numbers. What other work on the machine moves much less is the CPU time each
side spends per request, also printed (median round): the server process's user + system time
and, on PostgreSQL, that of its database sessions (found by ``application_name``), read from
``/proc`` before and after each round and polled during it (a session that closes mid-round
counts up to its last poll).

``--py-spy PATH`` records both servers with that sampling profiler during the measured rounds
(``--py-spy-dir``: one collapsed-stack file per endpoint and server, for flame graphs or grep).
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
from dataclasses import dataclass, replace
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
    cpu_ms: float = 0.0  # server process CPU per request
    db_cpu_ms: float = 0.0  # its PostgreSQL sessions' CPU per request


def cpu_seconds(pid: int) -> float | None:
    """User + system time of a live process (None once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds a server spends, and those of its PostgreSQL sessions, over one round."""

    def __init__(self, pid: int, app_name: str | None, admin_url: str | None) -> None:
        self.pid, self.app_name = pid, app_name
        self.admin = None
        if app_name and admin_url:
            from sqlalchemy import create_engine

            self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def backends(self) -> list[int]:
        if self.admin is None:
            return []
        with self.admin.connect() as conn:
            query = text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
            return list(conn.execute(query, {"name": self.app_name}).scalars())

    def poll(self, *, starting: bool = False) -> None:
        for pid in self.backends():
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue
            # a session opened during the round: all its time is this round's
            self.first.setdefault(pid, seconds if starting else 0.0)
            self.last[pid] = seconds

    async def measure(self, work: Any) -> tuple[Any, float, float]:
        """Run ``work`` (a coroutine); its result, server CPU s, database sessions' CPU s."""
        self.first, self.last = {}, {}
        self.poll(starting=True)
        server = cpu_seconds(self.pid) or 0.0
        task = asyncio.ensure_future(work)
        while not task.done():
            await asyncio.wait({task}, timeout=0.1)
            await asyncio.to_thread(self.poll)
        self.poll()
        server = (cpu_seconds(self.pid) or 0.0) - server
        db = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return task.result(), server, db

    def close(self) -> None:
        if self.admin is not None:
            self.admin.dispose()


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
        env={**env, "PORTAL_DATABASE_URL": named(url, "real")}, cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    bare_env = {
        **env, "PORTAL_DATABASE_URL": named(url, "bare"),
        "BENCH_TOKEN_SHA256": hashlib.sha256(token.encode()).hexdigest(),
    }  # fmt: skip
    bare = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", BARE_APP, "--port", str(bare_port),
         "--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "75"],
        env=bare_env, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return [real, bare], f"http://127.0.0.1:{real_port}", f"http://127.0.0.1:{bare_port}"


def named(url: str, side: str) -> str:
    """The URL with the side's name as the PostgreSQL ``application_name`` (which sessions
    are whose, for the CPU meter); a SQLite URL as it is."""
    if not url.startswith("postgresql"):
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name=api_bench_{side}"


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
    admin = args.pg_url if url.startswith("postgresql") else None
    meters = {
        real: CpuMeter(processes[0].pid, "api_bench_real", admin),
        bare: CpuMeter(processes[1].pid, "api_bench_bare", admin),
    }
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
                spies = profilers(args, name, {"real": processes[0].pid, "bare": processes[1].pid})
                for _ in range(args.rounds):
                    for label, base in (("real", real), ("bare", bare)):
                        outcome, cpu, db = await meters[base].measure(
                            load(base, headers, paths, args.clients)
                        )
                        outcome = replace(
                            outcome,
                            cpu_ms=cpu * 1000 / len(paths),
                            db_cpu_ms=db * 1000 / len(paths),
                        )
                        results.setdefault((name, label), []).append(outcome)
                for spy in spies:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=60)
            return results

        results = asyncio.run(measure())
    finally:
        for meter in meters.values():
            meter.close()
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    report(args, endpoints, results)


def profilers(
    args: argparse.Namespace, endpoint: str, pids: dict[str, int]
) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each server during one endpoint's measured rounds (when asked)."""
    if not args.py_spy:
        return []
    folder = Path(args.py_spy_dir)
    folder.mkdir(parents=True, exist_ok=True)
    slug = endpoint.split()[0]
    return [
        subprocess.Popen(
            [
                args.py_spy,
                "record",
                "--pid",
                str(pid),
                "--format",
                "raw",
                "--nonblocking",
                "--gil",
                "--rate",
                "200",
                "--output",
                str(folder / f"{args.database}-{slug}-{label}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for label, pid in pids.items()
    ]


def report(
    args: argparse.Namespace,
    endpoints: dict[str, list[str]],
    results: dict[tuple[str, str], list[Result]],
) -> None:
    print(
        f"\nfinance API, {args.database}, {args.n:,} suppliers, {args.clients} clients, "
        f"{args.rounds} interleaved rounds (median round shown; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    print(f"  {'endpoint':<36} {'server':<6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p99 ms':>8} {'errors':>6} {'CPU ms/req':>10} {'DB CPU':>7}")  # fmt: skip
    for name in endpoints:
        rates, cpus = {}, {}
        for label in ("real", "bare"):
            rounds = results[(name, label)]
            median = sorted(rounds, key=lambda r: r.rps)[len(rounds) // 2]
            rates[label] = [r.rps for r in rounds]
            cpus[label] = statistics.median(r.cpu_ms + r.db_cpu_ms for r in rounds)
            print(
                f"  {name:<36} {label:<6} {median.rps:8.1f} {median.p50:8.1f} {median.p95:8.1f} "
                f"{median.p99:8.1f} {sum(r.errors for r in rounds):6d} "
                f"{statistics.median(r.cpu_ms for r in rounds):10.2f} "
                f"{statistics.median(r.db_cpu_ms for r in rounds):7.2f}"
            )
        ratios = [r / b for r, b in zip(rates["real"], rates["bare"], strict=True)]
        each = ", ".join(f"{x:.2f}" for x in ratios)
        print(f"  {name:<36} ratio real/bare per round: {each}; "
              f"median {statistics.median(ratios):.2f}")  # fmt: skip
        print(f"  {name:<36} CPU per request (server + database) bare/real: "
              f"{cpus['bare'] / cpus['real']:.2f}")  # fmt: skip


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
    parser.add_argument("--py-spy", default=None, help="path of py-spy, to profile the servers")
    parser.add_argument("--py-spy-dir", default="artifacts/api_bench_profiles")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_database(args.database, args.pg_url, tmp) as url,
    ):
        (Path(tmp) / "data").mkdir()
        run(url, args, Path(tmp))


if __name__ == "__main__":
    main()
