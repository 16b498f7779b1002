"""One contract for every small-amount (对公打款) provider: the recorded e签宝 adapter and
the fake answer each scenario the same way; adapter-only cases use inline transports
(the seam is the transport, nothing is patched)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from payments.adapters.esign import EsignSmallAmountTransfer
from payments.fakes import InMemorySmallAmountTransfer
from payments.ports import SmallAmountOutcome, SmallAmountTransfer
from tests.payments.small_amount_cases import (
    FAKE_REFUSES,
    FIXED_NOW,
    PAID,
    REPLAY,
    SCENARIOS,
    esign_vcr,
    query,
)

CASSETTES = Path(__file__).parent / "cassettes" / "esign"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("implementation", ["recorded-esign", "fake"])
async def test_each_scenario_answers_the_same_for_every_provider(
    implementation: str, scenario: str
) -> None:
    play, expected = SCENARIOS[scenario]
    if implementation == "fake":
        fake = InMemorySmallAmountTransfer(FAKE_REFUSES)
        assert isinstance(fake, SmallAmountTransfer)
        assert await play(fake) == expected
        return
    with esign_vcr().use_cassette(str(CASSETTES / f"{scenario}.yaml")):
        async with httpx.AsyncClient() as client:
            esign = EsignSmallAmountTransfer(client, REPLAY, clock=lambda: FIXED_NOW)
            assert isinstance(esign, SmallAmountTransfer)
            assert await play(esign) == expected


def esign(respond: object) -> EsignSmallAmountTransfer:
    client = httpx.AsyncClient(transport=httpx.MockTransport(respond))  # type: ignore[arg-type]
    return EsignSmallAmountTransfer(client, REPLAY, clock=lambda: FIXED_NOW)


async def test_each_request_is_signed_as_documented() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0, "message": "成功"})

    await esign(handler).confirm("8365513", Decimal("0.37"))
    sent = seen[0]
    md5 = base64.b64encode(hashlib.md5(b'{"amount":0.37}').digest()).decode()
    text = ("PUT\n*/*\n" + md5 + "\napplication/json;charset=UTF-8\n\n"
            "/v2/identity/auth/pub/organization/8365513/verifyRandomAmount")  # fmt: skip
    mac = hmac.new(b"replay-secret", text.encode(), hashlib.sha256).digest()
    assert sent.headers["X-Tsign-Open-Ca-Signature"] == base64.b64encode(mac).decode()
    assert (sent.headers["Content-MD5"], sent.headers["X-Tsign-Open-Ca-Timestamp"]) == (
        md5, str(int(FIXED_NOW.timestamp() * 1000)))  # fmt: skip


@pytest.mark.parametrize(
    "respond",
    [
        lambda r: (_ for _ in ()).throw(httpx.ConnectTimeout("slow", request=r)),
        lambda r: httpx.Response(503, text="busy"),
        lambda r: httpx.Response(200, text="<html>maintenance</html>"),
        lambda r: httpx.Response(200, json={"code": 30503107, "message": "很抱歉,订单余额不足"}),
        lambda r: httpx.Response(200, json={"code": 30504002, "message": "数据源查询失败"}),
        lambda r: httpx.Response(200, json={"code": 0, "data": {"list": []}}),
    ],
    ids=["timeout", "5xx", "not-json", "out-of-quota", "source-down", "no-flow-id"],
)
async def test_a_provider_in_trouble_sends_nothing_and_answers_unknown(respond: object) -> None:
    answer = await esign(respond).send(query(PAID))
    assert answer.outcome is SmallAmountOutcome.UNKNOWN and answer.detail


async def test_a_branch_the_provider_does_not_list_answers_unknown() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("threeFactors"):
            return httpx.Response(200, json={"code": 0, "data": {"flowId": "8365513"}})
        return httpx.Response(200, json={"code": 0, "message": "成功", "data": {"list": []}})

    answer = await esign(handler).send(query(PAID))
    assert (answer.outcome, answer.reference) == (SmallAmountOutcome.UNKNOWN, "8365513")


@pytest.mark.parametrize(
    "respond",
    [
        lambda r: httpx.Response(502, text="bad gateway"),
        lambda r: httpx.Response(200, json={"code": 30500000, "message": "操作出错"}),
    ],
    ids=["5xx", "undocumented-code"],
)
async def test_an_amount_the_provider_cannot_check_is_unknown_not_wrong(respond: object) -> None:
    answer = await esign(respond).confirm("8365513", Decimal("0.37"))
    assert answer.outcome is SmallAmountOutcome.UNKNOWN


def test_a_query_never_prints_its_account_number() -> None:
    assert PAID not in repr(query(PAID))
    assert "replay-secret" not in repr(REPLAY)
