"""Registered capital and dates as people write them on licences and in Excel.

>>> parse_capital('100万元人民币')
Money(amount=Decimal('1000000'), currency='CNY')
>>> parse_capital('壹佰万元整')
Money(amount=Decimal('1000000'), currency='CNY')
>>> parse_capital('500万美元')
Money(amount=Decimal('5000000'), currency='USD')
>>> parse_capital('1,234.5')
Money(amount=Decimal('1234.5'), currency='CNY')
>>> parse_date('2015年3月12日'), parse_date('2015/03/12'), parse_date('20150312')
(datetime.date(2015, 3, 12), datetime.date(2015, 3, 12), datetime.date(2015, 3, 12))
>>> is_open_ended('长期')
True
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portal.domain.errors import InvalidFormat
from portal.domain.supplier import Money

_DIGITS = {
    "零": 0,
    "〇": 0,
    "壹": 1,
    "一": 1,
    "贰": 2,
    "二": 2,
    "两": 2,
    "叁": 3,
    "三": 3,
    "肆": 4,
    "四": 4,
    "伍": 5,
    "五": 5,
    "陆": 6,
    "六": 6,
    "柒": 7,
    "七": 7,
    "捌": 8,
    "八": 8,
    "玖": 9,
    "九": 9,
}
_SMALL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_CURRENCIES = (
    ("美元", "USD"),
    ("港元", "HKD"),
    ("港币", "HKD"),
    ("欧元", "EUR"),
    ("日元", "JPY"),
    ("英镑", "GBP"),
    ("人民币", "CNY"),
    ("元", "CNY"),
)
OPEN_ENDED = ("长期", "永久", "无固定期限", "不约定期限", "长期有效")


def _chinese_numeral(text: str) -> Decimal:
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SMALL_UNITS:
            section += (digit or 1) * _SMALL_UNITS[char]
            digit = 0
        elif char in _BIG_UNITS:
            total = (total + section + digit) * _BIG_UNITS[char]
            section, digit = 0, 0
        else:
            raise InvalidFormat(f"{text} is not a Chinese numeral", code="value.invalid")
    return Decimal(total + section + digit)


def parse_capital(text: str) -> Money:
    """Parse a capital amount with its unit (万/亿) and currency."""
    raw = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    currency = "CNY"
    for word, code in _CURRENCIES:
        if word in raw:
            currency = code
            raw = raw.replace(word, "")
            break
    raw = raw.removesuffix("整").rstrip("元")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(万|亿)?", raw)
    try:
        if match:
            unit = match.group(2)
            multiplier = Decimal(_BIG_UNITS[unit]) if unit else Decimal(1)
            return Money(Decimal(match.group(1)) * multiplier, currency)
        return Money(_chinese_numeral(raw), currency)
    except (InvalidOperation, InvalidFormat) as exc:
        raise InvalidFormat(f"cannot read {text!r} as an amount", code="value.invalid") from exc


def parse_date(value: str | date | datetime) -> date:
    """Parse the date formats seen on licences and in spreadsheets."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", value).strip()
    match = re.fullmatch(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?", text)
    if not match:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not match:
        raise InvalidFormat(f"cannot read {value!r} as a date", code="value.invalid")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise InvalidFormat(f"{value!r} is not a calendar date", code="value.invalid") from exc


def is_open_ended(text: str) -> bool:
    """Whether a business-term end says 长期 or an equivalent."""
    return unicodedata.normalize("NFKC", text).strip() in OPEN_ENDED
