"""Write the ownership-verification cassettes from the providers' documented shapes:
jumdata's (``jumdata.yaml``) and e签宝's small-amount flow (``esign/<scenario>.yaml``).

There is no sandbox, so the adapter is run through vcrpy in recording mode against an
``httpx.MockTransport`` answering in the documented shape (docs/payments.md); vcrpy's
filter removes the credentials from the recorded form bodies.

    PYTHONPATH=. .venv/bin/python tests/payments/record_ownership_cassettes.py
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

from payments.adapters.esign import EsignSmallAmountTransfer, signature
from payments.adapters.jumdata import JumdataOwnershipVerifier
from tests.payments import small_amount_cases as small
from tests.payments.ownership_cases import (
    CASES,
    FIXED_NOW,
    JUMDATA_RESULT,
    REPLAY,
    ownership_vcr,
    query,
)

HERE = Path(__file__).parent / "cassettes"


def answer(request: httpx.Request) -> httpx.Response:
    form = dict(parse_qsl(request.content.decode()))
    result, words = JUMDATA_RESULT[CASES[form["enterpriseAccountNo"]]]
    body = {"code": 200, "msg": "成功", "taskNo": f"7703855910032571{result:04d}",
            "charge": result != 3, "data": {"result": result, "resultMsg": words}}  # fmt: skip
    return httpx.Response(200, json=body)


async def record() -> None:
    path = HERE / "jumdata.yaml"
    path.unlink(missing_ok=True)
    with ownership_vcr("all").use_cassette(str(path)):
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            verifier = JumdataOwnershipVerifier(client, REPLAY, clock=lambda: FIXED_NOW)
            for account in CASES:
                await verifier.verify(query(account))
    print(json.dumps({"written": str(path)}))


class EsignServer:
    """e签宝's documented answers (docs/payments.md), one server per scenario: a flow
    id per company, the amount sent is 0.01 (as in e签宝's sandbox), three wrong amounts
    end the flow, and a request whose signature is not e签宝's is refused (401)."""

    def __init__(self) -> None:
        self.paid: set[str] = set()
        self.done: set[str] = set()
        self.wrong: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        url = request.url.raw_path.decode()
        md5 = base64.b64encode(hashlib.md5(request.content).digest()).decode() if body else ""
        expected = signature(small.REPLAY.app_secret, request.method,
                             request.url.path + ("?" + request.url.query.decode()
                                                 if request.url.query else ""),
                             md5, request.headers.get("Content-Type", ""))  # fmt: skip
        if request.headers["X-Tsign-Open-Ca-Signature"] != expected or not url:
            return httpx.Response(401, json={"code": 401, "message": "INVALID_SIGNATURE"})
        flow = request.url.path.split("/")[-2]
        if request.url.path.endswith("/threeFactors"):
            return self.three_factors(body)
        if request.url.path.endswith("/subbranch"):
            branch = {"bankName": "中国工商银行上海张江支行", "bank": "中国工商银行",
                      "cnapsCode": request.url.params["cnapsCode"], "city": "上海市",
                      "province": "上海"}  # fmt: skip
            return self.ok({"list": [branch]})
        if request.url.path.endswith("/transferRandomAmount"):
            if body["cardNo"] == small.TRANSFER_FAILS:
                return httpx.Response(200, json={"code": 1203043, "message": "打款失败"})
            self.paid.add(flow)
            return self.ok(None)
        return self.verify(flow, body["amount"])

    @staticmethod
    def ok(data: object) -> httpx.Response:
        answer = {"code": 0, "message": "成功"} | ({"data": data} if data is not None else {})
        return httpx.Response(200, json=answer)

    def three_factors(self, body: dict[str, str]) -> httpx.Response:
        if body["legalRepName"] != small.LEGAL:
            return httpx.Response(200, json={"code": 30504001,
                                             "message": "信息比对不通过,请检查信息的正确性"})  # fmt: skip
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        return self.ok({"flowId": "83655133" + str(int(digest[:10], 16))[:10]})

    def verify(self, flow: str, amount: float) -> httpx.Response:
        if flow not in self.paid:
            return httpx.Response(200, json={"code": 30500004, "message": "认证流程不存在"})
        if flow in self.done:
            return httpx.Response(200, json={"code": 30500002, "message": "认证流程已结束"})
        if self.wrong.get(flow, 0) >= 3:
            return httpx.Response(200, json={"code": 30502003,
                                             "message": "验证次数超过限制,请重新发起打款"})  # fmt: skip
        if amount == float(small.SENT_AMOUNT):
            self.done.add(flow)
            return self.ok(None)
        self.wrong[flow] = self.wrong.get(flow, 0) + 1
        return httpx.Response(200, json={"code": 30502002, "message": "金额校验失败"})


async def record_esign() -> None:
    for name, (scenario, expected) in small.SCENARIOS.items():
        path = HERE / "esign" / f"{name}.yaml"
        path.unlink(missing_ok=True)
        with small.esign_vcr("all").use_cassette(str(path)):
            transport = httpx.MockTransport(EsignServer())
            async with httpx.AsyncClient(transport=transport) as client:
                transfer = EsignSmallAmountTransfer(
                    client, small.REPLAY, clock=lambda: small.FIXED_NOW
                )
                got = await scenario(transfer)
        assert got == expected, (name, got, expected)
        print(json.dumps({"written": str(path)}))


if __name__ == "__main__":
    asyncio.run(record())
    asyncio.run(record_esign())
