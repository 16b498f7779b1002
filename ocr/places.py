"""County-level place names of the national list of divisions, for the field priors.

python-stdnum keeps a copy of the list (for the birth places of resident ID numbers); every
name a county-level division has had is known, so an address or an authority whose district
is one character from a known name was misread (徐区 for 徐汇区), and one that is a known
name was not.

>>> district_of("上海市徐汇区建设路1385号"), district_of("江苏省苏州市吴中区科苑路1号")
('徐汇区', '吴中区')
>>> is_known("徐汇区"), is_known("徐区"), near_known("徐区")
(True, False, True)
"""

from __future__ import annotations

import functools
import importlib.resources
import re

__all__ = ["district_of", "districts", "is_known", "near_known"]

_DISTRICT = re.compile(  # province, city, then the district: 上海市|徐汇区, 江苏省|苏州市|吴中区
    r"^(?:[^省]{2,8}?(?:省|自治区))?(?:[^市]{1,9}?市)?([^区县旗号路街]{1,8}?(?:区|县|旗))"
)


@functools.cache
def districts() -> frozenset[str]:
    """Every county-level name ending in 区, 县 or 旗 the list has held."""
    text = importlib.resources.files("stdnum.cn").joinpath("loc.dat").read_text("utf-8")
    names = (  # county="[1983-2001]西市区,[2002-]蜀山区": every name it has had
        re.sub(r"^\[[^\]]*\]", "", name)
        for value in re.findall(r'county="([^"]+)"', text)
        for name in value.split(",")
    )
    return frozenset(n for n in names if n and n[-1] in "区县旗" and n not in ("市辖区", "县"))


def district_of(place: str) -> str | None:
    """The district at the start of an address or place (after its province and city)."""
    found = _DISTRICT.match(place)
    return found.group(1) if found else None


def is_known(district: str) -> bool:
    return district in districts()


def near_known(district: str) -> bool:
    """Not a known name, but one character (dropped, added or changed) from one that is."""
    if is_known(district):
        return False
    return any(
        abs(len(known) - len(district)) <= 1
        and known[-1] == district[-1]
        and _one_apart(district, known)
        for known in districts()
    )


def _one_apart(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))
