"""Unified social credit code (统一社会信用代码, GB 32100-2015).

Eighteen characters: registration department (1), entity type (1), region
code (6), organisation code (9, GB 11714, with its own check character) and a
final check character (modulo 31). python-stdnum defines length, alphabet and
the final character (its algorithm is used here, see ``calc_check_digit``);
this module adds the embedded organisation-code check and a known province in
the region code, and accepts what people type: lower
case, spaces, hyphens and full-width characters are normalised first.

>>> compact('９１１１ ００００-６０００３７３４１ｌ')
'91110000600037341L'
>>> validate('91110000600037341l')
'91110000600037341L'
>>> validate('91110000600037341K')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidChecksum: check character should be L, not K
>>> validate('9111000060003734')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidLength: a credit code has 18 characters, this one has 16
>>> validate('91990000600037341B')
Traceback (most recent call last):
    ...
portal.domain.errors.InvalidComponent: region code 990000 is not in a known province
>>> organisation_code('91110000600037341L')
'600037341'
>>> is_valid('91110000600037341L'), is_valid('garbage')
(True, False)
"""

from __future__ import annotations

import re
import unicodedata

from portal.domain import orgcode
from portal.domain.errors import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: First two digits of the region code: provinces, Hong Kong, Macau, Taiwan,
#: and 10 for entities registered at national level.
PROVINCES: dict[str, str] = {
    "10": "国家级",
    "11": "北京",
    "12": "天津",
    "13": "河北",
    "14": "山西",
    "15": "内蒙古",
    "21": "辽宁",
    "22": "吉林",
    "23": "黑龙江",
    "31": "上海",
    "32": "江苏",
    "33": "浙江",
    "34": "安徽",
    "35": "福建",
    "36": "江西",
    "37": "山东",
    "41": "河南",
    "42": "湖北",
    "43": "湖南",
    "44": "广东",
    "45": "广西",
    "46": "海南",
    "50": "重庆",
    "51": "四川",
    "52": "贵州",
    "53": "云南",
    "54": "西藏",
    "61": "陕西",
    "62": "甘肃",
    "63": "青海",
    "64": "宁夏",
    "65": "新疆",
    "71": "台湾",
    "81": "香港",
    "82": "澳门",
}


_SEPARATORS = re.compile(r"[\s\-_.]+")


def compact(number: str) -> str:
    """Normalise full-width characters, drop spaces and hyphens, upper-case."""
    if not number.isascii():
        number = unicodedata.normalize("NFKC", number)
    return _SEPARATORS.sub("", number).upper()


_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def calc_check_digit(number: str) -> str:
    """Return the final (modulo 31) check character for the first 17 characters.

    The algorithm of ``stdnum.cn.uscc.calc_check_digit`` (a test holds the two
    equal), without its per-call re-cleaning, which cost most of an import's time.
    """
    total = sum(_VALUES[c] * w for c, w in zip(number[:17], _WEIGHTS, strict=False))
    return ALPHABET[(31 - total) % 31]


def validate(number: str) -> str:
    """Return the canonical code or raise a :mod:`portal.domain.errors` error."""
    code = compact(number)
    if len(code) != 18:
        raise InvalidLength(
            f"a credit code has 18 characters, this one has {len(code)}",
            zh=f"统一社会信用代码应为18位，此处为{len(code)}位",
            code="uscc.invalid_length",
        )
    bad = sorted({c for c in code[8:] if c not in _VALUES})
    if not code[:8].isdigit() or bad:
        detail = f"letters {''.join(bad)} are never used" if bad else "the first 8 must be digits"
        raise InvalidFormat(
            f"not a credit code: {detail}",
            code="uscc.invalid_format",
            zh=f"不允许的字符 {''.join(bad)}" if bad else "前8位应为数字",
        )
    expected = calc_check_digit(code)
    if code[17] != expected:
        raise InvalidChecksum(
            f"check character should be {expected}, not {code[17]}",
            code="uscc.invalid_checksum",
            zh=f"校验位应为 {expected}，而不是 {code[17]}",
        )
    if code[2:4] not in PROVINCES:
        raise InvalidComponent(
            f"region code {code[2:8]} is not in a known province",
            code="uscc.unknown_region",
            zh=f"行政区划码 {code[2:8]} 不属于任何省份",
        )
    try:
        orgcode.validate(code[8:17])
    except InvalidChecksum as exc:
        raise InvalidChecksum(
            f"the embedded organisation code {code[8:17]} fails its check ({exc})",
            zh=f"其中的组织机构代码 {code[8:17]} 校验不通过",
            code="uscc.invalid_checksum",
        ) from exc
    return code


def is_valid(number: str) -> bool:
    """Return whether the code is valid; never raises."""
    try:
        validate(number)
    except ValueError:
        return False
    return True


def format(number: str) -> str:
    """Return the canonical presentation (18 characters, no separators)."""
    return compact(number)


def organisation_code(number: str) -> str:
    """Return the embedded organisation code (characters 9-17)."""
    return compact(number)[8:17]


def province(number: str) -> str | None:
    """Return the province name for the region code, if known."""
    return PROVINCES.get(compact(number)[2:4])
