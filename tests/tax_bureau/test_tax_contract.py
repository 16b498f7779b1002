"""One contract for every TaxBureau and VatNumberChecker: recorded adapters, fakes, demo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from registry.adapters.demo import load_demo_companies
from registry.testing import (
    FIXED_NOW,
    KNOWN,
    REPLAY_CREDENTIALS,
    SMALL_SCALE,
    TAX_ABNORMAL,
    TestClock,
    company,
    unknown_uscc,
)
from tax_bureau import (
    InvalidTaxNumberError,
    TaxBureau,
    TaxpayerNotFoundError,
    TaxpayerQualification,
    TaxStatus,
    VatNumberChecker,
    VatState,
)
from tax_bureau.adapters.demo import DemoTaxBureau
from tax_bureau.adapters.qichacha import QichachaTaxBureau
from tax_bureau.adapters.tianyancha import TianyanchaTaxBureau
from tax_bureau.adapters.vies import ViesVatChecker
from tax_bureau.fakes import InMemoryTaxBureau, InMemoryVatNumberChecker
from tests.support.cassettes import use_cassette

CASSETTES = Path(__file__).parent / "cassettes"


async def _fake_from_demo(clock: TestClock) -> InMemoryTaxBureau:
    demo = DemoTaxBureau(clock=clock)
    numbers = [c.record.uscc for c in load_demo_companies()]
    invoicing = [await demo.invoicing_details(n) for n in numbers]
    statuses = [await demo.taxpayer_status(n) for n in numbers]
    return InMemoryTaxBureau(invoicing, statuses, clock=clock)


@pytest.fixture(params=["recorded-qichacha", "fake", "demo"])
async def bureau(request: pytest.FixtureRequest) -> AsyncIterator[TaxBureau]:
    clock = TestClock()
    if request.param == "recorded-qichacha":
        with use_cassette(CASSETTES / "qichacha.yaml"):
            async with httpx.AsyncClient() as client:
                yield QichachaTaxBureau(client, REPLAY_CREDENTIALS.qcc, clock=clock)
    elif request.param == "fake":
        yield await _fake_from_demo(clock)
    else:
        yield DemoTaxBureau(clock=clock)


def test_every_tax_source_satisfies_the_port(bureau: TaxBureau) -> None:
    assert isinstance(bureau, TaxBureau)


@pytest.mark.parametrize("name", [KNOWN, TAX_ABNORMAL, SMALL_SCALE])
async def test_invoicing_details_are_normalised_identically(bureau: TaxBureau, name: str) -> None:
    inv = company(name).invoicing
    details = await bureau.invoicing_details(company(name).record.uscc)
    assert details.elements() == {
        "title": inv["title"],
        "tax_number": inv["tax_number"],
        "address": inv["address"],
        "phone": inv["phone"],
        "bank_name": inv["bank"],
        "bank_account": inv["account"],
    }
    assert details.provider and details.request_id and details.fetched_at == FIXED_NOW


async def test_a_general_taxpayer_in_good_standing(bureau: TaxBureau) -> None:
    status = await bureau.taxpayer_status(company(KNOWN).record.uscc)
    assert status.qualification is TaxpayerQualification.GENERAL
    assert status.status is TaxStatus.NORMAL


async def test_a_small_scale_taxpayer(bureau: TaxBureau) -> None:
    status = await bureau.taxpayer_status(company(SMALL_SCALE).record.uscc)
    assert status.qualification is TaxpayerQualification.SMALL_SCALE
    assert status.status is TaxStatus.NORMAL


async def test_an_abnormal_taxpayer_with_when_and_by_whom(bureau: TaxBureau) -> None:
    status = await bureau.taxpayer_status(company(TAX_ABNORMAL).record.uscc)
    assert status.status is TaxStatus.ABNORMAL
    assert status.abnormal_since == date(2026, 6, 18)
    assert status.abnormal_office == "重庆市渝北区税务局"


async def test_an_unknown_taxpayer_is_not_found(bureau: TaxBureau) -> None:
    with pytest.raises(TaxpayerNotFoundError):
        await bureau.invoicing_details(unknown_uscc())


async def test_a_malformed_tax_number_is_refused_before_paying(bureau: TaxBureau) -> None:
    with pytest.raises(InvalidTaxNumberError):
        await bureau.taxpayer_status("91310115MA1H7GXX4A")


async def test_qichacha_271_gives_invoicing_details_by_name() -> None:
    with use_cassette(CASSETTES / "qichacha.yaml"):
        async with httpx.AsyncClient() as client:
            bureau = QichachaTaxBureau(client, REPLAY_CREDENTIALS.qcc, clock=TestClock())
            details = await bureau.invoicing_details_by_name(KNOWN)
    assert details.tax_number == company(KNOWN).record.uscc
    assert details.bank_account == company(KNOWN).invoicing["account"]


@pytest.mark.parametrize(
    ("name", "qualification"),
    [(KNOWN, TaxpayerQualification.GENERAL), (SMALL_SCALE, TaxpayerQualification.UNKNOWN)],
)
async def test_tianyancha_lists_general_taxpayers_only(
    name: str, qualification: TaxpayerQualification
) -> None:
    with use_cassette(CASSETTES / "tianyancha.yaml"):
        async with httpx.AsyncClient() as client:
            bureau = TianyanchaTaxBureau(client, REPLAY_CREDENTIALS.tyc, clock=TestClock())
            status = await bureau.taxpayer_status(company(name).record.uscc)
    assert status.qualification is qualification
    assert status.status is TaxStatus.UNKNOWN  # 天眼查 has no tax-abnormal endpoint


# --- VIES ----------------------------------------------------------------------------------


@pytest.fixture(params=["recorded-vies", "fake"])
async def vies(request: pytest.FixtureRequest) -> AsyncIterator[VatNumberChecker]:
    clock = TestClock()
    if request.param == "recorded-vies":
        with use_cassette(CASSETTES / "vies.yaml"):
            async with httpx.AsyncClient() as client:
                yield ViesVatChecker(client, clock=clock)
    else:
        yield InMemoryVatNumberChecker(
            valid={"DE136695976": "", "FR40303265045": "SARL EXEMPLE FICTIF"},
            invalid={"NL004495445B01"},
            clock=clock,
        )


def test_every_vat_checker_satisfies_the_port(vies: VatNumberChecker) -> None:
    assert isinstance(vies, VatNumberChecker)


async def test_a_valid_vat_number(vies: VatNumberChecker) -> None:
    check = await vies.check("FR 40 303 265 045")
    assert check.state is VatState.VALID and check.name == "SARL EXEMPLE FICTIF"
    assert check.checked_at == FIXED_NOW


async def test_an_undisclosed_name_is_none_not_dashes(vies: VatNumberChecker) -> None:
    check = await vies.check("DE136695976")
    assert check.state is VatState.VALID and not check.name


async def test_only_a_definitive_invalid_is_invalid(vies: VatNumberChecker) -> None:
    check = await vies.check("NL004495445B01")
    assert check.state is VatState.INVALID and check.source == "vies"


async def test_a_member_state_that_does_not_answer_is_unknown(vies: VatNumberChecker) -> None:
    check = await vies.check("IT00010000016")
    assert check.state is VatState.UNKNOWN and check.retry_later
    assert check.error == "MS_UNAVAILABLE"


async def test_a_number_failing_its_checksum_is_invalid_without_a_call(
    vies: VatNumberChecker,
) -> None:
    check = await vies.check("DE136695975")
    assert check.state is VatState.INVALID and check.source == "format"


def test_cassettes_hold_no_credentials() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in CASSETTES.glob("*.yaml"))
    assert "RECORDING-KEY" not in text and "RECORDING-SECRET" not in text
    assert "RECORDING-TOKEN" not in text
