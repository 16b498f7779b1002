"""The login page while Redis is down, in Debian's chromium: zh and en, desktop and 390 px.

``portal demo`` with its sessions in a real redis-server; the Redis is killed, the browser
asks to log in and gets the 503 page in its language (no stack trace, no JSON), then Redis
is started again and the same browser logs in. Screenshots go to ``artifacts/redis-down/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_bank_change_in_browser import ARGS, CHROMIUM, demo  # noqa: F401
from tests.support.redis_server import RedisServer, running_redis

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "redis-down"
SIZES = {"desktop": {"width": 1280, "height": 900}, "390px": {"width": 390, "height": 844}}
MESSAGES = {
    "zh": "登录暂时不可用。无需登录的页面和 API 仍可使用，请几分钟后再试。",
    "en": "Login is temporarily unavailable. Pages that need no login and the API keep "
    "working; please try again in a few minutes.",
}


@pytest.fixture
def redis_for_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A Redis the demo (started after this fixture) keeps its sessions in."""
    with running_redis(tmp_path / "redis") as server:
        monkeypatch.setenv("PORTAL_SESSION_REDIS_URL", server.url)
        yield server


def test_the_login_page_says_login_is_unavailable_then_works_when_redis_returns(
    redis_for_demo: RedisServer,
    demo: tuple[str, Path],  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = demo
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, "--disable-quic"])
        page = browser.new_page(viewport=SIZES["desktop"])  # type: ignore[arg-type]
        redis_for_demo.kill()
        for lang in ("zh", "en"):
            page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)  # type: ignore[arg-type]
                answer = page.goto(f"{base}/auth/login")
                assert answer is not None and answer.status == 503
                expect(page.locator("#error-message")).to_have_text(MESSAGES[lang])
                page.screenshot(path=str(ARTIFACTS / f"login-{lang}-{size}.png"), full_page=True)
        page.goto(f"{base}/")
        expect(page.locator("body")).not_to_contain_text("Internal Server Error")

        redis_for_demo.start()
        page.goto(f"{base}/auth/login")
        page.click("#demo-user-clerk")
        page.wait_for_load_state()
        expect(page.locator("#logout")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "logged-in-after-redis-returned.png"), full_page=True)
        browser.close()
