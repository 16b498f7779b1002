"""Why a value read from a licence is in doubt, in words a supplier understands.

The reader (:mod:`ocr.checks`) gives an ``uncertain`` field a reason in English, several
joined by ``; ``. The supplier's form shows each in Chinese and English; a reason this
table does not know yet is still shown, in the reader's words, under a plain Chinese
sentence (never hidden, never a code).

>>> [d.zh for d in doubts_of("the label 类型 was read into the value")]
['内容里读进了栏目名“类型”']
>>> [d.en for d in doubts_of("some characters were hard to read (0.69)")]
['some characters were hard to read']
>>> [d.zh for d in doubts_of("established on is after issued on")]
['成立日期晚于发照日期']
>>> [d.zh for d in doubts_of("the district 徐区 is not a known place (a character lost?)")]
['地址中的“徐区”不是已知的区县名，可能漏读或错读了字']
>>> doubts_of("")
()
>>> doubts_of("a new check")[0].zh
'识别结果存疑，请对照执照核对'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Doubt", "doubts_of"]


@dataclass(frozen=True)
class Doubt:
    """One reason, in both languages."""

    zh: str
    en: str


_DATES = {
    "established on": ("成立日期", "the date of establishment"),
    "term from": ("营业期限起始日", "the start of the term"),
    "issued on": ("发照日期", "the date of issue"),
}

Words = Callable[[re.Match[str]], tuple[str, str]]

_RULES: tuple[tuple[str, Words], ...] = (
    (
        r"the label (.+) was read into the value",
        lambda m: (f"内容里读进了栏目名“{m[1]}”", f"the label “{m[1]}” was read into the value"),
    ),
    (
        r"the end of its label \((.+)\) was read into the value",
        lambda m: (
            f"栏目名的末尾“{m[1]}”读进了内容",
            f"the end of the label (“{m[1]}”) was read in",
        ),
    ),
    (
        r"the start of a label \((.+)\) was read after the name",
        lambda m: (f"名称末尾多读了下一栏的“{m[1]}”", f"“{m[1]}” of the next label was read in"),
    ),
    (
        r"the copy stamp (.+) crosses the value",
        lambda m: (f"复印件上的“{m[1]}”字样压住了这一栏", f"the stamp “{m[1]}” covers this line"),
    ),
    (
        r"the address does not end as an address does.*",
        lambda m: ("地址结尾不完整（通常以“…号”“…室”结束）", "the address looks cut off"),
    ),
    (
        r"the district (.+) is not a known place.*",
        lambda m: (
            f"地址中的“{m[1]}”不是已知的区县名，可能漏读或错读了字",
            f"“{m[1]}” is not a known district: a character may be missing or misread",
        ),
    ),
    (
        r"the authority's place \((.+)\) is not where the address is",
        lambda m: (
            f"登记机关所在地“{m[1]}”与住所不符",
            f"the authority ({m[1]}) is not where the address is",
        ),
    ),
    (
        r"some characters were hard to read.*",
        lambda m: ("有些字不易辨认", "some characters were hard to read"),
    ),
    (
        r"not an entity type of the official list",
        lambda m: ("不是登记的企业类型之一", "not one of the registered entity types"),
    ),
    (
        r"the entity type was read into the name",
        lambda m: ("企业类型被读进了名称", "the entity type was read into the name"),
    ),
    (
        r"a (.+)'s name ends in (.+)",
        lambda m: (f"{m[1]}的名称应以“{m[2]}”结尾", f"the name of a {m[1]} ends in “{m[2]}”"),
    ),
    (
        r"its brackets do not pair up.*",
        lambda m: (
            "括号不成对，括号内可能缺字",
            "its brackets do not pair up: text may be missing",
        ),
    ),
    (
        r"the scope does not end with .*",
        lambda m: ("经营范围结尾不完整，可能未读全", "the business scope looks cut off"),
    ),
    (
        r"the closing sentence .* is misread",
        lambda m: ("结尾的“依法须经批准的项目…”读得不准", "its closing sentence was misread"),
    ),
    (
        r"items are separated by .*",
        lambda m: (
            "项目之间的“；”被读成了“：”或“，”",
            "a “；” between items was read as “：” or “，”",
        ),
    ),
    (
        r"an item ends at a bracket but no ; follows it.*",
        lambda m: ("括号后缺少分隔两个项目的“；”，可能漏读", "a “；” after a bracket was missed"),
    ),
    (
        r"two items run together.*",
        lambda m: (
            "两个经营项目连在一起，中间的“、”可能漏读",
            "two items run together: a “、” was missed",
        ),
    ),
    (
        r"Latin letters inside the scope.*",
        lambda m: ("经营范围里出现了英文字母，可能是误读", "Latin letters in the scope: misread?"),
    ),
    (
        r"not the shape of a person's name",
        lambda m: ("不像一个人的姓名", "does not look like a person's name"),
    ),
    (r"a date before 1949", lambda m: ("日期早于1949年", "a date before 1949")),
    (
        r"(established on|term from|issued on) is after (established on|term from|issued on)",
        lambda m: (
            f"{_DATES[m[1]][0]}晚于{_DATES[m[2]][0]}",
            f"{_DATES[m[1]][1]} is after {_DATES[m[2]][1]}",
        ),
    ),
    (
        r"the QR code names another credit code \((.+)\)",
        lambda m: (
            f"执照上的二维码指向另一个统一社会信用代码 {m[1]}",
            f"the licence's QR code names another credit code, {m[1]}",
        ),
    ),
)
_COMPILED = tuple((re.compile(pattern), words) for pattern, words in _RULES)


def doubts_of(reason: str) -> tuple[Doubt, ...]:
    """Each part of a reader's ``reason`` in both languages (empty: no doubt)."""
    out: list[Doubt] = []
    for part in (p.strip() for p in reason.split("; ")):
        if not part:
            continue
        for pattern, words in _COMPILED:
            match = pattern.fullmatch(part)
            if match is not None:
                out.append(Doubt(*words(match)))
                break
        else:
            out.append(Doubt("识别结果存疑，请对照执照核对", part))
    return tuple(out)
