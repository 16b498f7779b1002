"""Test support shared by ``tests/registry`` and ``tests/tax_bureau`` (not used at run time).

Provider bodies are built from the demo data set in the shapes documented in
``shared/reference/registry-tax-apis.md``, so that recorded cassettes, the
demo provider and the fakes all describe the same fictional companies. The
vcrpy configuration lives in ``tests/support/cassettes.py`` (vcrpy is a
development dependency and this package ships).

>>> tc = TestClock(); tc.advance(hours=25); tc().isoformat()
'2026-11-27T03:00:00+00:00'
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from providers.dates import CST
from providers.demo_generate import make_uscc
from providers.settings import QichachaCredentials, QixinCredentials, TianyanchaCredentials
from registry.adapters.demo import DemoCompany, load_demo_companies

FIXED_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)

KNOWN = "上海澜川智能科技有限公司"  # active, open-ended term, general taxpayer
FORMER_NAMES = "厦门鹭岛新材料科技有限公司"  # has a former name
DEREGISTERED = "武汉楚联建材贸易有限公司"  # 注销
REVOKED = "青岛海岱食品有限公司"  # 吊销，未注销
EXPIRING = "深圳市鹏远电子元件有限公司"  # term ends 2026-12-20
TAX_ABNORMAL = "重庆山城汽车配件有限公司"  # 非正常户
SMALL_SCALE = "杭州禾木包装材料有限公司"  # 小规模纳税人, term ends 2027-01-14

#: Credentials used while recording; the cassettes must not contain them.
RECORDING_QCC = QichachaCredentials("RECORDING-KEY", "RECORDING-SECRET")
RECORDING_TYC = TianyanchaCredentials("RECORDING-TOKEN")
RECORDING_QIXIN = QixinCredentials("RECORDING-APPKEY", "RECORDING-QIXIN-SECRET")


class _ReplayCredentials:
    """Credentials for replaying cassettes (any value works: they are never matched)."""

    qcc = QichachaCredentials("REPLAY-KEY", "REPLAY-SECRET")
    tyc = TianyanchaCredentials("REPLAY-TOKEN")
    qixin = QixinCredentials("REPLAY-APPKEY", "REPLAY-SECRET")


REPLAY_CREDENTIALS = _ReplayCredentials()
RECORDING_SECRETS = (
    "RECORDING-KEY",
    "RECORDING-SECRET",
    "RECORDING-TOKEN",
    "RECORDING-APPKEY",
    "RECORDING-QIXIN-SECRET",
)


class TestClock:
    """A clock tests move by hand."""

    __test__ = False

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def company(name: str) -> DemoCompany:
    """The demo company with this exact name."""
    return next(c for c in load_demo_companies() if c.record.name == name)


def unknown_uscc() -> str:
    """A valid credit code that no demo company has."""
    taken = {c.record.uscc for c in load_demo_companies()}
    code = make_uscc("91", "310115", "MA1H7GX")
    assert code not in taken
    return code


# --- provider bodies built from a demo company ---------------------------------------------


def _amount(c: DemoCompany) -> tuple[str, str, str]:
    capital = c.record.registered_capital
    assert capital is not None
    wan = capital.amount / 10_000
    text = f"{wan:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (text, "万", capital.currency)


def _iso(d: date | None, style: str = "plain") -> str | None:
    if d is None:
        return None
    if style == "tz":
        return f"{d.isoformat()}T00:00:00+08:00"
    if style == "space":
        return f"{d.isoformat()} 00:00:00"
    return d.isoformat()


def _capital_words(c: DemoCompany) -> str:
    amount, unit, currency = _amount(c)
    words = {"CNY": "人民币", "USD": "美元", "HKD": "港元"}[currency]
    return f"{amount}{unit}{words}"


def qcc_410(c: DemoCompany, *, legacy: bool = False) -> dict[str, Any]:
    """A 410 ``Result``; ``legacy``: the V4 shape (``TeamEnd``, spaced dates, text capital)."""
    r = c.record
    amount, unit, ccy = _amount(c)
    style = "space" if legacy else "tz"
    body: dict[str, Any] = {
        "KeyNo": f"k{r.uscc.lower()}",
        "Name": r.name,
        "No": r.uscc[2:8] + "000" + r.uscc[8:14],
        "BelongOrg": r.registration_authority,
        "OperId": "p0a1b2c3",
        "OperName": r.legal_representative,
        "StartDate": _iso(r.established_on, style),
        "EndDate": "",
        "Status": r.status_text,
        "Province": "",
        "UpdatedDate": "2026-11-20 06:16:02",
        "CreditCode": r.uscc,
        "RegistCapi": _capital_words(c),
        "EconKind": r.entity_type,
        "Address": r.address,
        "Scope": r.business_scope,
        "TermStart": _iso(r.term_from, style),
        "CheckDate": "2024-07-20",
        "OrgNo": f"{r.uscc[8:16]}-{r.uscc[16]}",
        "IsOnStock": "0",
        "StockNumber": "",
        "StockType": "",
        "OriginalName": [{"Name": n, "ChangeDate": "2019-03-01"} for n in r.former_names],
        "ImageUrl": "",
        "EntType": "0",
        "RevokeInfo": None,
        "Area": {"Province": "", "City": "", "County": ""},
        "AreaCode": r.uscc[2:8],
    }
    if legacy:
        body["TeamEnd"] = _iso(r.term_to, style) or ""
    else:
        body["TermEnd"] = _iso(r.term_to, style)
        body.update(RegisteredCapital=amount, RegisteredCapitalUnit=unit, RegisteredCapitalCCY=ccy)
    return body


def qcc_2001(c: DemoCompany) -> dict[str, Any]:
    """A 2001 ``Data`` object: the 410 fields plus TaxNo, TaxpayerType and BankInfo."""
    data = qcc_410(c)
    inv = c.invoicing
    data.update(
        Status="存续（在营、开业、在册）"
        if c.record.status_text == "存续"
        else c.record.status_text,
        TaxNo=inv["tax_number"],
        TaxpayerType=c.tax["qualification"],
        ContactInfo={"WebSiteList": [], "Email": "", "Tel": inv["phone"]},
        BankInfo={
            "Bank": inv["bank"],
            "BankAccount": inv["account"],
            "Name": inv["title"],
            "CreditCode": inv["tax_number"],
            "Address": inv["address"],
            "Tel": inv["phone"],
        },
    )
    return data


def _ms(d: date | None, utc_midnight: bool = False) -> int | None:
    if d is None:
        return None
    tz = UTC if utc_midnight else CST
    return int(datetime.combine(d, time(0), tzinfo=tz).timestamp() * 1000)


def tyc_1116(c: DemoCompany, *, utc_midnight: bool = False) -> dict[str, Any]:
    """A 1116 ``result``: epoch-ms dates (``estiblishTime`` sic), ``toTime`` null for 长期."""
    r = c.record
    amount, unit, currency = _amount(c)
    words = {"CNY": "人民币", "USD": "美元", "HKD": "港元"}[currency]
    return {
        "id": 11684584,
        "name": r.name,
        "historyNames": "".join(f"{n};" for n in r.former_names),
        "historyNameList": list(r.former_names),
        "regStatus": r.status_text,
        "regCapital": f"{amount}{unit}{words}",
        "regCapitalCurrency": words,
        "legalPersonName": r.legal_representative,
        "type": 1,
        "creditCode": r.uscc,
        "regNumber": r.uscc[2:8] + "000" + r.uscc[8:14],
        "orgNumber": r.uscc[8:17],
        "taxNumber": r.uscc,
        "companyOrgType": r.entity_type,
        "estiblishTime": _ms(r.established_on, utc_midnight),
        "fromTime": _ms(r.term_from, utc_midnight),
        "toTime": _ms(r.term_to, utc_midnight),
        "approvedTime": 1582646400000,
        "regInstitute": r.registration_authority,
        "regLocation": r.address,
        "businessScope": r.business_scope,
        "cancelDate": None,
        "cancelReason": "",
        "revokeDate": None,
        "revokeReason": "",
        "isMicroEnt": 0,
        "base": "",
        "updateTimes": 1763000000000,
    }


def qixin_141(c: DemoCompany) -> dict[str, Any]:
    """A 启信宝 1.41 ``data`` object."""
    r = c.record
    return {
        "id": f"q-{r.uscc.lower()}",
        "name": r.name,
        "creditNo": r.uscc,
        "regNo": r.uscc[2:8] + "000" + r.uscc[8:14],
        "operName": r.legal_representative,
        "econKind": r.entity_type,
        "registCapi": _capital_words(c),
        "startDate": _iso(r.established_on),
        "termStart": _iso(r.term_from),
        "termEnd": _iso(r.term_to),
        "checkDate": "2024-07-20",
        "belongOrg": r.registration_authority,
        "address": r.address,
        "scope": r.business_scope,
        "status": r.status_text,
        "historyNames": list(r.former_names),
        "type_new": "01",
        "districtCode": r.uscc[2:8],
    }


def tyc_1048(c: DemoCompany) -> dict[str, Any] | None:
    """A 1048 ``result`` listing the company if it is a general taxpayer, else None."""
    if c.tax["qualification"] != "一般纳税人":
        return None
    return {
        "total": 1,
        "items": [
            {
                "name": c.record.name,
                "alias": "",
                "logo": "",
                "taxpayerIdentificationNumber": c.invoicing["tax_number"],
                "taxpayerQualificationType": "增值税一般纳税人",
                "startDate": "2019-02-01 00:00:00",
                "endDate": "9999-12-31 00:00:00",
            }
        ],
    }


__all__ = [
    "DEREGISTERED",
    "EXPIRING",
    "FIXED_NOW",
    "FORMER_NAMES",
    "KNOWN",
    "RECORDING_QCC",
    "RECORDING_QIXIN",
    "RECORDING_SECRETS",
    "RECORDING_TYC",
    "REPLAY_CREDENTIALS",
    "REVOKED",
    "SMALL_SCALE",
    "TAX_ABNORMAL",
    "TestClock",
    "company",
    "qcc_410",
    "qcc_2001",
    "qixin_141",
    "tyc_1048",
    "tyc_1116",
    "unknown_uscc",
]
