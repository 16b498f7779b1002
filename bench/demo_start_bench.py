"""A browser test's demo start: ``portal demo`` in a new folder, next to ``portal demo`` in a
copy of a demo set up once (what ``tests/conftest.py``'s ``demo_template`` gives them).

    PYTHONPATH=. .venv/bin/python bench/demo_start_bench.py --rounds 3

Each round starts both, interleaved, until ``/healthz`` answers, and prints the wall time and
the server process's CPU time (user + system, read from ``/proc`` just before it is stopped)
with the load average: on a shared machine the wall time follows the load, the CPU time
much less.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system time of a live process and of its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}


def _start(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds until ``portal demo --dir folder`` answers ``/healthz``."""
    port = _free_port()
    started = time.monotonic()
    command = [sys.executable, "-m", "portal.cli", "demo", "--dir", str(folder)]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise SystemExit(f"portal demo exited with {process.returncode}")
            time.sleep(0.1)
        return time.monotonic() - started, _cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="demo-start-"))
    try:
        template = root / "template"
        subprocess.run(
            [sys.executable, "-m", "portal.cli", "demo", "--dir", str(template), "--no-serve"],
            env=_env(),
            check=True,
            capture_output=True,
        )
        fresh_cpu: list[float] = []
        copy_cpu: list[float] = []
        for round_ in range(args.rounds):
            fresh = _start(root / f"fresh-{round_}")
            copying = time.monotonic()
            shutil.copytree(template, root / f"copy-{round_}")
            copied_in = time.monotonic() - copying
            copy = _start(root / f"copy-{round_}")
            fresh_cpu.append(fresh[1])
            copy_cpu.append(copy[1])
            print(
                f"round {round_}: new folder {fresh[0]:.1f} s wall, {fresh[1]:.2f} s CPU | "
                f"copy {copied_in:.2f} s + {copy[0]:.1f} s wall, {copy[1]:.2f} s CPU | "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
        print(
            f"CPU to first answer, mean: new folder {sum(fresh_cpu) / len(fresh_cpu):.2f} s, "
            f"copy {sum(copy_cpu) / len(copy_cpu):.2f} s"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
