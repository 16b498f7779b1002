"""Steps the browser tests share over ``portal demo``: log in as a demo user, log out,
bind ``supplier-1`` to a supplier through the invitation, and screenshot a page in both
languages at both widths. (Older tests still carry their own copies of these.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class DemoSteps:
    page: Any  # playwright's sync Page
    base: str

    def login(self, user: str) -> None:
        self.page.goto(f"{self.base}/auth/login")
        self.page.click(f"#demo-user-{user}")
        self.page.wait_for_load_state()

    def logout(self) -> None:
        self.page.click("#logout")
        self.page.wait_for_load_state()

    def supplier_user_for(self, uscc: str) -> None:
        """The clerk invites the supplier; ``supplier-1`` accepts from the demo outbox
        (and stays logged in)."""
        page = self.page
        self.login("clerk")
        page.goto(f"{self.base}/staff/invitations")
        page.fill("#invite-uscc", uscc)
        page.fill("#invite-email", "supplier1@demo.example")
        page.click("#send-invitation")
        self.logout()
        page.goto(f"{self.base}/outbox")
        page.locator("a[href*='/invite/']").first.click()
        page.wait_for_load_state()
        page.click("#login-to-accept")
        page.click("#demo-user-supplier-1")
        page.wait_for_load_state()
        page.click("#accept-invitation")
        page.wait_for_load_state()

    def shots(self, name: str, path: str) -> None:
        """``artifacts/<name>-<zh|en>-<desktop|phone>.png`` of ``path``; no id on screen."""
        page = self.page
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for lang in ("zh", "en"):
            page.goto(f"{self.base}/lang/{lang}")
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto(f"{self.base}{path}")
                assert not UUID.search(page.locator("body").inner_text()), (name, lang, size)
                page.screenshot(path=str(ARTIFACTS / f"{name}-{lang}-{size}.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{self.base}/lang/zh")
        page.goto(f"{self.base}{path}")
