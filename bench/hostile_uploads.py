"""Server memory before and after a run of hostile uploads (issue 12).

Starts ``portal demo`` on a free port, logs a supplier in (invitation, demo provider), measures
the web process's resident memory (VmRSS; the sandboxed OCR readers are separate processes and
are reported apart), then sends 50 hostile files through the two upload routes a supplier has:

- 10 PDFs of nested form objects (a few KB that render for minutes), as licences to read;
- 10 PNG decompression bombs (tiny files, tens of thousands of pixels a side), as licences;
- 10 polyglots (a PDF hidden in a picture) and truncated pictures, as documents;
- 10 PDFs with a ZIP appended, as documents;
- 10 JPEG headers followed by garbage, as licences.

It waits for the licence jobs to end (each fails on its own), lets the process settle, and
prints resident memory before, right after and settled, next to the goal (within 20% of
before). Usage: ``python bench/hostile_uploads.py``.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.ocr.hostile_files import jpeg, nested_xobject_pdf, png  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_rss_mb(pid: int) -> float:
    total = 0.0
    for task in Path("/proc").iterdir():
        if task.name.isdigit():
            try:
                status = (task / "status").read_text()
            except OSError:
                continue
            if f"PPid:\t{pid}\n" in status:
                total += rss_mb(int(task.name))
    return total


def csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def login(client: httpx.Client, user: str, next_path: str | None = None) -> None:
    start = client.get("/auth/login", params={"next": next_path} if next_path else None)
    picker = client.get(start.headers["location"])
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text)
    assert request_id
    picked = client.post(
        "/dev-oidc/authorize",
        data={"request_id": request_id.group(1), "user": user, "_csrf_token": csrf(picker.text)},
    )
    client.get(picked.headers["location"])


def hostile_files() -> list[tuple[str, str, bytes]]:
    """(route, file name, bytes) for 50 uploads."""
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("x.txt", "x" * 1000)
    files: list[tuple[str, str, bytes]] = []
    for i in range(10):
        files.append(("licence", f"bomb{i}.pdf", nested_xobject_pdf(levels=6)))
        files.append(("licence", f"huge{i}.png", png(30000 + i, 30000)))
        picture = png(200, 200)
        hidden = (
            picture[:64] + b"%PDF-1.4\n" + picture[64:] if i % 2 else picture[: len(picture) // 2]
        )
        files.append(("document", f"polyglot{i}.png", hidden))
        files.append(
            ("document", f"zipped{i}.pdf", nested_xobject_pdf(levels=2) + zipped.getvalue())
        )
        files.append(("licence", f"garbage{i}.jpg", jpeg()[:20] + os.urandom(4000)))
    return files


def main() -> int:
    folder = Path("/tmp") / f"hostile-{os.getpid()}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OCR_"))}
    env.update(
        {"PYTHONPATH": str(ROOT), "OCR_TIMEOUT_SECONDS": "10", "PORTAL_RATE_UPLOAD": "1000/60"}
    )
    log = (Path("/tmp") / f"hostile-{os.getpid()}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "demo", "--dir", str(folder), "--port", str(port)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        token = (folder / "finance-api-token.txt").read_text().strip()
        finance = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        items = finance.get("/api/v1/suppliers/", params={"limit": 5}).json()["items"]
        clerk = httpx.Client(base_url=base, follow_redirects=False, timeout=120)
        supplier = httpx.Client(base_url=base, follow_redirects=False, timeout=120)
        login(clerk, "clerk")
        page = clerk.get("/staff/invitations")
        invite = {"_csrf_token": csrf(page.text), "uscc": items[0]["uscc"]}
        clerk.post("/staff/invitations", data=invite | {"email": "supplier1@demo.example"})
        link = re.search(r"/invite/[^\"'<\s]+", clerk.get("/outbox").text)
        assert link
        supplier.get(link.group(0))
        login(supplier, "supplier-1", next_path=link.group(0))
        form = supplier.get(link.group(0))
        supplier.post(link.group(0), data={"_csrf_token": csrf(form.text)})
        for path in ("/portal/", "/portal/documents", "/portal/licence"):
            supplier.get(path)
        time.sleep(5)
        before = rss_mb(server.pid)
        answers: dict[int, int] = {}
        started = time.monotonic()
        for route, name, content in hostile_files():
            path = "/portal/licence" if route == "licence" else "/portal/documents"
            token = csrf(supplier.get(path).text)
            data = {"_csrf_token": token} | ({"kind": "bank_permit"} if route == "document" else {})
            answer = supplier.post(
                path, data=data, files={"file": (name, content, "application/octet-stream")}
            )
            answers[answer.status_code] = answers.get(answer.status_code, 0) + 1
        sent = time.monotonic() - started
        right_after = rss_mb(server.pid)
        time.sleep(60)  # queued licence jobs end (each at most the time limit), memory settles
        settled = rss_mb(server.pid)
        readers = children_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    print(f"hostile uploads: 50 files in {sent:.1f} s; answers {dict(sorted(answers.items()))}")
    print(f"web process resident memory: before {before:.0f} MB, right after {right_after:.0f} MB, "
          f"settled {settled:.0f} MB ({settled / before:.2f}x; goal: within 1.20x)")  # fmt: skip
    print(f"sandboxed OCR reader processes (separate, recycled): {readers:.0f} MB in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
