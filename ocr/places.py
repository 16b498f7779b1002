"""County-level place names of the national list of divisions, for the field priors.

python-stdnum keeps a copy of the list (for the birth places of resident ID numbers); every
name a county-level division has had is known, so an address or an authority whose district
is one character from a known name was misread (徐区 for 徐汇区), and one that is a known
name was not.

>>> district_of("上海市徐汇区建设路1385号"), district_of("江苏省苏州市吴中区科苑路1号")
('徐汇区', '吴中区')
>>> is_known("徐汇区"), is_known("徐区"), near_known("徐区")
(True, False, True)

A city one character from a known one is put right when the district after it lies in
exactly one such city (成部市武侯区 is 成都市武侯区); a county-level city (海城市) is known
as it is, even one character from another (盐城市):

>>> city_put_right("成部市武侯区金桥路291号"), city_put_right("辽宁省海城市西关街1号")
('成都市武侯区金桥路291号', None)
>>> near_known_city("成部市"), near_known_city("海城市")
(True, False)
"""

from __future__ import annotations

import functools
import importlib.resources
import re

__all__ = [
    "city_of",
    "city_put_right",
    "district_of",
    "districts",
    "is_known",
    "near_known",
    "near_known_city",
]

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


_CITY = re.compile(r"^(?:[^省]{2,8}?(?:省|自治区))?([^省市区县旗号路街]{1,8}?市)")


@functools.cache
def _cities() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Every name ending in 市 the list has held (any level), and for each prefecture-level
    city (and municipality) the county-level names that have been under it."""
    text = importlib.resources.files("stdnum.cn").joinpath("loc.dat").read_text("utf-8")
    every: set[str] = set()
    under: dict[str, set[str]] = {}
    city: list[str] = []
    for line in text.splitlines():
        found = re.match(r'\s+(\d{4}) county="([^"]+)"', line)
        if found is None:
            city = []  # a province line: its prefectures follow
            continue
        code, value = found.groups()
        names = [re.sub(r"^\[[^\]]*\]", "", n) for n in value.split(",")]
        names = [n for n in names if n]
        every.update(n for n in names if n.endswith("市"))
        if code.endswith("00"):  # a prefecture; 市辖区 and 县 of a municipality keep its city
            city = [n for n in names if n.endswith("市")] or (city if code != "0000" else [])
            for name in city:
                under.setdefault(name, set())
        else:
            for name in city:
                under[name].update(names)
    return frozenset(every), {k: frozenset(v) for k, v in under.items()}


def city_of(place: str) -> str | None:
    """The city at the start of an address or place (after its province), if any."""
    found = _CITY.match(place)
    return found.group(1) if found else None


def near_known_city(city: str) -> bool:
    """Not a known city, but one character (dropped, added or changed) from one that is."""
    every, _ = _cities()
    return city not in every and any(
        abs(len(known) - len(city)) <= 1 and _one_apart(city, known) for known in every
    )


def city_put_right(place: str) -> str | None:
    """``place`` with its city put right, when the city is no known one but one character
    from exactly one city that holds the district written after it; else None."""
    found = _CITY.match(place)
    if found is None:
        return None
    city = found.group(1)
    every, under = _cities()
    if city in every:
        return None
    rest = place[found.end() :]
    district = district_of(rest)
    if district is None:
        return None
    fits = [
        known
        for known, held in under.items()
        if district in held and abs(len(known) - len(city)) <= 1 and _one_apart(city, known)
    ]
    if len(fits) != 1:
        return None
    return place[: found.start(1)] + fits[0] + rest


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
