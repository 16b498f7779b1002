"""Why a value read from a licence is in doubt, in words a supplier understands.

The reader (:mod:`ocr.checks`) gives an ``uncertain`` field its reasons, each with a
stable code (:class:`ocr.checks.Why`) and what it is about (a label, a stamp, a
district), and the reader's own English words. The supplier's form shows each reason
in Chinese and English, chosen by its code: rewording the reader's English changes
nothing here. A reason whose code this table does not know (or a reading stored before
reasons had codes) is still shown, in the reader's words, under a plain Chinese
sentence (never hidden, never a code).

>>> [d.zh for d in doubts_of([{"code": "label_in_value", "about": ["类型"]}])]
['内容里读进了栏目名“类型”']
>>> [d.en for d in doubts_of([{"code": "hard_to_read", "about": ["0.69"]}])]
['some characters were hard to read']
>>> [d.zh for d in doubts_of([{"code": "dates_out_of_order",
...                            "about": ["established_on", "issued_on"]}])]
['成立日期晚于发照日期']
>>> [d.zh for d in doubts_of([{"code": "unknown_district", "about": ["徐区"]}])]
['地址中的“徐区”不是已知的区县名，可能漏读或错读了字']
>>> doubts_of([], "")
()
>>> doubts_of([], "a reading stored before codes")[0].zh
'识别结果存疑，请对照执照核对'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ocr.checks import Why

__all__ = ["WORDS", "Doubt", "doubts_of"]


@dataclass(frozen=True)
class Doubt:
    """One reason, in both languages."""

    zh: str
    en: str


_DATES = {
    "established_on": ("成立日期", "the date of establishment"),
    "term_from": ("营业期限起始日", "the start of the term"),
    "issued_on": ("发照日期", "the date of issue"),
}
_UNKNOWN = "识别结果存疑，请对照执照核对"

Words = Callable[[tuple[str, ...]], tuple[str, str]]


def _dates(a: tuple[str, ...]) -> tuple[str, str]:
    first, then = _DATES.get(a[0], (a[0], a[0])), _DATES.get(a[1], (a[1], a[1]))
    return f"{first[0]}晚于{then[0]}", f"{first[1]} is after {then[1]}"


#: The words of every reason code, in Chinese and English (``a``: what it is about).
WORDS: dict[Why, Words] = {
    Why.LABEL_IN_VALUE: lambda a: (
        f"内容里读进了栏目名“{a[0]}”",
        f"the label “{a[0]}” was read into the value",
    ),
    Why.LABEL_TAIL: lambda a: (
        f"栏目名的末尾“{a[0]}”读进了内容",
        f"the end of the label (“{a[0]}”) was read in",
    ),
    Why.LABEL_AFTER_NAME: lambda a: (
        f"名称末尾多读了下一栏的“{a[0]}”",
        f"“{a[0]}” of the next label was read in",
    ),
    Why.COPY_STAMP: lambda a: (
        f"复印件上的“{a[0]}”字样压住了这一栏",
        f"the stamp “{a[0]}” covers this line",
    ),
    Why.ADDRESS_CUT_OFF: lambda a: (
        "地址结尾不完整（通常以“…号”“…室”结束）",
        "the address looks cut off",
    ),
    Why.UNKNOWN_DISTRICT: lambda a: (
        f"地址中的“{a[0]}”不是已知的区县名，可能漏读或错读了字",
        f"“{a[0]}” is not a known district: a character may be missing or misread",
    ),
    Why.UNKNOWN_CITY: lambda a: (
        f"“{a[0]}”不是已知的城市名，可能错读了一个字",
        f"“{a[0]}” is not a known city: a character may be misread",
    ),
    Why.ADDRESS_ODD_UNIT: lambda a: (
        f"地址中数字之间的“{a[0]}”不像门牌用字（幢、号、室），可能错读",
        f"“{a[0]}” between two numbers is not an address word (幢, 号, 室): misread?",
    ),
    Why.AUTHORITY_ELSEWHERE: lambda a: (
        f"登记机关所在地“{a[0]}”与住所不符",
        f"the authority ({a[0]}) is not where the address is",
    ),
    Why.HARD_TO_READ: lambda a: ("有些字不易辨认", "some characters were hard to read"),
    Why.NOT_ENTITY_TYPE: lambda a: (
        "不是登记的企业类型之一",
        "not one of the registered entity types",
    ),
    Why.AFTER_ENTITY_TYPE: lambda a: (
        f"企业类型后面多读了“{a[0]}”",
        f"“{a[0]}” was read after the entity type",
    ),
    Why.ENTITY_TYPE_IN_NAME: lambda a: (
        "企业类型被读进了名称",
        "the entity type was read into the name",
    ),
    Why.NAME_ENDING: lambda a: (
        f"{a[0]}的名称应以“{a[1]}”结尾",
        f"the name of a {a[0]} ends in “{a[1]}”",
    ),
    Why.SCOPE_BRACKETS: lambda a: (
        "括号不成对，括号内可能缺字",
        "its brackets do not pair up: text may be missing",
    ),
    Why.SCOPE_CUT_OFF: lambda a: (
        "经营范围结尾不完整，可能未读全",
        "the business scope looks cut off",
    ),
    Why.SCOPE_CLOSING_MISREAD: lambda a: (
        "结尾的“依法须经批准的项目…”读得不准",
        "its closing sentence was misread",
    ),
    Why.SCOPE_SEPARATOR: lambda a: (
        "项目之间的“；”被读成了“：”或“，”",
        "a “；” between items was read as “：” or “，”",
    ),
    Why.SCOPE_BRACKET_NO_SEPARATOR: lambda a: (
        "括号后缺少分隔两个项目的“；”，可能漏读",
        "a “；” after a bracket was missed",
    ),
    Why.SCOPE_RUN_TOGETHER: lambda a: (
        "两个经营项目连在一起，中间的“、”可能漏读",
        "two items run together: a “、” was missed",
    ),
    Why.SCOPE_LATIN: lambda a: (
        "经营范围里出现了英文字母，可能是误读",
        "Latin letters in the scope: misread?",
    ),
    Why.SCOPE_SHORT_ITEM: lambda a: (
        f"经营项目“{a[0]}”只有一个字，其余部分可能漏读",
        f"the item “{a[0]}” is a single character: the rest of it was not read",
    ),
    Why.SCOPE_ITEM_NEAR: lambda a: (
        f"经营项目“{a[0]}”与规范表述“{a[1]}”只差一个字，已按规范表述填写，请核对",
        f"the item “{a[0]}” is one character from the standard wording “{a[1]}”: please check",
    ),
    Why.SCOPE_ITEMS_JOINED: lambda a: (
        f"“{a[0]}”是几个规范表述的经营项目连在一起，中间漏读的“；”已补上，请核对",
        f"“{a[0]}” is standard items run together: the missed “；” was put back, please check",
    ),
    Why.SCOPE_BACKGROUND_RUN: lambda a: (
        "经营范围中有一串从底纹误读出的符号，已去掉，请核对",
        "a run of marks read from the paper's background pattern was taken out: please check",
    ),
    Why.NOT_A_PERSON: lambda a: ("不像一个人的姓名", "does not look like a person's name"),
    Why.DATE_BEFORE_1949: lambda a: ("日期早于1949年", "a date before 1949"),
    Why.DATES_OUT_OF_ORDER: _dates,
    Why.QR_OTHER_CODE: lambda a: (
        f"执照上的二维码指向另一个统一社会信用代码 {a[0]}",
        f"the licence's QR code names another credit code, {a[0]}",
    ),
}


def doubts_of(reasons: Iterable[Mapping[str, Any]], text: str = "") -> tuple[Doubt, ...]:
    """Each of a reading's ``reasons`` (``{"code", "about", "text"}``) in both languages.

    A code this table does not know is shown as its ``text`` (the reader's words) under
    a plain sentence; ``text``: the reasons' words joined by ``; ``, shown the same way
    when there are no codes (a reading stored before reasons had them).
    """
    coded = list(reasons)
    if not coded:
        return tuple(Doubt(_UNKNOWN, p) for p in (q.strip() for q in text.split("; ")) if p)
    out: list[Doubt] = []
    for r in coded:
        about = tuple(str(x) for x in r.get("about") or ())
        try:
            out.append(Doubt(*WORDS[Why(str(r.get("code")))](about)))
        except (ValueError, KeyError, IndexError):  # a code, or its subject, not known here
            out.append(Doubt(_UNKNOWN, str(r.get("text") or text)))
    return tuple(out)
