"""Turn the text printed after a label into a value: dates, money, clean text.

Money, dates and open-ended terms are read with the portal's one vocabulary
(:mod:`portal.domain.amounts`); what is OCR's own is the repair of letters that
look like digits (``2O15年O3月l2日``) before a date is read.

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

from portal.domain import amounts
from portal.domain.amounts import Money
from portal.domain.errors import InvalidFormat

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


def clean_text(text: str) -> str:
    """NFKC (full-width brackets and colons to ASCII), no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).strip("·.,:;")


def parse_date(text: str) -> date | None:
    """Return the first ``YYYY年MM月DD日`` date in ``text``, if it is a real date."""
    match = _DATE.search(clean_text(text))
    if not match:
        return None
    y, m, d = (g.translate(_DIGIT_LOOKALIKE) for g in match.groups())
    try:
        return amounts.parse_date(f"{y}年{m}月{d}日")
    except InvalidFormat:
        return None


def parse_term(text: str) -> tuple[date | None, date | None, bool]:
    """Return ``(from, to, open_ended)`` for a 营业期限 such as ``…至长期``."""
    text = clean_text(text)
    head, _, tail = text.partition("至")
    start = parse_date(head)
    open_ended = amounts.is_open_ended(text)
    end = None if open_ended else parse_date(tail)
    return start, end, open_ended


def parse_capital(text: str) -> Money | None:
    """Parse 注册资本 written in capitals (壹佰万元整) or figures (100万元人民币)."""
    money = amounts.read_capital(clean_text(text))
    return money if money is not None and money.amount > 0 else None
