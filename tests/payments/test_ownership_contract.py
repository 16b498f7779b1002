"""One contract for every ownership verifier: the recorded jumdata adapter, the fake and
the demo give the same outcome for the same account; adapter-only cases use inline
transports (the seam is the transport, nothing is patched)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest

from payments.adapters.demo import DemoOwnershipVerifier
from payments.adapters.jumdata import JumdataOwnershipVerifier
from payments.fakes import InMemoryOwnershipVerifier
from payments.ports import OwnershipOutcome, OwnershipVerifier
from tests.payments.ownership_cases import CASES, FIXED_NOW, REPLAY, ownership_vcr, query

CASSETTE = Path(__file__).parent / "cassettes" / "jumdata.yaml"


@pytest.fixture(params=["recorded-jumdata", "fake", "demo"])
async def verifier(request: pytest.FixtureRequest) -> AsyncIterator[OwnershipVerifier]:
    if request.param == "recorded-jumdata":
        with ownership_vcr().use_cassette(str(CASSETTE), allow_playback_repeats=True):
            async with httpx.AsyncClient() as client:
                yield JumdataOwnershipVerifier(client, REPLAY, clock=lambda: FIXED_NOW)
    elif request.param == "fake":
        yield InMemoryOwnershipVerifier(CASES)
    else:
        yield DemoOwnershipVerifier()


def test_every_implementation_satisfies_the_port(verifier: OwnershipVerifier) -> None:
    assert isinstance(verifier, OwnershipVerifier)


@pytest.mark.parametrize(("account", "outcome"), sorted(CASES.items()))
async def test_each_outcome_is_normalised_identically(
    verifier: OwnershipVerifier, account: str, outcome: OwnershipOutcome
) -> None:
    answer = await verifier.verify(query(account))
    assert (answer.outcome, answer.provider) == (outcome, verifier.name)


def jumdata(handler: httpx.MockTransport) -> JumdataOwnershipVerifier:
    client = httpx.AsyncClient(transport=handler)
    return JumdataOwnershipVerifier(client, REPLAY, clock=lambda: FIXED_NOW)


async def test_the_request_is_signed_as_documented() -> None:
    seen: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(parse_qsl(request.content.decode()))
        return httpx.Response(200, json={"code": 200, "data": {"result": 1}})

    await jumdata(httpx.MockTransport(handler)).verify(query("6222020000000011111"))
    stamp = str(int(FIXED_NOW.timestamp() * 1000))
    expected = hashlib.sha256(f"replay-app-idreplay-secret{stamp}".encode()).hexdigest()
    assert (seen["sign"], seen["timestamp"], seen["idType"]) == (expected, stamp, "1")


@pytest.mark.parametrize(
    "respond",
    [
        lambda r: (_ for _ in ()).throw(httpx.ConnectTimeout("slow", request=r)),
        lambda r: httpx.Response(503, text="busy"),
        lambda r: httpx.Response(200, text="<html>maintenance</html>"),
        lambda r: httpx.Response(200, json={"code": 1003, "msg": "余额不足"}),
        lambda r: httpx.Response(200, json={"code": 200, "data": {"result": 7}}),
    ],
    ids=["timeout", "5xx", "not-json", "quota", "undocumented-result"],
)
async def test_a_provider_in_trouble_answers_unknown_never_a_failure(respond: object) -> None:
    answer = await jumdata(httpx.MockTransport(respond)).verify(  # type: ignore[arg-type]
        query("6222020000000011111")
    )
    assert answer.outcome is OwnershipOutcome.UNKNOWN and answer.detail


def test_a_query_never_prints_its_account_number() -> None:
    assert "6222020000000011111" not in repr(query("6222020000000011111"))
    assert "replay-secret" not in repr(REPLAY)
