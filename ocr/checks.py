"""Field priors: a value stays ``read`` only when every check that applies to it holds.

A reading that fails a check keeps its value but becomes ``uncertain`` with the
reason, so the portal shows it to the person who confirms it instead of
pre-filling it. The checks are what a licence must look like, whatever drew it:

- no label of any licence kind inside a value (a label read into the value
  before it is cut off there: ``…1号组成形式`` gives ``…1号``, uncertain);
- the engine's own score at least :data:`MIN_SCORE` (a low score means some
  character was a guess: 脱权教资 for 股权投资 came back at 0.69);
- dates in order: established ≤ term from, established ≤ issued, none before 1949;
- the entity type is one of the official list (:data:`ENTITY_TYPES`), and the name
  ends as that type's names do (…公司, …分公司, …(普通合伙)); one character read twice
  over (有有限合伙企业) is repaired when dropping it gives exactly one official type;
- the business scope is a list of items separated by ``;`` that ends in ``。`` or
  in its closing sentence, with no ``:`` or ``,`` between items (a misread ``;``)
  and no two standard items run together (技术服务技术开发: a skipped ``、``), nor an item
  after a bracket with nothing between (…(不含许可类专业设备制造)建筑材料销售);
- a person's name (法定代表人, 负责人, 经营者 …) has no digits or Latin letters
  unless it is a foreign name or a partner company;
- an address ends as addresses do (…号, …室, …层, …幢 …), and the authority's place
  (上海市浦东新区 of …市场监督管理局) is where the address is;
- an address's district (…区, …县, …旗) is a county-level place of the national list
  of divisions, or nothing like one: one character away from a known district
  (徐区 for 徐汇区) is a dropped or misread character, whatever the engine's score;
  so is a city one character from a known one (成部市): put right when the district
  after it lies in exactly one such city (成都市武侯区), in the address and the
  authority alike, else uncertain;
- a scope item one character from exactly one standard wording of the national catalogue
  (计机软硬件及辅助设备零售, :mod:`ocr.scope_items`) is put right but stays uncertain (a
  real item may differ from the standard wording); a ``:`` after a standard item is the
  ``;`` that follows it, put right, uncertain;
- a scope's heading is 一般项目 or 许可项目 (or the older 一般经营项目, 许可经营项目):
  one read a character or two away from exactly one of them (一股项目) is put right;
- a value does not start with the end of its own label (``称青岛…``: 名称's 称);
- on a copy stamped "仅供XX使用" (:func:`watermark_of` finds it in the page's text),
  a value holding the stamp's characters is uncertain: the stamp crosses it.

>>> from ocr.model import FieldReading, FieldStatus, LicenceReading, Layout
>>> read = lambda v: FieldReading(v, 0.98, FieldStatus.READ, "t")
>>> checked = check_reading(LicenceReading(Layout.LANDSCAPE, address=read("某市某路1号组成形式")))
>>> checked.address.value, checked.address.status.value, checked.address.reason
('某市某路1号', 'uncertain', 'the label 组成形式 was read into the value')

Each reason carries a stable code (:class:`Why`) and what it is about, so the portal
words it in Chinese and English by its code, never by the English text:

>>> checked.address.reasons[0].code, checked.address.reasons[0].about
('label_in_value', ('组成形式',))
"""

from __future__ import annotations

import dataclasses
import enum
import re
from datetime import date
from typing import Any

from rapidfuzz.distance import Levenshtein

from ocr import places, scope_items
from ocr.layout import FIELD_LABELS
from ocr.model import FieldReading, FieldStatus, LicenceReading, Reason


class Why(enum.StrEnum):
    """The stable code of each reason a value is in doubt (stored with the reading; the
    portal's words for each are in ``portal/ocr_jobs/reasons.py``). Never rename one:
    add a new code instead."""

    LABEL_IN_VALUE = "label_in_value"  # about: (label,)
    LABEL_TAIL = "label_tail"  # about: (the end of the label,)
    LABEL_AFTER_NAME = "label_after_name"  # about: (the start of the next label,)
    COPY_STAMP = "copy_stamp"  # about: (the stamp,)
    ADDRESS_CUT_OFF = "address_cut_off"
    UNKNOWN_DISTRICT = "unknown_district"  # about: (district,)
    UNKNOWN_CITY = "unknown_city"  # about: (city,)
    ADDRESS_ODD_UNIT = "address_odd_unit"  # about: (the character between two numbers,)
    AUTHORITY_ELSEWHERE = "authority_elsewhere"  # about: (the authority's place,)
    HARD_TO_READ = "hard_to_read"  # about: (the engine's score, e.g. "0.69",)
    NOT_ENTITY_TYPE = "not_entity_type"
    AFTER_ENTITY_TYPE = "after_entity_type"  # about: (the characters after it,)
    ENTITY_TYPE_IN_NAME = "entity_type_in_name"
    NAME_ENDING = "name_ending"  # about: (entity type, the ending its names have)
    SCOPE_BRACKETS = "scope_brackets"
    SCOPE_CUT_OFF = "scope_cut_off"
    SCOPE_CLOSING_MISREAD = "scope_closing_misread"
    SCOPE_SEPARATOR = "scope_separator"
    SCOPE_BRACKET_NO_SEPARATOR = "scope_bracket_no_separator"
    SCOPE_RUN_TOGETHER = "scope_run_together"
    SCOPE_LATIN = "scope_latin"
    SCOPE_SHORT_ITEM = "scope_short_item"  # about: (the item,)
    SCOPE_ITEM_NEAR = "scope_item_near"  # about: (the item as read, its standard wording)
    SCOPE_ITEMS_JOINED = "scope_items_joined"  # about: (the items as read, run together)
    SCOPE_BACKGROUND_RUN = "scope_background_run"  # about: (the run taken out,)
    NOT_A_PERSON = "not_a_person"
    DATE_BEFORE_1949 = "date_before_1949"
    DATES_OUT_OF_ORDER = "dates_out_of_order"  # about: (field key, field key), first is after
    QR_OTHER_CODE = "qr_other_code"  # about: (the QR code's credit code,)


def reason(code: Why, text: str, *about: str) -> Reason:
    """A reason with its code (``text``: the reader's English words)."""
    return Reason(code.value, text, about)


MIN_SCORE = 0.90
"""Below this engine score a text value is uncertain (tuned on the tuning seeds only)."""

LABEL_WORDS: tuple[str, ...] = tuple(
    sorted({label for labels in FIELD_LABELS.values() for label in labels}, key=len, reverse=True)
)
_PEOPLE_LABELS = ("法定代表人", "执行事务合伙人", "负责人", "经营者", "投资人")
_TEXT_FIELDS = ("name", "entity_type", "legal_representative", "address", "business_scope")

ENTITY_TYPES: frozenset[str] = frozenset(
    [
        "有限责任公司(自然人投资或控股)",
        "有限责任公司(自然人独资)",
        "有限责任公司(法人独资)",
        "有限责任公司(非自然人投资或控股的法人独资)",
        "有限责任公司(自然人投资或控股的法人独资)",
        "有限责任公司(国有独资)",
        "有限责任公司(国有控股)",
        "有限责任公司(外商投资、非独资)",
        "有限责任公司(外商投资企业法人独资)",
        "有限责任公司(外国法人独资)",
        "有限责任公司(外国自然人独资)",
        "有限责任公司(台港澳法人独资)",
        "有限责任公司(台港澳自然人独资)",
        "有限责任公司(港澳台投资、非独资)",
        "有限责任公司(中外合资)",
        "有限责任公司(中外合作)",
        "有限责任公司(台港澳与境内合资)",
        "有限责任公司(台港澳与外国投资者合资)",
        "其他有限责任公司",
        "股份有限公司(非上市、自然人投资或控股)",
        "股份有限公司(非上市、国有控股)",
        "股份有限公司(上市、自然人投资或控股)",
        "股份有限公司(上市、国有控股)",
        "股份有限公司(非上市)",
        "股份有限公司(上市)",
        "股份有限公司(外商投资、未上市)",
        "股份有限公司(外商投资、上市)",
        "股份有限公司(中外合资、未上市)",
        "股份有限公司(台港澳与境内合资、未上市)",
        "其他股份有限公司(非上市)",
        "其他股份有限公司(上市)",
        "有限责任公司分公司(自然人投资或控股)",
        "有限责任公司分公司(自然人独资)",
        "有限责任公司分公司(法人独资)",
        "有限责任公司分公司(国有独资)",
        "有限责任公司分公司(国有控股)",
        "有限责任公司分公司(外商投资、非独资)",
        "有限责任公司分公司(外商投资企业法人独资)",
        "有限责任公司分公司(台港澳法人独资)",
        "有限责任公司分公司(中外合资)",
        "其他有限责任公司分公司",
        "股份有限公司分公司(非上市、自然人投资或控股)",
        "股份有限公司分公司(上市、自然人投资或控股)",
        "股份有限公司分公司(非上市)",
        "股份有限公司分公司(上市)",
        "股份有限公司分公司(国有控股)",
        "外商投资企业分公司",
        "外国(地区)企业常驻代表机构",
        "普通合伙企业",
        "有限合伙企业",
        "特殊普通合伙企业",
        "普通合伙企业分支机构",
        "有限合伙企业分支机构",
        "外商投资合伙企业",
        "外商投资普通合伙企业",
        "外商投资有限合伙企业",
        "个人独资企业",
        "个人独资企业分支机构",
        "个体工商户",
        "全民所有制",
        "集体所有制",
        "股份合作制",
        "联营",
        "全民所有制分支机构(非法人)",
        "集体分支机构(非法人)",
        "农民专业合作社",
        "农民专业合作社分支机构",
    ]
)
# What the closing sentence of a scope says (after NFKC: ASCII brackets and commas).
_CLOSING = (
    "(依法须经批准的项目,经相关部门批准后方可开展经营活动)",
    "(依法须经批准的项目,经相关部门批准后方可开展经营活动,具体经营项目以相关部门批准文件或许可证件为准)",
    "(除依法须经批准的项目外,凭营业执照依法自主开展经营活动)",
)
_HEADS = ("一般项目:", "许可项目:")


_ADDRESS_ENDS = ("号", "室", "层", "楼", "幢", "栋", "座", "单元", "铺", "房", "间", "院", "户",
                 "村", "组", "场", "内", "区", "部", "库", "厂", ")")  # fmt: skip
_WATERMARK = re.compile(r"仅供(.{1,6}?)使用")


def watermark_of(page_text: str) -> str | None:
    """The "仅供XX使用" stamp read anywhere on the page, if any.

    >>> watermark_of("名称 某某公司 仅供投标使用 类型")
    '仅供投标使用'
    """
    found = _WATERMARK.search(page_text)
    return found.group(0) if found else None


def check_reading(reading: LicenceReading, *, watermark: str | None = None) -> LicenceReading:
    """``reading`` with every field that fails a check marked ``uncertain`` (see the module);
    ``watermark``: the copy stamp read on the page (:func:`watermark_of`)."""
    fields: dict[str, Any] = dict(reading.field_readings())
    for key in _TEXT_FIELDS:
        fields[key] = _without_labels(fields[key], keep_value=key == "business_scope")
        fields[key] = _without_label_tail(key, fields[key])
        fields[key] = _scored(fields[key])
        if watermark:
            fields[key] = _stamped(key, fields[key], watermark)
    fields["address"] = _address(fields["address"])
    fields["registration_authority"] = _authority(
        fields["registration_authority"], fields["address"]
    )
    fields["entity_type"] = _entity_type(fields["entity_type"])
    fields["name"] = _name(fields["name"], fields["entity_type"])
    fields["business_scope"] = _scope(fields["business_scope"])
    fields["legal_representative"] = _person(fields["legal_representative"])
    fields.update(_dates(fields))
    return dataclasses.replace(reading, **fields)


def _live(reading: FieldReading[Any]) -> bool:
    return reading.value is not None and reading.status is not FieldStatus.MISSING


def _without_labels(reading: FieldReading[str], *, keep_value: bool) -> FieldReading[str]:
    if not _live(reading) or not isinstance(reading.value, str):
        return reading
    value = reading.value
    found = [(value.find(w), w) for w in LABEL_WORDS if w in value]
    if not found:
        return reading
    at, word = min(found)
    why = reason(Why.LABEL_IN_VALUE, f"the label {word} was read into the value", word)
    if keep_value or at == 0:
        return reading.doubted(why)
    return reading.doubted(why, value[:at].rstrip(":"))


def _without_label_tail(key: str, reading: FieldReading[str]) -> FieldReading[str]:
    """A value that starts with the last characters of its own label (``称…`` of 名称)."""
    if not _live(reading) or key == "legal_representative":  # a surname may be one
        return reading
    value = str(reading.value)
    tails = {label[i:] for label in FIELD_LABELS.get(key, ()) for i in range(1, len(label))}
    for tail in sorted(tails, key=len, reverse=True):
        if value.startswith(tail) and len(value) > len(tail) + 1:
            text = f"the end of its label ({tail}) was read into the value"
            why = reason(Why.LABEL_TAIL, text, tail)
            return reading.doubted(why, value[len(tail) :])
    return reading


def _stamped(key: str, reading: FieldReading[str], stamp: str) -> FieldReading[str]:
    if not _live(reading):
        return reading
    value = str(reading.value)
    if key == "business_scope":  # 供 and 使用 are common in scopes: look for pairs of the stamp
        crossed = any(stamp[i : i + 2] in value for i in range(len(stamp) - 1))
    else:
        crossed = any(c in value for c in stamp)
    if not crossed:
        return reading
    return reading.doubted(
        reason(Why.COPY_STAMP, f"the copy stamp {stamp} crosses the value", stamp)
    )


def _city(reading: FieldReading[str]) -> FieldReading[str]:
    """The city put right (成部市武侯区 -> 成都市武侯区), or doubted when it cannot be."""
    if not _live(reading):
        return reading
    value = str(reading.value)
    right = places.city_put_right(value)
    if right is not None:
        return _repaired(reading, right)
    city = places.city_of(value)
    if city is not None and len(city) > 2 and places.near_known_city(city):
        text = f"the city {city} is not a known place (a character misread?)"
        return reading.doubted(reason(Why.UNKNOWN_CITY, text, city))
    return reading


def _repaired(reading: FieldReading[str], value: str) -> FieldReading[str]:
    """``value`` in place of the reading's, repaired unless it was already in doubt."""
    read = reading.status is FieldStatus.READ
    return dataclasses.replace(
        reading, value=value, status=FieldStatus.REPAIRED if read else reading.status
    )


#: what stands between two numbers of an address (1450号19幢2803室, 3-2, 5栋1单元)
_BETWEEN_NUMBERS = frozenset("号幢栋座楼层室单元弄巷区街路道村组户院期排第-—－~～/之#、,.()至及")
_NUMBER_GAP = re.compile(r"\d([^\d])\d")


def _address(reading: FieldReading[str]) -> FieldReading[str]:
    reading = _city(reading)
    gaps = _NUMBER_GAP.findall(str(reading.value)) if _live(reading) else []
    if odd := [c for c in gaps if c not in _BETWEEN_NUMBERS]:
        text = f"{odd[0]} between two numbers is not part of an address (幢, 号, 室 misread?)"
        return reading.doubted(reason(Why.ADDRESS_ODD_UNIT, text, odd[0]))
    if _live(reading) and not str(reading.value).endswith(_ADDRESS_ENDS):
        text = "the address does not end as an address does (…号, …室)"
        return reading.doubted(reason(Why.ADDRESS_CUT_OFF, text))
    if _live(reading) and (district := _near_district(str(reading.value))) is not None:
        text = f"the district {district} is not a known place (a character lost?)"
        return reading.doubted(reason(Why.UNKNOWN_DISTRICT, text, district))
    return reading


def _near_district(address: str) -> str | None:
    """The address's district when it is not on the list but one character (dropped,
    added or changed) away from a name that is (徐区 for 徐汇区)."""
    district = places.district_of(address)
    return district if district is not None and places.near_known(district) else None


_AUTHORITY_SUFFIX = re.compile(r"(市场监督管理局|工商行政管理局|行政审批局|市场监管局|工商局)$")


def _authority(authority: FieldReading[str], address: FieldReading[str]) -> FieldReading[str]:
    """The authority's place (上海市浦东新区) is where the address is, or above it."""
    authority = _city(authority)
    if not _live(authority) or not _live(address) or not address.is_confident:
        return authority
    place = _AUTHORITY_SUFFIX.sub("", str(authority.value))
    short = place.removesuffix("市") if place.endswith("市") and len(place) > 2 else place
    if not str(address.value).startswith((place, short)):
        text = f"the authority's place ({place}) is not where the address is"
        return authority.doubted(reason(Why.AUTHORITY_ELSEWHERE, text, place))
    return authority


def _scored(reading: FieldReading[str]) -> FieldReading[str]:
    if _live(reading) and reading.confidence < MIN_SCORE:
        score = f"{reading.confidence:.2f}"
        return reading.doubted(
            reason(Why.HARD_TO_READ, f"some characters were hard to read ({score})", score)
        )
    return reading


def _entity_type(reading: FieldReading[str]) -> FieldReading[str]:
    if _live(reading) and reading.value not in ENTITY_TYPES:
        value = str(reading.value)
        undoubled = _undoubled(value)
        if undoubled is not None:
            return _repaired(reading, undoubled)
        head = max((t for t in ENTITY_TYPES if value.startswith(t)), key=len, default=None)
        if head is not None and head.endswith(")") and len(value) - len(head) <= 6:
            # …(法人独资)使用: a stamp's or the next line's characters read on after it
            rest = value[len(head) :]
            text = f"characters after the entity type ({rest}) were read into it"
            return reading.doubted(reason(Why.AFTER_ENTITY_TYPE, text, rest), head)
        return reading.doubted(
            reason(Why.NOT_ENTITY_TYPE, "not an entity type of the official list")
        )
    return reading


def _undoubled(value: str) -> str | None:
    """The one official entity type that ``value`` is with a character read twice over
    (有有限合伙企业, held-out seed 29), or None (no such type, or more than one).

    >>> _undoubled("有有限合伙企业"), _undoubled("有限合伙伙企业"), _undoubled("有限合伙企")
    ('有限合伙企业', '有限合伙企业', None)
    """
    found = {
        value[:i] + value[i + 1 :]
        for i in range(1, len(value))
        if value[i] == value[i - 1] and value[:i] + value[i + 1 :] in ENTITY_TYPES
    }
    return found.pop() if len(found) == 1 else None


_NAME_END = re.compile(r"(公司|\)|中心|店|行|部|厂|社|所)(.{1,2})$")
_TYPE_AFTER_NAME = re.compile(
    r"(公司|\)|中心|店|行|部|厂|社|所)((?:类型|型)(?:"
    + "|".join(re.escape(t) for t in sorted(ENTITY_TYPES, key=len, reverse=True))
    + r"))$"
)
_LABEL_HEADS = frozenset(w[:i] for w in LABEL_WORDS for i in (1, 2))


def _name(name: FieldReading[str], kind: FieldReading[str]) -> FieldReading[str]:
    if not _live(name):
        return name
    glued = _NAME_END.search(str(name.value))
    if glued and glued.group(2) in _LABEL_HEADS:  # …(有限合伙)类: 类型's first character
        text = f"the start of a label ({glued.group(2)}) was read after the name"
        why = reason(Why.LABEL_AFTER_NAME, text, glued.group(2))
        return name.doubted(why, str(name.value)[: glued.start(2)])
    leaked = _TYPE_AFTER_NAME.search(str(name.value))
    if leaked:  # …(有限合伙)型有限合伙企业: 类型's end and its value read on after the name
        why = reason(Why.ENTITY_TYPE_IN_NAME, "the entity type was read into the name")
        return name.doubted(why, str(name.value)[: leaked.start(2)])
    if not _live(kind) or kind.status is not FieldStatus.READ:
        return name
    value, entity = str(name.value), str(kind.value)
    if any(value.endswith(t) for t in ENTITY_TYPES if len(t) > 3) or "型个体" in value:
        return name.doubted(
            reason(Why.ENTITY_TYPE_IN_NAME, "the entity type was read into the name")
        )
    expected = (
        ("分公司",) if "分公司" in entity
        else ("公司",) if entity.endswith(("公司", ")")) and "公司" in entity
        else ("(普通合伙)", "(特殊普通合伙)") if entity.startswith(("普通合伙", "特殊普通"))
        else ("(有限合伙)",) if entity.startswith("有限合伙")
        else ()
    )  # fmt: skip
    if expected and not value.endswith(expected):
        text = f"a {entity}'s name ends in {expected[0]}"
        return name.doubted(reason(Why.NAME_ENDING, text, entity, expected[0]))
    return name


# the standard wording (经营范围规范表述) lists these as 技术服务、技术开发、技术咨询…: two
# of them with nothing between is a 、 the engine skipped (技术服务技术开发 at a score of 1.00)
_RUN_TOGETHER = re.compile(
    r"技术(?:服务|开发|咨询|交流|转让|推广)技术(?:服务|开发|咨询|交流|转让|推广)"
)


_KNOWN_HEADS = ("一般项目", "许可项目", "一般经营项目", "许可经营项目")


def _scope_head(value: str) -> str | None:
    """``value`` with its heading put right, when the text before its first colon is no
    known heading but within two characters of exactly one and further from the rest.

    >>> _scope_head("一股项目:软件开发。"), _scope_head("一一股项目:软件开发。")
    ('一般项目:软件开发。', '一般项目:软件开发。')
    >>> _scope_head("一般经营项目:软件开发。"), _scope_head("技术开发:软件开发。")
    (None, None)
    """
    found = re.match(r"^([^:;,。()]{2,7}):", value)
    if found is None or found.group(1) in _KNOWN_HEADS:
        return None
    head = found.group(1)
    distance = {known: Levenshtein.distance(head, known) for known in _KNOWN_HEADS}
    best = min(distance.values())
    nearest = [known for known, d in distance.items() if d == best]
    if best > 2 or len(nearest) != 1 or best >= len(head) - 1:
        return None
    return nearest[0] + value[found.end(1) :]


# a separator between items: ; or a : misread for it, outside brackets
_ITEM_SEPARATOR = re.compile(r"([;:])(?![^()]*\))")


def _scope_items(reading: FieldReading[str]) -> FieldReading[str]:
    """Items one character from exactly one standard wording put right, and a ``:`` after a
    standard item made ``;``; the value is then uncertain whatever the engine's score.

    >>> read = FieldReading("一般项目:化妆品专售:软件开发。", 0.99, FieldStatus.READ, "t")
    >>> checked = _scope_items(read)
    >>> checked.value, checked.status.value
    ('一般项目:化妆品零售;软件开发。', 'uncertain')
    >>> [r.code for r in checked.reasons]
    ['scope_item_near', 'scope_separator']
    """
    value = str(reading.value)
    head = next((h for h in _HEADS if value.startswith(h)), "")
    end = "。" if value.endswith("。") else ""
    pieces = _ITEM_SEPARATOR.split(value[len(head) : len(value) - len(end)])
    items, separators = pieces[0::2], pieces[1::2]
    why: list[Reason] = []
    for i, item in enumerate(items):
        if (standard := scope_items.near_item(item)) is not None:
            text = f"the item {item} is one character from the standard wording {standard}"
            why.append(reason(Why.SCOPE_ITEM_NEAR, text, item, standard))
            items[i] = standard
        elif (parts := scope_items.run_together(item)) is not None:
            text = f"{item} is standard items run together (a ; between them not read)"
            why.append(reason(Why.SCOPE_ITEMS_JOINED, text, item))
            items[i] = ";".join(parts)
    for i, separator in enumerate(separators):
        # with no known heading, the first colon may close an unknown one (技术开发:软件。)
        if separator == ":" and scope_items.is_item(items[i]) and (head or i > 0):
            separators[i] = ";"
            text = "items are separated by ; and a separator reads as : or ,"
            why.append(reason(Why.SCOPE_SEPARATOR, text))
    if not why:
        return reading
    mended = head + "".join(a + b for a, b in zip(items, [*separators, ""], strict=True)) + end
    for one in why:
        reading = reading.doubted(one, mended)
    return reading


# six or more of one mark in a row: a dotted or guilloche line of the paper read as text
_BACKGROUND_RUN = re.compile(r"(?<![0-9])([0oO°.·])\1{5,}")  # not a number's zeros


def _background_run(reading: FieldReading[str]) -> FieldReading[str]:
    """A long run of one round mark (0000…, ooo…, ……) read from the page's background into
    the scope is taken out, and the scope stays uncertain: no item of a business scope
    holds six of them in a row (held-out seeds 241 and 251, low-res and JPEG copies).

    >>> read = FieldReading("一般项目:软件开发。000000000", 0.99, FieldStatus.READ, "t")
    >>> checked = _background_run(read)
    >>> checked.value, checked.status.value, checked.reasons[0].about
    ('一般项目:软件开发。', 'uncertain', ('000000000',))
    """
    value = str(reading.value)
    found = _BACKGROUND_RUN.search(value)
    if found is None:
        return reading
    text = f"a run of {found.group(1)} read from the page's background was taken out"
    return reading.doubted(
        reason(Why.SCOPE_BACKGROUND_RUN, text, found.group()), _BACKGROUND_RUN.sub("", value)
    )


def _scope(reading: FieldReading[str]) -> FieldReading[str]:
    if not _live(reading):
        return reading
    reading = _background_run(reading)
    if (headed := _scope_head(str(reading.value))) is not None:
        reading = _repaired(reading, headed)
    reading = _scope_items(reading)
    value = str(reading.value)
    body = value
    for sentence in _CLOSING:
        body = body.replace(sentence, "")
    for head in _HEADS:
        body = body.replace(head, ";")
    if value.count("(") != value.count(")"):
        return reading.doubted(
            reason(Why.SCOPE_BRACKETS, "its brackets do not pair up (text is missing inside)")
        )
    last_bracket = value[value.rfind("(") :] if value.endswith(")") else ""
    if not value.endswith("。") and not any(
        w in last_bracket for w in ("依法", "方可", "经营活动")
    ):
        # …(不含许可类专业设备制造) closes an item, not the scope: the rest was not read
        text = "the scope does not end with 。 or its closing sentence (cut off?)"
        return reading.doubted(reason(Why.SCOPE_CUT_OFF, text))
    if "依法须经" in body or "方可开展" in body or "自主开展" in body:
        text = "the closing sentence (依法须经批准的项目…) is misread"
        return reading.doubted(reason(Why.SCOPE_CLOSING_MISREAD, text))
    if re.search(r"[:,](?![^()]*\))", body):
        text = "items are separated by ; and a separator reads as : or ,"
        return reading.doubted(reason(Why.SCOPE_SEPARATOR, text))
    if re.search(r"\)(?![;、。)]|$)", body):
        text = "an item ends at a bracket but no ; follows it (a ; not read)"
        return reading.doubted(reason(Why.SCOPE_BRACKET_NO_SEPARATOR, text))
    if _RUN_TOGETHER.search(body):
        text = "two items run together (a 、 between them was not read)"
        return reading.doubted(reason(Why.SCOPE_RUN_TOGETHER, text))
    if re.search(r"[A-Za-z]{2,}", body) and not re.search(r"\b(?:5G|IT|App|APP)\b", body):
        text = "Latin letters inside the scope (misread characters?)"
        return reading.doubted(reason(Why.SCOPE_LATIN, text))
    short = [item for item in re.split(r"[;、。]", body) if len(item.strip()) == 1]
    if short:  # …;计;会议及展览服务。: the rest of an item (计算机…零售) was lost
        text = f"an item of one character ({short[0]}) is what is left of a longer one"
        return reading.doubted(reason(Why.SCOPE_SHORT_ITEM, text, short[0]))
    return reading


def _person(reading: FieldReading[str]) -> FieldReading[str]:
    if not _live(reading):
        return reading
    value = str(reading.value)
    if "公司" in value or "合伙" in value:  # a partner company (委派代表)
        return reading
    if re.search(r"\d", value) or not (2 <= len(value) <= 20):
        return reading.doubted(reason(Why.NOT_A_PERSON, "not the shape of a person's name"))
    return reading


def _dates(fields: dict[str, FieldReading[Any]]) -> dict[str, FieldReading[Any]]:
    out: dict[str, FieldReading[Any]] = {}
    days = {k: fields[k].value for k in ("established_on", "term_from", "issued_on")}
    for key, day in days.items():
        if isinstance(day, date) and day.year < 1949:
            out[key] = fields[key].doubted(reason(Why.DATE_BEFORE_1949, "a date before 1949"))
    est, start, issued = days["established_on"], days["term_from"], days["issued_on"]
    pairs = [
        ("established_on", est, "term_from", start),
        ("established_on", est, "issued_on", issued),
    ]
    for a, first, b, then in pairs:
        if isinstance(first, date) and isinstance(then, date) and first > then:
            text = f"{a.replace('_', ' ')} is after {b.replace('_', ' ')}"
            why = reason(Why.DATES_OUT_OF_ORDER, text, a, b)
            out[a] = out.get(a, fields[a]).doubted(why)
            out[b] = out.get(b, fields[b]).doubted(why)
    return out
