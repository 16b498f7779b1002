"""A foreign supplier's tax identity: country, scheme and number, checked with python-stdnum.

A supplier registered outside mainland China has no 统一社会信用代码; it has a number
of its own country's scheme instead: an EU VAT number (``DE136695976``), a UK VAT number,
a US EIN, a Japanese corporate number (法人番号) ... Each scheme is one python-stdnum
module, so the same four verbs apply: the value is compacted, validated (check digits
included) and shown in the country's usual format.

What a person types is ``[SCHEME:]NUMBER``. Without a scheme, a number that starts
with an EU country prefix is an EU VAT number and one that starts with ``GB`` a UK VAT
number; every other scheme must be named (a US EIN looks like many other numbers).

>>> parse("de 136 695 976")
ForeignTaxId(scheme='eu_vat', country='DE', number='DE136695976')
>>> parse("us_ein: 04-2103594").shown, parse("GB980780684").key
('04-2103594', 'gb_vat:GB980780684')
>>> try:
...     parse("DE136695975")
... except ValueError as exc:
...     print(type(exc).__name__, exc)
...     print(exc.message_zh)
InvalidChecksum DE136695975 is not a valid EU VAT number: the check digit is wrong
DE136695975 不是有效的欧盟增值税号：校验位不对
>>> is_valid("XX:1"), is_valid("us_ein:04-2103594")
(False, True)
>>> from_key("eu_vat:FR40303265045").words_en
'EU VAT number FR40303265045'
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from stdnum.exceptions import InvalidChecksum as StdnumChecksum
from stdnum.exceptions import InvalidLength as StdnumLength
from stdnum.exceptions import ValidationError

from portal.domain import text, uscc
from portal.domain.errors import (
    DomainValidationError,
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)

__all__ = [
    "SCHEMES",
    "ForeignTaxId",
    "Scheme",
    "from_key",
    "is_valid",
    "parse",
    "supplier_number",
]

CODE = "foreign_tax_id.invalid"


@dataclass(frozen=True)
class Scheme:
    """One country's tax-number scheme and the python-stdnum module that checks it."""

    code: str
    module: str
    country: str  # "" for EU VAT: the number's prefix names the member state
    zh: str
    en: str


SCHEMES: dict[str, Scheme] = {
    s.code: s
    for s in (
        Scheme("eu_vat", "stdnum.eu.vat", "", "欧盟增值税号", "EU VAT number"),
        Scheme("gb_vat", "stdnum.gb.vat", "GB", "英国增值税号", "UK VAT number"),
        Scheme("ch_vat", "stdnum.ch.vat", "CH", "瑞士增值税号", "Swiss VAT number"),
        Scheme("no_vat", "stdnum.no.mva", "NO", "挪威增值税号", "Norwegian VAT number"),
        Scheme("us_ein", "stdnum.us.ein", "US", "美国雇主识别号 (EIN)", "US EIN"),
        Scheme("jp_cn", "stdnum.jp.cn", "JP", "日本法人番号", "Japanese corporate number"),
        Scheme("sg_uen", "stdnum.sg.uen", "SG", "新加坡实体识别号 (UEN)", "Singapore UEN"),
        Scheme("au_abn", "stdnum.au.abn", "AU", "澳大利亚商业号码 (ABN)", "Australian ABN"),
        Scheme("kr_brn", "stdnum.kr.brn", "KR", "韩国营业登记号", "Korean business number"),
        Scheme("tw_ubn", "stdnum.tw.ubn", "TW", "台湾统一编号", "Taiwan business number"),
        Scheme("ca_bn", "stdnum.ca.bn", "CA", "加拿大商业号码 (BN)", "Canadian business number"),
        Scheme("in_gstin", "stdnum.in_.gstin", "IN", "印度 GSTIN", "Indian GSTIN"),
    )
}


@cache
def _module(scheme: Scheme) -> ModuleType:
    return importlib.import_module(scheme.module)


@dataclass(frozen=True)
class ForeignTaxId:
    """A validated foreign tax number; ``number`` is stdnum's compact (canonical) form."""

    scheme: str
    country: str
    number: str

    @property
    def key(self) -> str:
        """One string per identity: what is stored, unique, and a dedup blocking key."""
        return f"{self.scheme}:{self.number}"

    @property
    def shown(self) -> str:
        """The number as its country writes it."""
        formatter = getattr(_module(SCHEMES[self.scheme]), "format", None)
        return str(formatter(self.number)) if formatter else self.number

    @property
    def words_zh(self) -> str:
        return f"{SCHEMES[self.scheme].zh} {self.shown}"

    @property
    def words_en(self) -> str:
        return f"{SCHEMES[self.scheme].en} {self.shown}"


def _reject(exc: ValidationError, value: str, scheme: Scheme) -> DomainValidationError:
    kind: type[DomainValidationError]
    if isinstance(exc, StdnumChecksum):
        why, zh, kind = "the check digit is wrong", "校验位不对", InvalidChecksum
    elif isinstance(exc, StdnumLength):
        why, zh, kind = "it has the wrong length", "位数不对", InvalidLength
    else:
        why, zh, kind = "it is not in the scheme's format", "格式不对", InvalidFormat
    return kind(
        f"{value} is not a valid {scheme.en}: {why}",
        code=CODE,
        zh=f"{value} 不是有效的{scheme.zh}：{zh}",
    )


def _guess(value: str) -> str:
    from stdnum.eu import vat

    prefix = value[:2].lower()
    if prefix in ("gb", "xi"):
        return "gb_vat"
    if prefix in vat.MEMBER_STATES or prefix == "el":
        return "eu_vat"
    raise InvalidComponent(
        f"{value}: name the scheme, e.g. us_ein:{value} (an EU or UK VAT number starts "
        "with its country code)",
        code=CODE,
        zh=f"{value}：请写明税号类型，例如 us_ein:{value}（欧盟或英国增值税号以国家代码开头）",
    )


def parse(raw: str, scheme: str | None = None) -> ForeignTaxId:
    """Validate ``[SCHEME:]NUMBER`` (or ``NUMBER`` with ``scheme``); raise a
    :class:`~portal.domain.errors.DomainValidationError` saying what is wrong."""
    value = text.clean(raw or "", "foreign_tax_id").strip()
    if ":" in value and scheme is None:
        scheme, value = (part.strip() for part in value.split(":", 1))
    if not value:
        raise InvalidLength("the foreign tax number is empty", code=CODE, zh="外国税号为空")
    code = (scheme or _guess(value)).strip().lower()
    if code not in SCHEMES:
        raise InvalidComponent(
            f"{scheme} is not a tax-number scheme we know ({', '.join(SCHEMES)})",
            code=CODE,
            zh=f"{scheme} 不是已知的税号类型（{', '.join(SCHEMES)}）",
        )
    spec = SCHEMES[code]
    module = _module(spec)
    try:
        number = str(module.validate(value))
    except ValidationError as exc:
        raise _reject(exc, str(module.compact(value)), spec) from exc
    if code == "gb_vat" and not number.startswith(("GB", "XI")):
        number = "GB" + number
    country = spec.country or number[:2]
    return ForeignTaxId(code, "GR" if country == "EL" else country, number)


def from_key(key: str) -> ForeignTaxId:
    """The identity a stored key names (validated again: a key is never trusted blindly)."""
    scheme, number = key.split(":", 1)
    return parse(number, scheme)


def is_valid(raw: str) -> bool:
    """Whether ``raw`` is a foreign tax number we can check (never raises)."""
    try:
        parse(raw)
    except ValueError:
        return False
    return True


def supplier_number(raw: str) -> str:
    """What a supplier is looked up by, from the number someone typed: the canonical credit
    code, or the foreign tax id's key (``eu_vat:DE136695976``). A credit code never starts
    with two letters, so a number that does (or names a scheme) is read as foreign.

    >>> supplier_number("91110000600037341l"), supplier_number("de 136695976")
    ('91110000600037341L', 'eu_vat:DE136695976')
    """
    value = (raw or "").strip()
    if ":" in value or value[:2].isalpha():
        return parse(value).key
    return str(uscc.validate(value))
