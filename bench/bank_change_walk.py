"""Which of our modules a bank change passes through, from the HTTP request to the applied record.

Runs the page-level bank-change test (``tests/web_portal/test_portal_flow.py``) under a profiler
and, for each HTTP request the test makes, lists the product modules whose functions ran while
that request was served, in the order they were first entered. Two requests matter:

- ``submit``: the supplier's ``POST /portal/bank-accounts/<id>``;
- ``apply``: the second supervisor's ``POST /staff/changes/<id>/approve``, which applies it and
  writes the audit entries.

Usage: ``python bench/bank_change_walk.py`` (SQLite only; prints two numbered lists).
"""

from __future__ import annotations

import os
import sys
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = (
    "portal",
    "approvals",
    "crypto",
    "registry",
    "tax_bureau",
    "ocr",
    "providers",
    "verification",
)


class Walk:
    def __init__(self) -> None:
        self.phase: str | None = None
        self.seen: dict[str, list[str]] = defaultdict(list)
        self.requests: list[str] = []

    def profile(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call" or self.phase is None:
            return
        name = frame.f_globals.get("__name__", "")
        if name.split(".", 1)[0] in OURS and name not in self.seen[self.phase]:
            self.seen[self.phase].append(name)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: Any) -> Any:
        from litestar import Litestar

        original = Litestar.__call__
        walk = self

        async def traced(app: Any, scope: Any, receive: Any, send: Any) -> None:
            if scope.get("type") != "http":
                await original(app, scope, receive, send)
                return
            label = f"{len(walk.requests):02d} {scope['method']} {scope['path']}"
            walk.requests.append(label)
            walk.phase = label
            previous = sys.getprofile()
            sys.setprofile(walk.profile)
            try:
                await original(app, scope, receive, send)
            finally:
                sys.setprofile(previous)
                walk.phase = None

        Litestar.__call__ = traced  # type: ignore[method-assign]
        # Handlers run in worker threads (sync_to_thread): profile every thread, gated by phase.
        threading.setprofile(self.profile)
        sys.setprofile(self.profile)
        try:
            yield
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
            Litestar.__call__ = original  # type: ignore[method-assign]


def main() -> int:
    os.environ["PORTAL_TEST_DATABASES"] = "sqlite"
    walk = Walk()
    test = "tests/web_portal/test_portal_flow.py::" + (
        "test_bank_change_through_the_pages_reaches_finance_after_two_approvals[sqlite]"
    )
    code = pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / test)], plugins=[walk])
    posts = [r for r in walk.requests if " POST " in r]
    submit = next(r for r in posts if "/bank-accounts/" in r)
    apply = [r for r in posts if r.endswith("/approve")][-1]
    for title, label in (("submit", submit), ("apply", apply)):
        modules = walk.seen[label]
        print(f"\n{title}: {label.split(' ', 1)[1]} ({len(modules)} modules)")
        for i, name in enumerate(modules, 1):
            print(f"  {i:2d}. {name}")
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
