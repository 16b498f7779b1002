"""Tax adapters with inline MockTransport handlers; and the resilient tax bureau."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from providers.cache import InMemoryLookupCache
from providers.dates import CST
from providers.errors import UnavailableReason
from providers.settings import QichachaCredentials, TianyanchaCredentials
from registry.testing import KNOWN, TestClock, company
from tax_bureau import (
    TaxBureau,
    TaxBureauError,
    TaxBureauUnavailableError,
    TaxCredentialsError,
    TaxpayerNotFoundError,
    TaxpayerQualification,
    TaxQuotaExhaustedError,
    VatState,
)
from tax_bureau.adapters.demo import DemoTaxBureau
from tax_bureau.adapters.qichacha import QichachaTaxBureau
from tax_bureau.adapters.tianyancha import TianyanchaTaxBureau
from tax_bureau.adapters.vies import ViesVatChecker
from tax_bureau.fakes import InMemoryTaxBureau
from tax_bureau.resilience import ResilientTaxBureau

Handler = Callable[[httpx.Request], httpx.Response]
USCC = company(KNOWN).record.uscc


def client(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def qcc(handler: Handler) -> QichachaTaxBureau:
    return QichachaTaxBureau(client(handler), QichachaCredentials("k", "s"), clock=TestClock())


def tyc(handler: Handler) -> TianyanchaTaxBureau:
    return TianyanchaTaxBureau(client(handler), TianyanchaCredentials("t"), clock=TestClock())


def answer(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def raw(content: bytes, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, content=content)


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectTimeout("timed out", request=request)


FAILURES: list[tuple[str, Callable[[Handler], TaxBureau], Handler, type[TaxBureauError]]] = [
    ("qcc timeout", qcc, timeout, TaxBureauUnavailableError),
    ("qcc 5xx", qcc, raw(b"", 500), TaxBureauUnavailableError),
    (
        "qcc quota 112",
        qcc,
        answer({"Status": "112", "Message": "您的账号剩余使用量已不足或已过期"}),
        TaxQuotaExhaustedError,
    ),
    (
        "qcc invalid key 101",
        qcc,
        answer({"Status": "101", "Message": "当前的KEY无效"}),
        TaxCredentialsError,
    ),
    (
        "qcc rate limited 122",
        qcc,
        answer({"Status": "122", "Message": "请求超过系统并发限制"}),
        TaxBureauUnavailableError,
    ),
    ("qcc malformed", qcc, raw(b"not json"), TaxBureauUnavailableError),
    (
        "qcc Data without Name",
        qcc,
        answer({"Status": "200", "Result": {"VerifyResult": 1, "Data": {"BankInfo": 5}}}),
        TaxBureauUnavailableError,
    ),
    ("tyc timeout", tyc, timeout, TaxBureauUnavailableError),
    (
        "tyc quota",
        tyc,
        answer({"error_code": 300006, "reason": "余额不足", "result": None}),
        TaxQuotaExhaustedError,
    ),
    (
        "tyc invalid token",
        tyc,
        answer({"error_code": 300002, "reason": "账号失效", "result": None}),
        TaxCredentialsError,
    ),
    (
        "tyc rate limited",
        tyc,
        answer({"error_code": 300004, "reason": "访问频率过快", "result": None}),
        TaxBureauUnavailableError,
    ),
    (
        "tyc malformed items",
        tyc,
        answer({"error_code": 0, "reason": "ok", "result": {"items": [1]}}),
        TaxBureauUnavailableError,
    ),
]


@pytest.mark.parametrize(
    ("adapter", "handler", "error"), [c[1:] for c in FAILURES], ids=[c[0] for c in FAILURES]
)
async def test_tax_source_failures_become_tax_bureau_errors(
    adapter: Callable[[Handler], TaxBureau], handler: Handler, error: type[TaxBureauError]
) -> None:
    with pytest.raises(error) as caught:
        if adapter is qcc:
            await adapter(handler).invoicing_details(USCC)
        else:
            await adapter(handler).taxpayer_status(USCC)
    assert not caught.value.permanent


async def test_qichacha_unknown_taxpayer_is_not_found() -> None:
    body = {"Status": "200", "Result": {"VerifyResult": 0, "Data": None}}
    with pytest.raises(TaxpayerNotFoundError):
        await qcc(answer(body)).taxpayer_status(USCC)


async def test_qichacha_placeholder_bank_data_is_treated_as_undisclosed() -> None:
    data = {
        "Name": KNOWN,
        "CreditCode": USCC,
        "BankInfo": {"Bank": "XXXXXX", "BankAccount": "XXXXXXXXX"},
    }
    body = {"Status": "200", "OrderNumber": "E1", "Result": {"VerifyResult": 1, "Data": data}}
    details = await qcc(answer(body)).invoicing_details(USCC)
    assert (details.bank_name, details.bank_account) == ("", "")


async def test_tianyancha_has_no_invoicing_endpoint() -> None:
    with pytest.raises(TaxBureauUnavailableError) as caught:
        await tyc(answer({})).invoicing_details(USCC)
    assert caught.value.reason is UnavailableReason.UNSUPPORTED


async def test_an_expired_general_taxpayer_qualification_is_not_current() -> None:
    item = {"taxpayerIdentificationNumber": USCC, "taxpayerQualificationType": "增值税一般纳税人",
            "startDate": "2019-02-01 00:00:00", "endDate": "2020-01-31 00:00:00"}  # fmt: skip
    body = {"error_code": 0, "reason": "ok", "result": {"total": 1, "items": [item]}}
    status = await tyc(answer(body)).taxpayer_status(USCC)
    assert status.qualification is TaxpayerQualification.UNKNOWN


# --- VIES adapter-only cases -----------------------------------------------------------------

VIES_NO_ANSWER: list[tuple[str, Handler]] = [
    ("timeout", timeout),
    ("5xx", raw(b"", 503)),
    (
        "400 INVALID_INPUT",
        answer({"actionSucceed": False, "errorWrappers": [{"error": "INVALID_INPUT"}]}, 400),
    ),
    ("MS_MAX_CONCURRENT_REQ", answer({"isValid": False, "userError": "MS_MAX_CONCURRENT_REQ"})),
    ("TIMEOUT", answer({"isValid": False, "userError": "TIMEOUT"})),
    (
        "GLOBAL_MAX_CONCURRENT_REQ",
        answer({"isValid": False, "userError": "GLOBAL_MAX_CONCURRENT_REQ"}),
    ),
    (
        "errorWrappers with 200",
        answer({"actionSucceed": False, "errorWrappers": [{"error": "MS_UNAVAILABLE"}]}),
    ),
    ("malformed body", raw(b"<html>")),
    ("body is a list", answer([1, 2])),
]


@pytest.mark.parametrize(
    "handler", [c[1] for c in VIES_NO_ANSWER], ids=[c[0] for c in VIES_NO_ANSWER]
)
async def test_every_vies_failure_is_unknown_never_invalid(handler: Handler) -> None:
    check = await ViesVatChecker(client(handler), clock=TestClock()).check("DE136695976")
    assert check.state is VatState.UNKNOWN and check.retry_later


async def test_vies_uses_el_for_greece() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"isValid": True, "userError": "VALID", "name": "---"})

    check = await ViesVatChecker(client(handler), clock=TestClock()).check("GR094259216")
    assert seen == ["/taxation_customs/vies/rest-api/ms/EL/vat/094259216"]
    assert check.state is VatState.VALID


# --- resilient tax bureau --------------------------------------------------------------------


async def test_an_unsupported_operation_falls_back_without_counting_a_failure() -> None:
    clock = TestClock()
    bureau = ResilientTaxBureau(
        [("tianyancha", tyc(answer({}))), ("demo", DemoTaxBureau(clock=clock))], clock=clock
    )
    details = await bureau.invoicing_details(USCC)
    assert details.provider == "demo"
    assert bureau.failover.breaker("tianyancha").failures == 0


async def test_tax_answers_are_cached_for_a_day() -> None:
    clock = TestClock()
    demo = DemoTaxBureau(clock=clock)
    fake = InMemoryTaxBureau([await demo.invoicing_details(USCC)], clock=clock)
    bureau = ResilientTaxBureau([("fake", fake)], cache=InMemoryLookupCache(clock), clock=clock)
    await bureau.invoicing_details(USCC)
    await bureau.invoicing_details(USCC.lower())
    assert len(fake.calls) == 1


async def test_a_tax_source_out_of_quota_is_skipped_until_midnight() -> None:
    clock = TestClock(datetime(2026, 11, 26, 9, 0, tzinfo=CST))
    demo = DemoTaxBureau(clock=clock)
    first = InMemoryTaxBureau(
        statuses=[await demo.taxpayer_status(USCC)], provider="qcc", clock=clock
    )
    first.fail_next(TaxQuotaExhaustedError("qichacha Status 112", provider="qichacha"))
    bureau = ResilientTaxBureau([("qcc", first), ("demo", demo)], clock=clock)
    assert (await bureau.taxpayer_status(USCC)).provider == "demo"
    assert (await bureau.taxpayer_status(USCC)).provider == "demo"
    assert len(first.calls) == 1
    clock.advance(hours=15)
    assert (await bureau.taxpayer_status(USCC)).provider == "qcc"
