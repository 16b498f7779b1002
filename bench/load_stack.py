"""Load test: one web instance against two, on one PostgreSQL, with locust.

    .venv/bin/python bench/load_stack.py --users 20 --seconds 60

Starts the stack as processes (``tests/deploy/stack.py``: two ``portal serve``, ``portal
worker``, PostgreSQL database of its own, Redis, an S3 store), seeds the demo suppliers,
makes a finance token and a clerk token with ``portal api-token create``, then runs the
scenario of ``bench/locust_portal.py`` twice with the same users and duration:

1. **baseline: one instance** (every request to instance A);
2. **two instances**, round-robin (A, B, A, B, ...), as a simple load balancer would.

Prints users, requests/s, p50/p95/p99 in ms and failures per endpoint, every error with its
count, and the two runs' ratio. ``portal serve`` keeps idle connections 75 s
(``--keep-alive-seconds``): with uvicorn's 5 s default, a locust user whose round-robin turn
left one instance's connection idle for more than 5 s had it closed under its next request
(``ConnectionResetError``, no answer). The login rate limit is raised for the run (every
user logs in once from 127.0.0.1).

Caveat: load generator, both instances, the worker, PostgreSQL and Redis share this
machine's cores; on a 2-core machine shared with other work, two instances cannot be twice
one: the numbers measure contention as much as the portal.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.deploy.conftest import run_portal  # noqa: E402
from tests.deploy.stack import running_stack  # noqa: E402

SEED = """
from portal.commands.common import collaborators_of, open_services
from portal.config import load_settings
from portal.demo.seed import seed_demo

services = open_services(load_settings())
seed_demo(services, wiring=collaborators_of(services).verification)
services.engine.dispose()
"""


def prepare(env: dict[str, str]) -> dict[str, str]:
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, capture_output=True, text=True)
    assert seeded.returncode == 0, seeded.stderr
    tokens = {}
    for name, role in (("load-finance", "finance"), ("load-clerk", "purchasing_clerk")):
        made = run_portal(["api-token", "create", name, "--role", role], env)
        assert made.returncode == 0, made.stderr
        tokens[role] = made.stdout.strip().splitlines()[-1]
    return tokens


def run_locust(
    hosts: list[str], tokens: dict[str, str], suppliers: list[list[str]], args: argparse.Namespace
) -> list[dict[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="portal-load-"))
    env = {
        **os.environ,
        "LOAD_HOSTS": ",".join(hosts),
        "LOAD_FINANCE_TOKEN": tokens["finance"],
        "LOAD_CLERK_TOKEN": tokens["purchasing_clerk"],
        "LOAD_SUPPLIERS": json.dumps(suppliers, ensure_ascii=False),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locust_portal.py"),
        "--headless", "--users", str(args.users), "--spawn-rate", str(args.users),
        "--run-time", f"{args.seconds}s", "--csv", str(folder / "run"), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "5",
    ]  # fmt: skip
    subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    with (folder / "run_stats.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (folder / "run_failures.csv").open(encoding="utf-8") as f:
        for failure in csv.DictReader(f):  # status 0: no answer (cut off, connection refused)
            rows.append({"failure": f"{failure['Method']} {failure['Name']}: "
                         f"{failure['Error']} x{failure['Occurrences']} "
                         f"at {failure['First Seen']}"})  # fmt: skip
    return rows


def show(label: str, rows: list[dict[str, str]], users: int, load: str) -> dict[str, str]:
    print(f"\n{label} ({users} users; machine load average before the run: {load})")
    print(f"{'endpoint':40} {'requests':>8} {'fails':>5} {'req/s':>7} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")  # fmt: skip
    total: dict[str, str] = {}
    failures = [row["failure"] for row in rows if "failure" in row]
    for row in rows:
        if "failure" in row:
            continue
        name = f"{row['Type']} {row['Name']}" if row["Name"] != "Aggregated" else "ALL (aggregated)"
        if row["Name"] == "Aggregated":
            total = row
        print(
            f"{name[:40]:40} {row['Request Count']:>8} {row['Failure Count']:>5} "
            f"{float(row['Requests/s']):7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    print(f"errors: {total.get('Failure Count', '?')} of {total.get('Request Count', '?')}")
    for failure in failures:  # status 0: no answer at all (reset, refused, cut off at stop)
        print(f"  error: {failure}")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--only", choices=("one", "two"), help="run only the one- or the two-instance pass"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="portal-load-stack-") as tmp,
        running_stack(
            Path(tmp), extra_env={"PORTAL_RATE_LOGIN": "100000/60"}, prepare=prepare
        ) as stack,
    ):
        finance = {"Authorization": f"Bearer {stack.prepared['finance']}"}
        items = httpx.get(
            f"{stack.a}/api/v1/suppliers/", params={"limit": 200}, headers=finance, timeout=60
        ).json()["items"]
        suppliers = [[s["uscc"], s["name"]] for s in items if s.get("bank_accounts")]
        print(f"{len(suppliers)} seeded suppliers with a bank account; cores: {os.cpu_count()}")
        runs = {}
        for label, hosts in (("one", [stack.a]), ("two", [stack.a, stack.b])):
            if args.only and args.only != label:
                continue
            title = "baseline: one instance" if label == "one" else "two instances, round-robin"
            load = f"{os.getloadavg()[0]:.1f}"
            runs[label] = show(
                title, run_locust(hosts, stack.prepared, suppliers, args), args.users, load
            )
        if len(runs) < 2:
            return 0
        one, two = runs["one"], runs["two"]
        ratio = float(two["Requests/s"]) / max(float(one["Requests/s"]), 1e-9)
        print(
            f"\ntwo instances / one: {ratio:.2f}x requests/s; p95 {one['95%']} -> {two['95%']} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
