"""Company names as printed on a business licence, and their comparable core.

``normalise`` gives the canonical spelling to store: NFKC (full-width Latin
letters and digits become half-width), brackets written full-width as on
licences, whitespace removed between Chinese characters and collapsed
elsewhere.

``core`` strips what people drop or move when they type a name short: the
legal form (有限公司, 有限责任公司, 股份有限公司, 集团, 分公司 ...), a leading
province or city and a bracketed place, so that 上海XX科技, 上海XX科技有限公司
and XX科技(上海)有限公司 share the core ``XX科技``.

>>> normalise(' 上海 示例 科技 (集团) 有限公司 ')
'上海示例科技（集团）有限公司'
>>> normalise('ACME  China  Ltd.')
'ACME China Ltd.'
>>> core('上海示例科技有限公司'), core('示例科技(上海)有限公司'), core('上海示例科技')
('示例科技', '示例科技', '示例科技')
>>> is_truncation('上海示例科技', '上海示例科技有限公司')
True
>>> is_truncation('上海示例科技有限公司', '上海示例科技有限公司')
False
"""

from __future__ import annotations

import functools
import re
import unicodedata

LEGAL_FORMS: tuple[str, ...] = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "合伙企业（有限合伙）",
    "（有限合伙）",
    "（普通合伙）",
    "合伙企业",
    "个人独资企业",
    "集团",
    "总公司",
    "分公司",
    "公司",
    "有限合伙",
    "企业",
)

PROVINCES: tuple[str, ...] = (
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
)

CITIES: tuple[str, ...] = (
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "无锡",
    "宁波",
    "温州",
    "厦门",
    "福州",
    "青岛",
    "济南",
    "郑州",
    "武汉",
    "长沙",
    "成都",
    "西安",
    "合肥",
    "沈阳",
    "大连",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "南昌",
    "南宁",
    "昆明",
    "贵阳",
    "兰州",
    "东莞",
    "佛山",
    "珠海",
    "中山",
    "常州",
    "南通",
    "嘉兴",
    "绍兴",
    "金华",
    "台州",
    "烟台",
    "潍坊",
    "徐州",
    "扬州",
    "泉州",
)

_PLACE_SUFFIX = ("省", "市", "自治区", "特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区")
_PLACES = tuple(sorted(PROVINCES + CITIES, key=len, reverse=True))
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}（）])\s+|\s+(?=[{_CJK}（）])")
_BRACKETED = re.compile(r"（([^（）]*)）")
_SPACES = re.compile(r"\s+")
#: Names memoised per function (here and in ``portal.resolution``): the names of about three
#: import batches (5,000 rows each), where the repeats are. The caches live as long as the
#: process, so this bound is memory kept: 65,536 entries were about 18 MB per function.
MEMO_SIZE = 16_384


@functools.lru_cache(maxsize=MEMO_SIZE)
def normalise(name: str) -> str:
    """Return the canonical spelling of a company name (memoised: screening asks for the
    same names many times)."""
    text = unicodedata.normalize("NFKC", name)
    text = text.replace("(", "（").replace(")", "）")
    text = _SPACE_BETWEEN_CJK.sub("", text.strip())
    return _SPACES.sub(" ", text)


_PLACE_PREFIX = re.compile(
    "^(?:"
    + "|".join(_PLACES)
    + ")(?:"
    + "|".join(sorted(_PLACE_SUFFIX, key=len, reverse=True))
    + ")?"
)
_LEGAL_FORM_SUFFIX = re.compile(
    "(?:" + "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True)) + ")+$"
)


def _strip_place_prefix(text: str) -> str:
    rest = _PLACE_PREFIX.sub("", text, count=1)
    return rest if rest else text


def _is_place(text: str) -> bool:
    bare = text
    for suffix in _PLACE_SUFFIX:
        bare = bare.removesuffix(suffix)
    return bare in _PLACES


def strip_legal_form(name: str) -> str:
    """Remove trailing legal-form words (repeatedly: 集团有限公司)."""
    text = normalise(name)
    stripped = _LEGAL_FORM_SUFFIX.sub("", text)
    return stripped if stripped else text


@functools.lru_cache(maxsize=MEMO_SIZE)
def core(name: str) -> str:
    """Return the comparable core of a name (see the module docstring)."""
    text = strip_legal_form(name)
    text = _BRACKETED.sub(lambda m: "" if _is_place(m.group(1)) else m.group(0), text)
    text = strip_legal_form(text)
    return _strip_place_prefix(text)


def is_truncation(typed: str, registered: str) -> bool:
    """Whether ``typed`` is ``registered`` with its legal form or place left off."""
    a, b = normalise(typed), normalise(registered)
    return a != b and len(a) < len(b) and core(a) == core(b)


def is_short_form(short: str, full: str) -> bool:
    """Whether ``short`` is the same company as ``full`` written shorter: a truncation
    (:func:`is_truncation`) or the start of the full name, at least four characters.

    >>> is_short_form('上海合德贸易', '上海合德贸易股份有限公司')
    True
    >>> is_short_form('上海合德', '上海合德贸易股份有限公司')
    True
    >>> is_short_form('上海合德科技', '上海合德贸易股份有限公司')
    False
    """
    a, b = normalise(short), normalise(full)
    if a == b or len(a) >= len(b):
        return False
    return is_truncation(a, b) or (len(a) >= 4 and b.startswith(a))
