"""Adapter-only cases with inline httpx.MockTransport handlers: auth, failures, quirks.

None of the failures makes a supplier invalid: each is "unknown, retry later".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from providers.settings import QichachaCredentials, QixinCredentials, TianyanchaCredentials
from registry import (
    BusinessRegistry,
    CompanyNotFoundError,
    InvalidCredentialsError,
    InvalidQueryError,
    ProviderUnavailableError,
    QuotaExhaustedError,
    RegistryError,
    UnavailableReason,
)
from registry.adapters.qichacha import QichachaBusinessRegistry
from registry.adapters.qixin import QixinBusinessRegistry
from registry.adapters.tianyancha import TianyanchaBusinessRegistry
from registry.testing import FIXED_NOW, KNOWN, TestClock, company, qcc_410
from tax_bureau.fakes import InMemoryTaxBureau
from verification import State, SupplierClaims, VerificationService

Handler = Callable[[httpx.Request], httpx.Response]
QCC = QichachaCredentials("my-key", "my-secret")
TYC = TianyanchaCredentials("my-token")
QIXIN = QixinCredentials("my-appkey", "my-secret")
USCC = company(KNOWN).record.uscc


def qcc(handler: Handler) -> QichachaBusinessRegistry:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return QichachaBusinessRegistry(client, QCC, clock=TestClock())


def tyc(handler: Handler) -> TianyanchaBusinessRegistry:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return TianyanchaBusinessRegistry(client, TYC, clock=TestClock())


def qixin(handler: Handler) -> QixinBusinessRegistry:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return QixinBusinessRegistry(client, QIXIN, clock=TestClock())


def answer(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def raw(content: bytes, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, content=content)


def timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


# --- authentication and signatures ---------------------------------------------------------


async def test_qichacha_signs_with_upper_case_md5_of_key_timespan_and_secret() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"Status": "200", "Result": qcc_410(company(KNOWN))})

    await qcc(handler).lookup(USCC)
    request = seen[0]
    timespan = str(int(FIXED_NOW.timestamp()))
    expected = hashlib.md5(f"my-key{timespan}my-secret".encode()).hexdigest().upper()
    assert request.headers["Timespan"] == timespan
    assert request.headers["Token"] == expected
    assert request.url.params["key"] == "my-key"
    assert request.url.params["keyword"] == USCC
    assert "my-secret" not in str(request.url)


async def test_tianyancha_sends_the_raw_token_without_bearer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error_code": 300000, "reason": "无数据", "result": None})

    with pytest.raises(CompanyNotFoundError):
        await tyc(handler).lookup(USCC)
    assert seen[0].headers["Authorization"] == "my-token"


async def test_qixin_signs_with_lower_case_md5_and_millisecond_timestamp() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "201", "message": "查询无结果", "data": None})

    with pytest.raises(CompanyNotFoundError):
        await qixin(handler).lookup(USCC)
    headers = seen[0].headers
    ms = str(int(FIXED_NOW.timestamp() * 1000))
    assert headers["Auth-Version"] == "2.0" and headers["timestamp"] == ms
    assert headers["sign"] == hashlib.md5(f"my-appkey{ms}my-secret".encode()).hexdigest()
    assert "secret" not in str(seen[0].url)


# --- failures, per provider ----------------------------------------------------------------

FAILURES: list[tuple[str, Callable[[Handler], BusinessRegistry], Handler, type[RegistryError], str]]
FAILURES = [
    ("qcc timeout", qcc, timeout, ProviderUnavailableError, "timeout"),
    ("qcc network", qcc, refused, ProviderUnavailableError, "network"),
    ("qcc 5xx", qcc, raw(b"<html>502 Bad Gateway</html>", 502), ProviderUnavailableError, "server_error"),
    ("qcc quota 112", qcc, answer({"Status": "112", "Message": "【无效请求】您的账号剩余使用量已不足或已过期", "OrderNumber": "ECICERTIFICATION2024080709174477213715", "Result": None}), QuotaExhaustedError, ""),
    ("qcc arrears 102", qcc, answer({"Status": "102", "Message": "当前KEY已欠费"}), QuotaExhaustedError, ""),
    ("qcc invalid key 101", qcc, answer({"Status": "101", "Message": "当前的KEY无效或者还未生效中"}), InvalidCredentialsError, ""),
    ("qcc bad signature 107", qcc, answer({"Status": "107", "Message": "被禁止的IP或者签名错误"}), InvalidCredentialsError, ""),
    ("qcc concurrency 122", qcc, answer({"Status": "122", "Message": "请求超过系统并发限制"}), ProviderUnavailableError, "rate_limited"),
    ("qcc http 429", qcc, raw(b"", 429), ProviderUnavailableError, "rate_limited"),
    ("qcc not json", qcc, raw(b"<html>maintenance</html>"), ProviderUnavailableError, "malformed"),
    ("qcc no envelope", qcc, answer({"foo": "bar"}), ProviderUnavailableError, "malformed"),
    ("qcc result without Name", qcc, answer({"Status": "200", "Result": {"CreditCode": USCC}}), ProviderUnavailableError, "malformed"),
    ("qcc system error 199", qcc, answer({"Status": "199", "Message": "系统未知错误"}), ProviderUnavailableError, "busy"),
    ("tyc timeout", tyc, timeout, ProviderUnavailableError, "timeout"),
    ("tyc 5xx", tyc, raw(b"", 503), ProviderUnavailableError, "server_error"),
    ("tyc quota 300007", tyc, answer({"error_code": 300007, "reason": "剩余次数不足", "result": None}), QuotaExhaustedError, ""),
    ("tyc balance 300006", tyc, answer({"error_code": 300006, "reason": "余额不足", "result": None}), QuotaExhaustedError, ""),
    ("tyc invalid token 300002", tyc, answer({"error_code": 300002, "reason": "账号失效", "result": None}), InvalidCredentialsError, ""),
    ("tyc rate limited 300004", tyc, answer({"error_code": 300004, "reason": "访问频率过快", "result": None}), ProviderUnavailableError, "rate_limited"),
    ("tyc not json", tyc, raw(b"{oops"), ProviderUnavailableError, "malformed"),
    ("tyc result is a list", tyc, answer({"error_code": 0, "reason": "ok", "result": [1]}), ProviderUnavailableError, "malformed"),
    ("qixin timeout", qixin, timeout, ProviderUnavailableError, "timeout"),
    ("qixin 5xx", qixin, raw(b"", 500), ProviderUnavailableError, "server_error"),
    ("qixin inactive account 113", qixin, answer({"status": "113", "message": "账户未激活"}), InvalidCredentialsError, ""),
    ("qixin balance", qixin, answer({"status": "300", "message": "积分余额不足"}), QuotaExhaustedError, ""),
    ("qixin http 401", qixin, raw(b"", 401), InvalidCredentialsError, ""),
    ("qixin not json", qixin, raw(b""), ProviderUnavailableError, "malformed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("adapter", "handler", "error", "reason"),
    [case[1:] for case in FAILURES],
    ids=[case[0] for case in FAILURES],
)
async def test_provider_failures_become_registry_errors_and_nothing_from_httpx_escapes(
    adapter: Callable[[Handler], BusinessRegistry],
    handler: Handler,
    error: type[RegistryError],
    reason: str,
) -> None:
    with pytest.raises(error) as caught:
        await adapter(handler).lookup(USCC)
    assert not isinstance(caught.value, CompanyNotFoundError)
    assert not caught.value.permanent
    if reason:
        assert isinstance(caught.value, ProviderUnavailableError)
        assert caught.value.reason == UnavailableReason(reason)
        assert caught.value.retryable and "retry" in str(caught.value)


@pytest.mark.parametrize(
    ("adapter", "handler", "error", "reason"),
    [case[1:] for case in FAILURES],
    ids=[case[0] for case in FAILURES],
)
async def test_no_provider_failure_turns_a_supplier_invalid(
    adapter: Callable[[Handler], BusinessRegistry],
    handler: Handler,
    error: type[RegistryError],
    reason: str,
) -> None:
    known = company(KNOWN).record
    service = VerificationService(adapter(handler), InMemoryTaxBureau(), clock=TestClock())
    claims = SupplierClaims(
        name="上海澜川智能科技",  # truncated: would be a finding if the registry answered
        uscc=known.uscc,
        legal_representative="王五",
        bank_account_holders=("别的公司",),
    )
    result = await service.verify(claims)
    assert result.codes == ("registry.unavailable",)
    assert result.findings[0].severity.value == "info"
    assert {s.state for s in result.fields.values()} == {State.UNKNOWN}
    assert result.needs_retry


UNKNOWN_COMPANY: list[tuple[str, Callable[[Handler], BusinessRegistry], Handler]] = [
    ("qcc 201", qcc, answer({"OrderNumber": "ECI2019072909161216380909", "Paging": None, "Result": None, "Status": "201", "Message": "查询无结果"})),
    ("tyc 300000", tyc, answer({"error_code": 300000, "reason": "经查无结果", "result": None})),
    ("qixin 201", qixin, answer({"status": "201", "message": "查询无结果", "data": None})),
]  # fmt: skip


@pytest.mark.parametrize(
    ("adapter", "handler"), [c[1:] for c in UNKNOWN_COMPANY], ids=[c[0] for c in UNKNOWN_COMPANY]
)
async def test_an_unknown_company_is_a_permanent_not_found(
    adapter: Callable[[Handler], BusinessRegistry], handler: Handler
) -> None:
    with pytest.raises(CompanyNotFoundError) as caught:
        await adapter(handler).lookup(USCC)
    assert caught.value.permanent


async def test_qichacha_not_found_keeps_the_order_number_as_evidence() -> None:
    body = {"OrderNumber": "ECI2019072909161216380909", "Result": None, "Status": "201"}
    with pytest.raises(CompanyNotFoundError) as caught:
        await qcc(answer(body)).lookup(USCC)
    assert caught.value.request_id == "ECI2019072909161216380909"


async def test_qichacha_parameter_errors_are_input_errors() -> None:
    with pytest.raises(InvalidQueryError):
        await qcc(answer({"Status": "223", "Message": "查询参数模糊，无法获取结果"})).lookup(
            "某某公司"
        )


async def test_qichacha_repeated_errors_ask_to_wait_two_hours() -> None:
    with pytest.raises(ProviderUnavailableError) as caught:
        await qcc(
            answer({"Status": "110", "Message": "当前相同查询连续出错，请等2小时后重试"})
        ).lookup(USCC)
    assert caught.value.retry_after is not None
    assert caught.value.retry_after.total_seconds() == 7200


# --- date and shape quirks -----------------------------------------------------------------


async def test_qichacha_reads_legacy_team_end_and_every_date_vintage() -> None:
    result = qcc_410(company(KNOWN)) | {
        "StartDate": "1992-09-28 12:00:00",
        "TermStart": "2012-07-10T00:00:00",
        "TeamEnd": "2030-03-02",
        "TermEnd": None,
        "RegisteredCapital": "",
        "RegistCapi": "185000 万元",
        "Status": "存续（在营、开业、在册）",
    }
    record = await qcc(answer({"Status": "200", "Result": result})).lookup(USCC)
    assert (record.established_on.isoformat(), record.term_from.isoformat()) == (  # type: ignore[union-attr]
        "1992-09-28",
        "2012-07-10",
    )
    assert record.term_to is not None and record.term_to.isoformat() == "2030-03-02"
    assert record.registered_capital is not None
    assert record.registered_capital.amount == 1_850_000_000
    assert record.status.value == "存续"


@pytest.mark.parametrize("term_end", [None, "", "长期", "无固定期限", "9999-12-31"])
async def test_qichacha_open_ended_terms_in_every_spelling(term_end: str | None) -> None:
    result = qcc_410(company(KNOWN)) | {"TermEnd": term_end}
    record = await qcc(answer({"Status": "200", "Result": result})).lookup(USCC)
    assert record.open_ended


async def test_tianyancha_reads_millisecond_dates_in_china_time_and_the_9999_sentinel() -> None:
    body = {
        "error_code": 0,
        "reason": "ok",
        "result": {
            "name": "<em>上海澜川</em>智能科技有限公司",
            "creditCode": USCC,
            "legalPersonName": "陈思远",
            "regStatus": "吊销，已注销",
            "regCapital": "77800.32万人民币",
            "estiblishTime": 847900800000,  # 1996-11-14 00:00 CST
            "fromTime": 1288569600000,  # 2010-11-01 00:00 UTC, 08:00 CST
            "toTime": 253402185600000,  # 9999-12-31: no end
            "historyNames": "旧名甲;旧名乙;",
        },
    }
    record = await tyc(answer(body)).lookup(USCC)
    assert record.name == "上海澜川智能科技有限公司"
    assert str(record.established_on) == "1996-11-14" and str(record.term_from) == "2010-11-01"
    assert record.open_ended
    assert record.status.value == "注销"
    assert record.former_names == ("旧名甲", "旧名乙")
    assert record.registered_capital is not None
    assert str(record.registered_capital.amount) == "778003200"


async def test_tianyancha_former_name_answer_of_the_three_element_check() -> None:
    body = {"error_code": 0, "reason": "ok", "result": {"result": 2, "remark": "疑似曾用名"}}
    result = await tyc(answer(body)).verify_three_elements(USCC, "旧名", "陈思远")
    assert not result.matches and result.outcome.value == "former_name"


async def test_qichacha_three_element_answers_say_which_element_differs() -> None:
    outcomes = []
    for verdict in (0, 1, 2, 3):
        body = {"Status": "200", "OrderNumber": "X", "Result": {"VerifyResult": verdict}}
        result = await qcc(answer(body)).verify_three_elements(USCC, KNOWN, "陈思远")
        outcomes.append(result.outcome.value)
    assert outcomes == ["unknown_code", "match", "name_mismatch", "legal_rep_mismatch"]


def test_the_adapters_never_put_secrets_in_repr() -> None:
    assert "my-secret" not in repr(QCC) and "my-token" not in repr(TYC)
    assert "my-secret" not in json.dumps(repr(QIXIN))
