"""One vocabulary for licence values: money, dates and open-ended terms.

The same registered capital or business term reaches us from a spreadsheet, a
change request, a licence photo (OCR) and the business registry; all of them
read it here, so "500万新加坡元" is SGD 5,000,000 wherever it comes from.

>>> parse_capital('100万元人民币')
Money(amount=Decimal('1000000'), currency='CNY')
>>> parse_capital('壹佰万元整')
Money(amount=Decimal('1000000'), currency='CNY')
>>> parse_capital('500万美元'), parse_capital('500万新加坡元')
(Money(amount=Decimal('5000000'), currency='USD'), Money(amount=Decimal('5000000'), currency='SGD'))
>>> parse_capital('1,234.5')
Money(amount=Decimal('1234.5'), currency='CNY')
>>> parse_capital('1000', currency_hint='USD'), read_capital('未公示')
(Money(amount=Decimal('1000'), currency='USD'), None)
>>> parse_date('2015年3月12日'), parse_date('2015/03/12'), parse_date('20150312')
(datetime.date(2015, 3, 12), datetime.date(2015, 3, 12), datetime.date(2015, 3, 12))
>>> is_open_ended('长期'), is_open_ended('2015年03月12日至不约定期限'), is_open_ended('2035-03-11')
(True, True, False)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.domain.errors import InvalidFormat

#: Words that say a business term (营业期限) has no end. Matched anywhere in the text,
#: so "2015年03月12日至长期" and "长期有效" are open-ended too.
OPEN_ENDED = ("长期", "永久", "无固定期限", "不约定期限")

#: Currency words as licences, registries and spreadsheets write them, longest first
#: where one contains another (新加坡元 and 港元 before 元).
CURRENCIES: tuple[tuple[str, str], ...] = (
    ("人民币", "CNY"), ("美元", "USD"), ("港币", "HKD"), ("港元", "HKD"), ("欧元", "EUR"),
    ("日元", "JPY"), ("英镑", "GBP"), ("新台币", "TWD"), ("澳门元", "MOP"), ("澳门币", "MOP"),
    ("新加坡元", "SGD"), ("瑞士法郎", "CHF"), ("加拿大元", "CAD"), ("澳大利亚元", "AUD"),
    ("澳元", "AUD"), ("韩元", "KRW"),
)  # fmt: skip
#: Unit words after the figures.
UNITS = {"千": Decimal(1000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}

_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")} | {
    c: i for i, c in enumerate("〇一二三四五六七八九")
} | {"两": 2, "貮": 2}  # fmt: skip
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_FIGURES = re.compile(r"(\d+(?:\.\d+)?)(千|万|亿)?")
_ISO = re.compile(r"[A-Z]{3}")
_DATE = re.compile(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")


@dataclass(frozen=True)
class Money:
    """An amount in whole currency units (yuan, dollars), with its ISO 4217 currency."""

    amount: Decimal
    currency: str = "CNY"

    def as_dict(self) -> dict[str, str]:
        """JSON-ready: ``{"amount": "1000000", "currency": "CNY"}``."""
        return {"amount": str(self.amount), "currency": self.currency}


def _chinese_numeral(text: str) -> Decimal | None:
    """Value of a Chinese numeral such as 壹仟零伍拾万 (units 拾佰仟, groups 万亿)."""
    total, section, digit, seen = 0, 0, 0, False
    for char in text:
        if char in _DIGITS:
            digit, seen = _DIGITS[char], True
        elif char in _SMALL_UNITS:
            section += (digit or 1) * _SMALL_UNITS[char]
            digit, seen = 0, True
        elif char in _BIG_UNITS:
            total += (section + digit) * _BIG_UNITS[char]
            section = digit = 0
        else:
            return None
    return Decimal(total + section + digit) if seen else None


def currency_of(text: str, hint: str | None = None) -> str:
    """The ISO currency a capital text names, else the hint's (a code or a word), else CNY."""
    value = unicodedata.normalize("NFKC", text or "")
    for word, code in CURRENCIES:
        if word in value:
            return code
    if hint:
        hint = unicodedata.normalize("NFKC", hint).strip()
        if re.fullmatch(r"[A-Za-z]{3}", hint):
            return hint.upper()
        for word, code in CURRENCIES:
            if word in hint:
                return code
    iso = _ISO.search(value)
    return iso.group(0) if iso else "CNY"


def _canonical(amount: Decimal) -> Decimal:
    if amount == amount.to_integral_value():
        return Decimal(int(amount))
    return amount.normalize()


def parse_capital(text: str, currency_hint: str | None = None) -> Money:
    """Read a registered capital with its unit (千/万/亿) and currency; raise InvalidFormat.

    Figures (``185000 万元``, ``77800.32万人民币``) and capitals (``人民币壹仟零伍拾万元整``)
    are both read; ``currency_hint`` is a provider's separate currency field.
    """
    raw = unicodedata.normalize("NFKC", text or "")
    currency = currency_of(raw, currency_hint)
    body = re.sub(r"[\s,()]", "", raw)
    for word, _ in CURRENCIES:
        body = body.replace(word, "")
    body = _ISO.sub("", body).replace("整", "").replace("元", "")
    figures = _FIGURES.fullmatch(body)
    amount: Decimal | None
    try:
        if figures:
            amount = Decimal(figures.group(1)) * UNITS.get(figures.group(2) or "", Decimal(1))
        else:
            amount = _chinese_numeral(body)
    except InvalidOperation:
        amount = None
    if amount is None:
        raise InvalidFormat(
            f"cannot read {text!r} as an amount",
            code="value.invalid",
            zh=f"无法识别金额：{text}",
        )
    return Money(_canonical(amount), currency)


def read_capital(text: str | None, currency_hint: str | None = None) -> Money | None:
    """:func:`parse_capital` for sources that may leave it out (未公示): None, never raises."""
    if not text or not text.strip():
        return None
    try:
        return parse_capital(text, currency_hint)
    except InvalidFormat:
        return None


def parse_date(value: str | date | datetime) -> date:
    """Read the date formats seen on licences, in spreadsheets and from providers."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise InvalidFormat(f"cannot read {value!r} as a date", code="value.invalid")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise InvalidFormat(f"{value!r} is not a calendar date", code="value.invalid") from exc


def is_open_ended(text: str) -> bool:
    """Whether a business-term end says 长期 or an equivalent."""
    value = unicodedata.normalize("NFKC", text or "")
    return any(word in value for word in OPEN_ENDED)


__all__ = [
    "CURRENCIES",
    "OPEN_ENDED",
    "UNITS",
    "Money",
    "currency_of",
    "is_open_ended",
    "parse_capital",
    "parse_date",
    "read_capital",
]
