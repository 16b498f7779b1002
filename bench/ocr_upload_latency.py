"""Upload → result on screen, through the real server with its warm OCR worker, beside the
in-process read of the same files.

    .venv/bin/python bench/ocr_upload_latency.py --n 8

Starts ``portal demo`` (the real app, its in-process job worker and sandboxed reader pool)
and times its cold start: spawn → ``/readyz`` ready (the OCR check passes only once the
readers are warm). A supplier user of demo company 0 is made through the invitation in
chromium (as ``tests/browser`` do); then, with that session's cookies, each licence (drawn
by the corpus generator with the company's name and code, a different seed each) is
uploaded through ``POST /portal/licence`` as the upload form does, the job's JSON is polled
every second as the page's script does, and the finished page is fetched: that is
upload → result on screen. Interleaved with each upload, the same bytes are read in this
process by ``ocr.read_licence`` with warm engines (the plain baseline). Prints per file,
median and p90, the load average before and after, and the CPU time of this process and
of the server's process tree. No assertion on time: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser.steps import DemoSteps
from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, _free_port

PAGE_POLL_SECONDS = 1.0  # portal/web/static/js/ocr_job.js polls every second


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


def _start(folder: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, float, str]:
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "demo", "--dir", str(folder), "--port", str(port)],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = started + 300
    while True:
        try:
            answer = httpx.get(f"{base}/readyz", timeout=5)
            if answer.status_code == 200:
                detail = str(answer.json()["checks"]["ocr"]["detail"])
                return process, base, time.monotonic() - started, detail
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(log.read_text())
        time.sleep(0.2)


def _supplier_session(base: str, uscc: str) -> list[dict[str, Any]]:
    """Cookies of ``supplier-1`` bound to the company through the invitation."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        DemoSteps(context.new_page(), base).supplier_user_for(uscc)
        cookies: list[dict[str, Any]] = [dict(c) for c in context.cookies()]
        browser.close()
    return cookies


def _upload_to_screen(client: httpx.Client, data: bytes) -> tuple[float, float]:
    """Seconds from the upload to the finished page; the worker's own reading seconds."""
    form = client.get("/portal/licence")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    started = time.monotonic()
    answer = client.post(
        "/portal/licence",
        data={"_csrf_token": token.group(1)},
        files={"file": ("licence.png", data, "image/png")},
    )
    assert answer.status_code == 303, answer.text[:500]
    job_url = answer.headers["location"]
    client.get(job_url)  # the browser follows the redirect to the progress page
    while True:
        time.sleep(PAGE_POLL_SECONDS)
        job = client.get(f"{job_url}.json").json()
        if job["state"] in ("done", "failed"):
            break
    page = client.get(job_url)  # the page reloads itself with the result
    took = time.monotonic() - started
    assert job["state"] == "done" and 'id="licence-form"' in page.text, job.get("error")
    return took, float(job["seconds"] or 0.0)


def _tree_cpu(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants (from ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent: dict[int, int] = {}
    spent: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        after = stat.rsplit(")", 1)[1].split()  # state, ppid, ... utime [11], stime [12]
        parent[int(entry)] = int(after[1])
        spent[int(entry)] = (int(after[11]) + int(after[12])) / tick
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parent.items() if p == pid and c not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(spent.get(pid, 0.0) for pid in tree)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=8)
    args = parser.parse_args()
    from ocr.service import default_engines, read_licence
    from portal.demo.seed import load_companies
    from tests.support.licences import draw_licence

    company = load_companies()[0]
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for i in range(args.n):
            path = folder / f"licence-{i}.png"
            draw_licence(path, company["name"], company["uscc"], seed=100 + i)
            files.append(path.read_bytes())
        process, base, cold, detail = _start(folder / "demo", folder / "demo.log")
        print(f"server cold start (spawn -> /readyz ready): {cold:.1f} s; ocr: {detail}")
        try:
            cookies = _supplier_session(base, company["uscc"])
            t0 = time.monotonic()
            default_engines()
            read_licence(files[0], filename="licence.png")
            print(f"in-process cold start (engines + first read): {time.monotonic() - t0:.1f} s")
            jar = httpx.Cookies()
            for c in cookies:
                jar.set(c["name"], c["value"], domain=c["domain"], path=c["path"])
            server_cpu0, own_cpu0 = _tree_cpu(process.pid), time.process_time()
            screen, worker, local = [], [], []
            with httpx.Client(base_url=base, cookies=jar, timeout=120) as client:
                for i, data in enumerate(files):
                    shown, reading = _upload_to_screen(client, data)
                    t = time.monotonic()
                    read_licence(data, filename="licence.png")
                    here = time.monotonic() - t
                    screen.append(shown)
                    worker.append(reading)
                    local.append(here)
                    load = os.getloadavg()[0]
                    print(f"{i}: upload->screen {shown:5.2f} s  (worker read {reading:5.2f} s)"
                          f"  in-process read {here:5.2f} s  load {load:.1f}")  # fmt: skip
            server_cpu = _tree_cpu(process.pid) - server_cpu0
            own_cpu = time.process_time() - own_cpu0
        finally:
            process.terminate()
            process.wait(30)
    print(f"n={args.n}")
    for name, values in (
        ("upload -> result on screen", screen),
        ("  of which the worker's read", worker),
        ("in-process read (baseline)", local),
    ):
        print(f"{name:<30} median {statistics.median(values):5.2f} s  p90 {_p90(values):5.2f} s")
    print(
        f"CPU during the timed part: server tree {server_cpu:.1f} s, this process {own_cpu:.1f} s"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
