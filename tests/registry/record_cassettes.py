"""Write the registry cassettes from the documented provider shapes.

There is no sandbox to record from, so the adapters are run through vcrpy in
recording mode against an ``httpx.MockTransport`` that answers with bodies
in the shapes of ``shared/reference/registry-tax-apis.md`` (§1.3, §1.6,
§2.3, §2.4, §3.2), filled from the demo data set. vcrpy's own filters remove
the credentials, exactly as they would on a live recording.

    .venv/bin/python tests/registry/record_cassettes.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import httpx

from registry import CompanyNotFoundError
from registry.adapters.qichacha import QichachaBusinessRegistry
from registry.adapters.qixin import QixinBusinessRegistry
from registry.adapters.tianyancha import TianyanchaBusinessRegistry
from registry.testing import (
    DEREGISTERED,
    EXPIRING,
    FORMER_NAMES,
    KNOWN,
    RECORDING_QCC,
    RECORDING_QIXIN,
    RECORDING_TYC,
    REVOKED,
    TestClock,
    company,
    qcc_410,
    qixin_141,
    tyc_1116,
    unknown_uscc,
)
from tests.support.cassettes import use_cassette

HERE = Path(__file__).parent / "cassettes"
COMPANIES = (KNOWN, FORMER_NAMES, DEREGISTERED, REVOKED, EXPIRING)
_ORDER = iter(range(1, 10_000))


def _by_uscc(code: str) -> Any:
    return next((company(n) for n in COMPANIES if company(n).record.uscc == code), None)


def _json(body: object, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )


def qcc_handler(request: httpx.Request) -> httpx.Response:
    q = request.url.params
    order = f"ECI2026112610{next(_ORDER):06d}"
    if request.url.path == "/ECIV4/GetBasicDetailsByName":
        c = _by_uscc(q["keyword"])
        if c is None:
            return _json(
                {
                    "OrderNumber": order,
                    "Paging": None,
                    "Result": None,
                    "Status": "201",
                    "Message": "【有效请求】查询无结果",
                }
            )
        legacy = c.record.name == FORMER_NAMES  # one body in the legacy V4 shape (TeamEnd)
        result = qcc_410(c, legacy=legacy)
        return _json(
            {
                "Status": "200",
                "Message": "【有效请求】查询成功",
                "OrderNumber": order,
                "Paging": None,
                "Result": result,
            }
        )
    if request.url.path == "/ECIThreeElVerify/GetInfo":
        c = _by_uscc(q["creditCode"])
        if c is None:
            verdict = 0
        elif q["companyName"] != c.record.name:
            verdict = 2
        elif q["operName"] != c.record.legal_representative:
            verdict = 3
        else:
            verdict = 1
        return _json(
            {
                "Status": "200",
                "Message": "【有效请求】查询成功",
                "OrderNumber": f"ECITHREEELVERIFY2026112610{next(_ORDER):06d}",
                "Result": {"VerifyResult": verdict},
            }
        )
    return _json({"Status": "202", "Message": "查询参数错误，请检查", "Result": None})


def tyc_handler(request: httpx.Request) -> httpx.Response:
    q = request.url.params
    if request.url.path == "/services/open/ic/baseinfo/normal":
        c = _by_uscc(q["keyword"])
        if c is None:
            return _json({"error_code": 300000, "reason": "经查无结果", "result": None})
        # Older records come at UTC midnight (reference §2.1): one body does.
        result = tyc_1116(c, utc_midnight=c.record.name == FORMER_NAMES)
        return _json({"error_code": 0, "reason": "ok", "result": result})
    if request.url.path == "/services/open/ic/verify/2.0":
        c = _by_uscc(q["code"])
        ok = (
            c is not None
            and q["name"] == c.record.name
            and q["legalPersonName"] == c.record.legal_representative
        )
        verdict = 1 if ok else 0
        remark = "验证成功" if ok else "验证失败"
        return _json(
            {"error_code": 0, "reason": "ok", "result": {"result": verdict, "remark": remark}}
        )
    return _json({"error_code": 300010, "reason": "URL不存在", "result": None})


def qixin_handler(request: httpx.Request) -> httpx.Response:
    c = _by_uscc(request.url.params["keyword"])
    if c is None:
        return _json({"status": "201", "message": "查询无结果", "data": None})
    return _json({"status": "200", "message": "操作成功", "data": qixin_141(c)})


async def _exercise(registry: Any) -> None:
    for name in COMPANIES:
        await registry.lookup(company(name).record.uscc)
    with contextlib.suppress(CompanyNotFoundError):  # recording the not-found answer
        await registry.lookup(unknown_uscc())
    known = company(KNOWN).record
    await registry.verify_three_elements(known.uscc, known.name, known.legal_representative)
    await registry.verify_three_elements(known.uscc, known.name, "王五")


async def record() -> None:
    clock = TestClock()
    jobs: list[tuple[str, Any, Any]] = [
        (
            "qichacha.yaml",
            qcc_handler,
            lambda c: QichachaBusinessRegistry(c, RECORDING_QCC, clock=clock),
        ),
        (
            "tianyancha.yaml",
            tyc_handler,
            lambda c: TianyanchaBusinessRegistry(c, RECORDING_TYC, clock=clock),
        ),
        (
            "qixin.yaml",
            qixin_handler,
            lambda c: QixinBusinessRegistry(c, RECORDING_QIXIN, clock=clock),
        ),
    ]
    for filename, handler, build in jobs:
        path = HERE / filename
        path.unlink(missing_ok=True)
        with use_cassette(path, "all"):
            async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
                await _exercise(build(client))


if __name__ == "__main__":
    asyncio.run(record())
