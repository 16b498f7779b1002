"""Live calls to the real providers; skipped unless their credentials are in the environment.

    PORTAL_QICHACHA_KEY / PORTAL_QICHACHA_SECRET, PORTAL_TIANYANCHA_TOKEN,
    PORTAL_QIXIN_APPKEY / PORTAL_QIXIN_SECRET

Run with ``pytest -m live tests/registry``. Each call is billed.
"""

from __future__ import annotations

import os

import httpx
import pytest

from providers.settings import RegistrySettings
from registry import CompanyNotFoundError
from registry.adapters.qichacha import QichachaBusinessRegistry
from registry.adapters.qixin import QixinBusinessRegistry
from registry.adapters.tianyancha import TianyanchaBusinessRegistry
from registry.testing import unknown_uscc

SETTINGS = RegistrySettings.from_env(os.environ)
XIAOMI = "91110108551385082Q"  # a well-known real company, from the reference samples

pytestmark = pytest.mark.live


@pytest.mark.skipif(SETTINGS.qichacha is None, reason="PORTAL_QICHACHA_KEY/SECRET not set")
async def test_qichacha_live_lookup_and_not_found() -> None:
    assert SETTINGS.qichacha is not None
    async with httpx.AsyncClient(timeout=15) as client:
        registry = QichachaBusinessRegistry(client, SETTINGS.qichacha)
        record = await registry.lookup(XIAOMI)
        assert record.uscc == XIAOMI and record.request_id
        with pytest.raises(CompanyNotFoundError):
            await registry.lookup(unknown_uscc())


@pytest.mark.skipif(SETTINGS.tianyancha is None, reason="PORTAL_TIANYANCHA_TOKEN not set")
async def test_tianyancha_live_lookup() -> None:
    assert SETTINGS.tianyancha is not None
    async with httpx.AsyncClient(timeout=15) as client:
        record = await TianyanchaBusinessRegistry(client, SETTINGS.tianyancha).lookup(XIAOMI)
        assert record.uscc == XIAOMI


@pytest.mark.skipif(SETTINGS.qixin is None, reason="PORTAL_QIXIN_APPKEY/SECRET not set")
async def test_qixin_live_lookup() -> None:
    assert SETTINGS.qixin is not None
    async with httpx.AsyncClient(timeout=15) as client:
        record = await QixinBusinessRegistry(client, SETTINGS.qixin).lookup(XIAOMI)
        assert record.uscc == XIAOMI
