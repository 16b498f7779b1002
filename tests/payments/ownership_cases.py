"""The accounts every ownership verifier is asked about in the contract test, and what
the documented provider answers for each (shared by the recorder and the test)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import vcr

from payments.adapters.jumdata import JumdataCredentials
from payments.ports import OwnershipOutcome, OwnershipQuery

FIXED_NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
REPLAY = JumdataCredentials("replay-app-id", "replay-secret")
CODE, NAME = "91310115MAFE1KM15M", "上海澜川智能科技有限公司"

#: account -> outcome (the demo adapter's rule: the last four digits decide)
CASES: dict[str, OwnershipOutcome] = {
    "6222020000000011111": OwnershipOutcome.MATCH,
    "6222020000000010000": OwnershipOutcome.NO_MATCH,
    "6222020000000014444": OwnershipOutcome.NOT_FOUND,
    "6222020000000019999": OwnershipOutcome.UNKNOWN,
}
#: jumdata's ``data.result`` for each outcome (1 pass, 2 fail, 3 cannot verify, 4 no record)
JUMDATA_RESULT = {
    OwnershipOutcome.MATCH: (1, "验证通过"),
    OwnershipOutcome.NO_MATCH: (2, "验证不通过"),
    OwnershipOutcome.UNKNOWN: (3, "无法验证"),
    OwnershipOutcome.NOT_FOUND: (4, "无记录"),
}


def query(account: str) -> OwnershipQuery:
    return OwnershipQuery(CODE, NAME, "陈思远", "中国工商银行上海张江支行", account)


_SECRET_FIELDS = ("appId", "sign", "timestamp")
_MATCHED = ("idNo", "enterpriseAccountNo", "enterpriseName", "legalPersonName", "bankName")


def _form(body: Any) -> dict[str, str]:
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    return dict(parse_qsl(text, keep_blank_values=True))


def _business_form(r1: Any, r2: Any) -> None:
    one, two = _form(r1.body), _form(r2.body)
    if any(one.get(k) != two.get(k) for k in _MATCHED):
        raise AssertionError("different business fields")


def _filter(request: Any) -> Any:
    from urllib.parse import urlencode

    form = _form(request.body)
    request.body = urlencode({k: ("FILTERED" if k in _SECRET_FIELDS else v)
                              for k, v in form.items()}).encode()  # fmt: skip
    return request


def ownership_vcr(record_mode: str = "none") -> vcr.VCR:
    """vcrpy for the ownership providers: credentials filtered from the form body."""
    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "host", "path", "business_form"],
        before_record_request=_filter,
        decode_compressed_response=True,
    )
    recorder.register_matcher("business_form", _business_form)
    return recorder
