"""Turn the text printed after a label into a value: dates, money, clean text.

>>> parse_date("2015年03月12日")
datetime.date(2015, 3, 12)
>>> parse_date("2O15年O3月l2日")       # OCR letters inside a date
datetime.date(2015, 3, 12)
>>> parse_term("2015年03月12日至长期")
(datetime.date(2015, 3, 12), None, True)
>>> parse_term("2015年03月12日 至 2035年03月11日")
(datetime.date(2015, 3, 12), datetime.date(2035, 3, 11), False)
>>> parse_capital("壹佰万元整")
Money(amount=Decimal('1000000'), currency='CNY')
>>> parse_capital("100万元人民币")
Money(amount=Decimal('1000000'), currency='CNY')
>>> parse_capital("伍佰万美元")
Money(amount=Decimal('5000000'), currency='USD')
>>> parse_capital("人民币壹仟零伍拾万元整").amount
Decimal('10500000')
>>> clean_text(" 有限责任公司（自然人投资或控股） ")
'有限责任公司(自然人投资或控股)'
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from ocr.model import Money

_DIGIT_LOOKALIKE = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "i": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "g": "9",
        "q": "9",
    }
)
_DATE = re.compile(
    r"([0-9OoDQlIi|ZzSsBgq]{4})年([0-9OoDQlIi|ZzSsBgq]{1,2})月([0-9OoDQlIi|ZzSsBgq]{1,2})日?"
)
_OPEN_ENDED = ("长期", "永久", "不约定期限", "无固定期限")
_CN_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")} | {
    c: i for i, c in enumerate("〇一二三四五六七八九")
} | {"两": 2, "貮": 2, "贰": 2}  # fmt: skip
_CN_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CURRENCIES = (("美元", "USD"), ("港元", "HKD"), ("港币", "HKD"), ("欧元", "EUR"), ("日元", "JPY"),
               ("英镑", "GBP"), ("人民币", "CNY"), ("元", "CNY"))  # fmt: skip


def clean_text(text: str) -> str:
    """NFKC (full-width brackets and colons to ASCII), no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).strip("·.,:;")


def parse_date(text: str) -> date | None:
    """Return the first ``YYYY年MM月DD日`` date in ``text``, if it is a real date."""
    match = _DATE.search(clean_text(text))
    if not match:
        return None
    y, m, d = (int(g.translate(_DIGIT_LOOKALIKE)) for g in match.groups())
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_term(text: str) -> tuple[date | None, date | None, bool]:
    """Return ``(from, to, open_ended)`` for a 营业期限 such as ``…至长期``."""
    text = clean_text(text)
    head, _, tail = text.partition("至")
    start = parse_date(head)
    open_ended = any(word in tail or word in head for word in _OPEN_ENDED)
    end = None if open_ended else parse_date(tail)
    return start, end, open_ended


def _chinese_number(text: str) -> Decimal | None:
    """Value of a Chinese numeral such as 壹仟零伍拾万 (units 拾佰仟, groups 万亿)."""
    total, section, digit, seen = 0, 0, 0, False
    for char in text:
        if char in _CN_DIGITS:
            digit, seen = _CN_DIGITS[char], True
        elif char in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[char]
            digit, seen = 0, True
        elif char in _CN_BIG:
            total += (section + digit) * _CN_BIG[char]
            section = digit = 0
        elif char in "点":
            return None
        else:
            return None
    return Decimal(total + section + digit) if seen else None


def parse_capital(text: str) -> Money | None:
    """Parse 注册资本 written in capitals (壹佰万元整) or figures (100万元人民币)."""
    text = clean_text(text).replace(",", "")
    currency = next((iso for word, iso in _CURRENCIES if word in text), "CNY")
    body = text
    for word, _ in _CURRENCIES:
        body = body.replace(word, "")
    body = body.replace("整", "").replace("(", "").replace(")", "")
    figures = re.fullmatch(r"(\d+(?:\.\d+)?)(万|亿)?", body)
    amount: Decimal | None
    if figures:
        try:
            amount = Decimal(figures.group(1)) * _CN_BIG.get(figures.group(2) or "", 1)
        except InvalidOperation:
            return None
    else:
        amount = _chinese_number(body)
    if amount is None or amount <= 0:
        return None
    return Money(
        amount.normalize() if amount != amount.to_integral() else amount.quantize(1), currency
    )
