"""Blocking keys: short strings under which a supplier is filed so that likely
duplicates meet in an index lookup instead of a comparison with every row.

A name is filed under its comparable core (``c:``) and under each character
bigram of that core (``b:``). Bigrams survive what people do to names: a
dropped legal form or place leaves them all, a typo breaks one or two.
Frequent bigrams (科技, 贸易 ...) are not thrown away here but capped when
looked up, so no stop list has to be kept up to date.

A legal representative together with an address is filed under ``r:`` and a
digest, so "same person, same address" is one lookup as well.

>>> comparable_core('北京市示例科技（集团）有限责任公司')
'示例科技'
>>> comparable_core('示例科技有限公司上海分公司')
'示例科技'
>>> comparable_core('ＡＣＭＥ China Ltd.')
'acmechina'
>>> sorted(name_keys('上海示例科技有限公司'))
['b:例科', 'b:示例', 'b:科技', 'c:示例科技']
>>> a = rep_address_key('张 三', '上海市浦东新区 世纪大道1号')
>>> a == rep_address_key('张三', '上海浦东新区世纪大道１号')
True
>>> rep_address_key('张三', None) is None
True
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable

from portal.domain import names

CORE, BIGRAM, REP_ADDRESS = "c:", "b:", "r:"
MAX_KEY = 120

_PLACES = tuple(sorted(names.PROVINCES + names.CITIES, key=len, reverse=True))
_PLACE_SUFFIX = ("省", "市", "自治区", "特别行政区")
_BRACKET_WORDS = re.compile(r"（(集团|控股|股份|中国|有限合伙|普通合伙)）")
_LATIN_FORMS = re.compile(
    r"\b(co|company|corp|corporation|inc|ltd|limited|llc|gmbh|group|holdings?|plc)\b\.?"
)
_NOISE = re.compile(r"[\s\.,，、·'\"“”‘’\-_/&()（）]+")


_TRAILING_PLACE = re.compile("(?:" + "|".join(_PLACES) + ")(?:" + "|".join(_PLACE_SUFFIX) + ")?$")


def _strip_place_suffix(text: str) -> str:
    """``示例科技有限公司上海`` (what a 分公司 name leaves behind) loses the trailing place."""
    match = _TRAILING_PLACE.search(text)
    if match is None or match.start() == 0:
        return text
    return text[: match.start()]


@functools.lru_cache(maxsize=names.MEMO_SIZE)
def comparable_core(name: str) -> str:
    """The part of a name that identifies the company, folded for comparison."""
    text = names.core(_BRACKET_WORDS.sub("", names.normalise(name)))
    branch = _strip_place_suffix(text)  # 示例科技有限公司上海分公司 left 示例科技有限公司上海
    if branch != text and branch.endswith(names.LEGAL_FORMS):
        text = names.core(branch)
    text = names.strip_legal_form(text).casefold()
    text = _LATIN_FORMS.sub("", text)
    return _NOISE.sub("", text)


def name_keys(name: str) -> set[str]:
    """Every blocking key of one name (core and its bigrams)."""
    core = comparable_core(name)
    if not core:
        return set()
    keys = {_clip(CORE + core)}
    keys.update(BIGRAM + core[i : i + 2] for i in range(len(core) - 1))
    return keys


def all_name_keys(all_names: Iterable[str]) -> set[str]:
    """Keys of a registered name and its former names together."""
    keys: set[str] = set()
    for name in all_names:
        keys |= name_keys(name)
    return keys


def normalise_address(address: str | None) -> str | None:
    """An address folded for equality: width, spaces, punctuation, 省/市 after a place."""
    if not address:
        return None
    text = unicodedata.normalize("NFKC", address).casefold()
    text = _NOISE.sub("", text)
    text = text.removeprefix("中国")
    for place in _PLACES:
        if place in text:  # the same replacements, without 1,200 scans of every address
            for suffix in _PLACE_SUFFIX:
                text = text.replace(place + suffix, place)
    return text or None


def normalise_person(name: str | None) -> str | None:
    """A person's name folded for equality (width, spaces, middle dots)."""
    if not name:
        return None
    return _NOISE.sub("", unicodedata.normalize("NFKC", name).casefold()) or None


def rep_address_key(representative: str | None, address: str | None) -> str | None:
    """Key of "this legal representative at this address", or None when either is missing."""
    person, place = normalise_person(representative), normalise_address(address)
    if person is None or place is None:
        return None
    digest = hashlib.sha256(f"{person}|{place}".encode()).hexdigest()[:32]
    return REP_ADDRESS + digest


def _clip(key: str) -> str:
    """Keys fit the index column; a very long core is filed under its digest."""
    if len(key) <= MAX_KEY:
        return key
    return key[:2] + "#" + hashlib.sha256(key.encode()).hexdigest()[:40]
