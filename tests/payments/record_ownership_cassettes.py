"""Write the ownership-verification cassette from jumdata's documented shapes.

There is no sandbox, so the adapter is run through vcrpy in recording mode against an
``httpx.MockTransport`` answering in the documented shape (docs/payments.md); vcrpy's
filter removes the credentials from the recorded form bodies.

    PYTHONPATH=. .venv/bin/python tests/payments/record_ownership_cassettes.py
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

from payments.adapters.jumdata import JumdataOwnershipVerifier
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


if __name__ == "__main__":
    asyncio.run(record())
