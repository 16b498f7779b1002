"""Screenshots of the staff supplier list at 50,000 suppliers (issue 13's must-show list).

    .venv/bin/python bench/list_screens.py --n 50000

Seeds N suppliers and N/2 open change requests exactly as ``bench/list_bench.py`` does
(migrated SQLite file, sealed and blind-indexed rows), serves the real app (every
middleware and guard; staff log in by the bench's ``x-bench-user`` header) with uvicorn on
loopback, and saves the first page, a filtered page and a search, in Chinese and English
at 1280 and 390 px, to ``artifacts/issue13-supplier-list-*.png`` with Debian's chromium.
Prints the total the page shows and how long each page took to load in the browser.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.list_bench import build_app, seed_requests, seed_suppliers
from crypto import Algorithm, Keyring
from crypto.fakes import InMemoryKeyProvider
from portal.db.engine import make_engine
from portal.db.keystore import SqlDataKeyStore
from portal.db.migrate import upgrade
from portal.db.sealing import Sealer
from portal.db.supplier_store import SupplierStore

SHOTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    import uvicorn
    from playwright.sync_api import expect, sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    args = parser.parse_args()
    SHOTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'screens.db'}")
        started = time.perf_counter()
        upgrade(engine)
        kek = InMemoryKeyProvider(kek=b"list-bench-kek-32-bytes-long!!!!")
        keyring = Keyring.initialise(SqlDataKeyStore(engine), kek, Algorithm.AES_256_GCM)
        store = SupplierStore(Sealer(keyring.field_cipher(), keyring.blind_indexer()))
        ids, account = seed_suppliers(engine, store, args.n)
        seed_requests(engine, ids, args.n // 2)
        print(f"seeded {args.n:,} suppliers in {time.perf_counter() - started:.0f} s")
        app = build_app(engine, keyring, store, Path(tmp) / "data")
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        pages = {
            "first": "/staff/suppliers",
            "filtered": "/staff/suppliers?state=active&region=31&validated=yes",
            "search": "/staff/suppliers?q=科技",
        }
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for lang in ("zh", "en"):
                    context = browser.new_context(
                        extra_http_headers={"x-bench-user": "alice"}, base_url=base
                    )
                    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                    page = context.new_page()
                    for size, (width, height) in SIZES.items():
                        page.set_viewport_size({"width": width, "height": height})
                        for name, url in pages.items():
                            t0 = time.perf_counter()
                            page.goto(base + url)
                            expect(page.locator("[data-total]").first).to_be_attached()
                            took = (time.perf_counter() - t0) * 1000
                            total = page.locator("[data-total]").first.get_attribute("data-total")
                            path = SHOTS / f"issue13-supplier-list-{name}-{lang}-{size}.png"
                            page.screenshot(path=str(path), full_page=size == "desktop")
                            print(f"{lang} {size:<7} {name:<9} total={total:>6} "
                                  f"{took:7.0f} ms in the browser -> {path.name}")  # fmt: skip
                    context.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            engine.dispose()
    print(f"(account searched by the bench: ends {account[-4:]})")


if __name__ == "__main__":
    main()
