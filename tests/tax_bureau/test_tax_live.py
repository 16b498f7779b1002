"""Live calls to the tax sources; skipped unless credentials (or PORTAL_LIVE_VIES=1) are set.

Run with ``pytest -m live tests/tax_bureau``. 企查查 and 天眼查 calls are billed.
"""

from __future__ import annotations

import os

import httpx
import pytest

from providers.settings import RegistrySettings
from tax_bureau import TaxpayerQualification, VatState
from tax_bureau.adapters.qichacha import QichachaTaxBureau
from tax_bureau.adapters.tianyancha import TianyanchaTaxBureau
from tax_bureau.adapters.vies import ViesVatChecker

SETTINGS = RegistrySettings.from_env(os.environ)
XIAOMI = "91110108551385082Q"

pytestmark = pytest.mark.live


@pytest.mark.skipif(SETTINGS.qichacha is None, reason="PORTAL_QICHACHA_KEY/SECRET not set")
async def test_qichacha_live_invoicing_and_status() -> None:
    assert SETTINGS.qichacha is not None
    async with httpx.AsyncClient(timeout=15) as client:
        bureau = QichachaTaxBureau(client, SETTINGS.qichacha)
        details = await bureau.invoicing_details(XIAOMI)
        status = await bureau.taxpayer_status(XIAOMI)
    assert details.tax_number and status.qualification is not TaxpayerQualification.UNKNOWN


@pytest.mark.skipif(SETTINGS.tianyancha is None, reason="PORTAL_TIANYANCHA_TOKEN not set")
async def test_tianyancha_live_general_taxpayer() -> None:
    assert SETTINGS.tianyancha is not None
    async with httpx.AsyncClient(timeout=15) as client:
        status = await TianyanchaTaxBureau(client, SETTINGS.tianyancha).taxpayer_status(XIAOMI)
    assert status.tax_number == XIAOMI


@pytest.mark.skipif(os.environ.get("PORTAL_LIVE_VIES") != "1", reason="PORTAL_LIVE_VIES not 1")
async def test_vies_live_answers_or_says_unknown() -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        check = await ViesVatChecker(client).check("PL7740001454")
    assert check.state in (VatState.VALID, VatState.UNKNOWN)
