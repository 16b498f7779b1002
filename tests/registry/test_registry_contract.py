"""One contract for every BusinessRegistry: recorded real adapters, the fake and the demo.

The recorded adapters replay cassettes built from the documented provider
shapes (see record_cassettes.py); the fake and the demo must give the same
normalised answers, which keeps them honest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from registry import (
    BusinessRegistry,
    CompanyNotFoundError,
    InvalidQueryError,
    RegistryStatus,
    ThreeElementOutcome,
)
from registry.adapters.demo import DemoBusinessRegistry, load_demo_companies
from registry.adapters.qichacha import QichachaBusinessRegistry
from registry.adapters.qixin import QixinBusinessRegistry
from registry.adapters.tianyancha import TianyanchaBusinessRegistry
from registry.fakes import InMemoryBusinessRegistry
from registry.testing import (
    DEREGISTERED,
    EXPIRING,
    FIXED_NOW,
    FORMER_NAMES,
    KNOWN,
    REPLAY_CREDENTIALS,
    REVOKED,
    TestClock,
    company,
    unknown_uscc,
)
from tests.support.cassettes import use_cassette

CASSETTES = Path(__file__).parent / "cassettes"

ADAPTERS: dict[str, Callable[[httpx.AsyncClient, TestClock], BusinessRegistry]] = {
    "qichacha": lambda c, clock: QichachaBusinessRegistry(c, REPLAY_CREDENTIALS.qcc, clock=clock),
    "tianyancha": lambda c, clock: TianyanchaBusinessRegistry(
        c, REPLAY_CREDENTIALS.tyc, clock=clock
    ),
    "qixin": lambda c, clock: QixinBusinessRegistry(c, REPLAY_CREDENTIALS.qixin, clock=clock),
}


@pytest.fixture(
    params=["recorded-qichacha", "recorded-tianyancha", "recorded-qixin", "fake", "demo"]
)
async def registry(request: pytest.FixtureRequest) -> AsyncIterator[BusinessRegistry]:
    clock = TestClock()
    kind: str = request.param
    if kind.startswith("recorded-"):
        provider = kind.removeprefix("recorded-")
        with use_cassette(CASSETTES / f"{provider}.yaml"):
            async with httpx.AsyncClient() as client:
                yield ADAPTERS[provider](client, clock)
    elif kind == "fake":
        yield InMemoryBusinessRegistry([c.record for c in load_demo_companies()], clock=clock)
    else:
        yield DemoBusinessRegistry(clock=clock)


def test_every_implementation_satisfies_the_port(registry: BusinessRegistry) -> None:
    assert isinstance(registry, BusinessRegistry)


@pytest.mark.parametrize("name", [KNOWN, FORMER_NAMES, DEREGISTERED, REVOKED, EXPIRING])
async def test_a_found_company_is_normalised_identically(
    registry: BusinessRegistry, name: str
) -> None:
    expected = company(name).record
    record = await registry.lookup(expected.uscc)
    assert record.facts() == expected.facts()
    assert record.provider
    assert record.fetched_at == FIXED_NOW


async def test_an_open_ended_term_has_no_end(registry: BusinessRegistry) -> None:
    record = await registry.lookup(company(KNOWN).record.uscc)
    assert record.open_ended and record.term_to is None


async def test_former_names_are_reported(registry: BusinessRegistry) -> None:
    record = await registry.lookup(company(FORMER_NAMES).record.uscc)
    assert record.former_names == ("厦门鹭岛塑胶制品有限公司",)


async def test_deregistered_and_revoked_companies_are_inactive(registry: BusinessRegistry) -> None:
    gone = await registry.lookup(company(DEREGISTERED).record.uscc)
    revoked = await registry.lookup(company(REVOKED).record.uscc)
    assert (gone.status, revoked.status) == (RegistryStatus.DEREGISTERED, RegistryStatus.REVOKED)
    assert gone.status.is_inactive and revoked.status.is_inactive


async def test_an_unknown_credit_code_is_not_found(registry: BusinessRegistry) -> None:
    with pytest.raises(CompanyNotFoundError) as caught:
        await registry.lookup(unknown_uscc())
    assert caught.value.permanent and not caught.value.retryable


async def test_a_mistyped_credit_code_is_refused_before_paying(registry: BusinessRegistry) -> None:
    with pytest.raises(InvalidQueryError):
        await registry.lookup("91310115MA1H7GXX4A")


async def test_three_elements_that_belong_together_match(registry: BusinessRegistry) -> None:
    known = company(KNOWN).record
    result = await registry.verify_three_elements(
        known.uscc, known.name, known.legal_representative
    )
    assert result.matches and result.outcome is ThreeElementOutcome.MATCH
    assert result.checked_at == FIXED_NOW


async def test_a_changed_legal_representative_does_not_match(registry: BusinessRegistry) -> None:
    known = company(KNOWN).record
    result = await registry.verify_three_elements(known.uscc, known.name, "王五")
    assert not result.matches
    assert result.outcome in (ThreeElementOutcome.LEGAL_REP_MISMATCH, ThreeElementOutcome.MISMATCH)


def test_cassettes_hold_no_credentials() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in CASSETTES.glob("*.yaml"))
    assert text
    for secret in ("RECORDING-KEY", "RECORDING-SECRET", "RECORDING-TOKEN", "RECORDING-APPKEY"):
        assert secret not in text
