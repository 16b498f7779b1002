"""The directory sync on the admin page, in Debian's chromium against ``portal demo``: an
identity provider pushes people over SCIM (the token made by the CLI), deactivates one, and
collides with a person registered by hand; the administrator reads where each person comes
from, when they were synced and the error in words. zh and en, desktop and 390 px.
Screenshots: artifacts/notifications/admin-directory-sync-*.png."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo  # noqa: F401

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "notifications"
SIZES = {"desktop": {"width": 1280, "height": 900}, "390px": {"width": 390, "height": 844}}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _cli(folder: Path, *args: str) -> str:
    """``portal staff …`` on the demo's database, as its operator would run it."""
    env = {**os.environ, "PORTAL_KEK_FILE": str(folder / "keys" / "kek.key"),
           "PORTAL_DATABASE_URL": f"sqlite:///{folder / 'portal.db'}", "PORTAL_DEMO": "1",
           "PORTAL_SECURE_COOKIES": "0"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "portal.cli", "staff", *args, "--data-dir", str(folder)],
        capture_output=True, text=True, check=True, timeout=300, env=env,
    )  # fmt: skip
    return done.stdout.strip()


def _user(user_name: str, name: str, role: str) -> dict[str, object]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name, "displayName": name, "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "roles": [{"value": role}],
    }  # fmt: skip


def test_an_admin_reads_the_directory_sync_in_words(demo: tuple[str, Path]) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    base, folder = demo
    token = _cli(folder, "scim-token", "create", "Entra ID")
    _cli(folder, "add", "赵敏", "zhao.min@buyer.cn", "--role", "finance")
    with httpx.Client(base_url=f"{base}/scim/v2",
                      headers={"Authorization": f"Bearer {token}"}) as scim:  # fmt: skip
        assert (
            scim.post(
                "/Users", json=_user("wang.fang@buyer.cn", "王芳", "purchasing_supervisor")
            ).status_code
            == 201
        )
        gone = scim.post("/Users", json=_user("li.lei@buyer.cn", "李雷", "purchasing_supervisor"))
        patched = scim.patch(f"/Users/{gone.json()['id']}", json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})  # fmt: skip
        assert patched.json()["active"] is False
        clash = scim.post("/Users", json=_user("zhao.min@buyer.cn", "赵敏", "finance"))
        assert clash.status_code == 409
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, "--disable-quic"])
        page = browser.new_page(viewport=SIZES["desktop"])
        page.goto(f"{base}/auth/login")
        page.click("#demo-user-admin")
        page.wait_for_load_state()
        for lang in ("zh", "en"):
            page.goto(f"{base}/lang/{lang}")  # the language switch sets its cookie
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.goto(f"{base}/admin/notifications#directory-sync")
                text = page.inner_text("body")
                assert not UUID.search(text), UUID.search(text)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"] + 1, (lang, size, width)
                page.screenshot(
                    path=str(ARTIFACTS / f"admin-directory-sync-{lang}-{size}.png"),
                    full_page=True,
                )
        assert "pushed by SCIM" in text and "registered by hand" in text
        assert "does not overwrite" in text and "kept by the identity provider" in text
        browser.close()
