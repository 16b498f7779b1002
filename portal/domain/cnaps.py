"""CNAPS bank branch codes (联行号 / 支付系统行号): 12 digits.

The first three digits name the bank category (102 工商银行, 105 建设银行,
308 招商银行 ...), the next four the city, the rest the branch.

>>> validate('1022 9000 0018')
'102290000018'
>>> bank_category('102290000018')
'中国工商银行'
>>> validate('10229000001')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidLength: a CNAPS code has 12 digits, this one has 11
"""

from __future__ import annotations

import unicodedata

from portal.domain.errors import InvalidFormat, InvalidLength

BANK_CATEGORIES: dict[str, str] = {
    "001": "中国人民银行",
    "102": "中国工商银行",
    "103": "中国农业银行",
    "104": "中国银行",
    "105": "中国建设银行",
    "201": "国家开发银行",
    "202": "中国进出口银行",
    "203": "中国农业发展银行",
    "301": "交通银行",
    "302": "中信银行",
    "303": "中国光大银行",
    "304": "华夏银行",
    "305": "中国民生银行",
    "306": "广发银行",
    "307": "平安银行",
    "308": "招商银行",
    "309": "兴业银行",
    "310": "上海浦东发展银行",
    "313": "城市商业银行",
    "314": "农村商业银行",
    "315": "恒丰银行",
    "316": "浙商银行",
    "317": "农村合作银行",
    "318": "渤海银行",
    "319": "徽商银行",
    "402": "农村信用合作社",
    "403": "中国邮政储蓄银行",
}


def compact(number: str) -> str:
    """Drop spaces and hyphens, normalise full-width digits."""
    return "".join(c for c in unicodedata.normalize("NFKC", number) if c not in " -\t")


def validate(number: str) -> str:
    """Return the 12-digit code or raise."""
    code = compact(number)
    if not code.isdigit():
        raise InvalidFormat(
            "a CNAPS code has digits only", code="cnaps.invalid", zh="联行号只能是数字"
        )
    if len(code) != 12:
        raise InvalidLength(
            f"a CNAPS code has 12 digits, this one has {len(code)}",
            code="cnaps.invalid",
            zh=f"联行号应为12位，此处为{len(code)}位",
        )
    return code


def is_valid(number: str) -> bool:
    """Return whether the code is valid; never raises."""
    try:
        validate(number)
    except ValueError:
        return False
    return True


def format(number: str) -> str:
    """Return the canonical 12 digits."""
    return compact(number)


def bank_category(number: str) -> str | None:
    """Name the bank category from the first three digits, if known."""
    return BANK_CATEGORIES.get(compact(number)[:3])
