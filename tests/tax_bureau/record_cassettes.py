"""Write the tax-bureau cassettes from the documented provider shapes.

Like ``tests/registry/record_cassettes.py``: the adapters run through vcrpy
in recording mode against an ``httpx.MockTransport`` that answers in the
shapes of the reference (企查查 2001/271/1132 §1.4-1.7, 天眼查 1048 §2.5,
VIES GET §6.1-6.2), filled from the demo data set; vcrpy filters the
credentials.

    .venv/bin/python tests/tax_bureau/record_cassettes.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import httpx

from registry.testing import (
    KNOWN,
    RECORDING_QCC,
    RECORDING_TYC,
    SMALL_SCALE,
    TAX_ABNORMAL,
    TestClock,
    company,
    qcc_2001,
    tyc_1048,
    unknown_uscc,
)
from tax_bureau.adapters.qichacha import QichachaTaxBureau
from tax_bureau.adapters.tianyancha import TianyanchaTaxBureau
from tax_bureau.adapters.vies import ViesVatChecker
from tax_bureau.errors import TaxpayerNotFoundError
from tests.support.cassettes import use_cassette

HERE = Path(__file__).parent / "cassettes"
COMPANIES = (KNOWN, TAX_ABNORMAL, SMALL_SCALE)
_ORDER = iter(range(1, 10_000))

VIES_VALID_UNDISCLOSED = "DE136695976"  # DE rarely discloses name and address: "---"
VIES_VALID = "FR40303265045"
VIES_INVALID = "NL004495445B01"
VIES_MS_UNAVAILABLE = "IT00010000016"


def _by_number(code: str) -> Any:
    return next((company(n) for n in COMPANIES if company(n).record.uscc == code), None)


def _json(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )


def _qcc(result: object, order_prefix: str, status: str = "200") -> httpx.Response:
    message = "【有效请求】查询成功" if status == "200" else "【有效请求】查询无结果"
    order = f"{order_prefix}2026112610{next(_ORDER):06d}"
    body = {"Status": status, "Message": message, "OrderNumber": order, "Paging": None}
    return _json(body | {"Result": result})


def qcc_handler(request: httpx.Request) -> httpx.Response:
    q, path = request.url.params, request.url.path
    if path == "/EnterpriseInfo/Verify":
        c = _by_number(q["searchKey"])
        if c is None:
            return _qcc(None, "ENTERPRISEINFO", "201")
        data = qcc_2001(c)
        # The doc shows Data as an object, the SDK as a list (§1.4): record both.
        return _qcc(
            {"VerifyResult": 1, "Data": [data] if c.record.name == TAX_ABNORMAL else data},
            "ENTERPRISEINFO",
        )
    if path == "/TaxAbnormalCheck/GetList":
        c = _by_number(q["searchKey"])
        if c is None or c.tax["status"] != "非正常户":
            if c is not None and c.record.name == SMALL_SCALE:
                return _qcc(None, "TAXABNORMALCHECK", "201")
            return _qcc({"VerifyResult": 0, "Data": []}, "TAXABNORMALCHECK")
        record = {
            "TaxNo": c.invoicing["tax_number"],
            "AddOffice": c.tax["abnormal_office"],
            "AddDate": c.tax["abnormal_since"],
        }
        return _qcc({"VerifyResult": 1, "Data": [record]}, "TAXABNORMALCHECK")
    if path == "/ECICreditCode/GetCreditCodeNew":
        c = next((company(n) for n in COMPANIES if company(n).record.name == q["keyWord"]), None)
        if c is None:
            return _qcc(None, "ECICREDITCODE", "201")
        inv = c.invoicing
        result = {
            "Name": inv["title"],
            "CreditCode": inv["tax_number"],
            "EconKind": c.record.entity_type,
            "Status": "存续（在营、开业、在册）",
            "Address": inv["address"],
            "Tel": inv["phone"],
            "Bank": inv["bank"],
            "BankAccount": inv["account"],
        }
        return _qcc(result, "ECICREDITCODE")
    return _json({"Status": "202", "Message": "查询参数错误，请检查", "Result": None})


def tyc_handler(request: httpx.Request) -> httpx.Response:
    c = _by_number(request.url.params["keyword"])
    result = tyc_1048(c) if c is not None else None
    if result is None:
        return _json({"error_code": 300000, "reason": "经查无结果", "result": None})
    return _json({"error_code": 0, "reason": "ok", "result": result})


def vies_handler(request: httpx.Request) -> httpx.Response:
    country, number = request.url.path.split("/")[-3], request.url.path.split("/")[-1]
    base = {
        "requestDate": "2026-11-26T02:00:00.000Z",
        "requestIdentifier": "",
        "originalVatNumber": number,
        "vatNumber": number,
        "viesApproximate": {
            "name": "---",
            "street": "---",
            "postalCode": "---",
            "city": "---",
            "companyType": "---",
            "matchName": 3,
            "matchStreet": 3,
            "matchPostalCode": 3,
            "matchCity": 3,
            "matchCompanyType": 3,
        },
    }
    full = country + number
    if full == VIES_VALID_UNDISCLOSED:
        return _json(
            base | {"isValid": True, "userError": "VALID", "name": "---", "address": "---"}
        )
    if full == VIES_VALID:
        return _json(
            base
            | {
                "isValid": True,
                "userError": "VALID",
                "name": "SARL EXEMPLE FICTIF",
                "address": "1 RUE DE L'EXEMPLE\n75001 PARIS",
            }
        )
    if full == VIES_INVALID:
        return _json(
            base | {"isValid": False, "userError": "INVALID", "name": "---", "address": "---"}
        )
    return _json(
        base | {"isValid": False, "userError": "MS_UNAVAILABLE", "name": "---", "address": "---"}
    )


async def record() -> None:
    clock = TestClock()
    numbers = [company(n).record.uscc for n in COMPANIES]

    async def qcc_calls(client: httpx.AsyncClient) -> None:
        bureau = QichachaTaxBureau(client, RECORDING_QCC, clock=clock)
        for number in numbers:
            await bureau.invoicing_details(number)
            await bureau.taxpayer_status(number)
        with contextlib.suppress(TaxpayerNotFoundError):
            await bureau.invoicing_details(unknown_uscc())
        await bureau.invoicing_details_by_name(KNOWN)

    async def tyc_calls(client: httpx.AsyncClient) -> None:
        bureau = TianyanchaTaxBureau(client, RECORDING_TYC, clock=clock)
        for number in [*numbers, unknown_uscc()]:
            await bureau.taxpayer_status(number)

    async def vies_calls(client: httpx.AsyncClient) -> None:
        checker = ViesVatChecker(client, clock=clock)
        for number in (VIES_VALID_UNDISCLOSED, VIES_VALID, VIES_INVALID, VIES_MS_UNAVAILABLE):
            await checker.check(number)

    jobs: list[tuple[str, Any, Any]] = [
        ("qichacha.yaml", qcc_handler, qcc_calls),
        ("tianyancha.yaml", tyc_handler, tyc_calls),
        ("vies.yaml", vies_handler, vies_calls),
    ]
    for filename, handler, calls in jobs:
        path = HERE / filename
        path.unlink(missing_ok=True)
        with use_cassette(path, "all"):
            async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
                await calls(client)


if __name__ == "__main__":
    asyncio.run(record())
