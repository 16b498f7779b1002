"""From label texts to a :class:`~ocr.model.LicenceReading` (pure: no images, no engines).

The credit code is fused from every reading offered (each engine's, and the
QR code's ``uniscid=``): all codes that pass the checks must agree, or the
field is unreadable. A wrong code is never returned as read.

>>> from ocr.layout import parse_segments, segments_from_text
>>> from ocr.model import Layout
>>> labels = parse_segments(segments_from_text('''
... 统一社会信用代码  91110000600037341L
... 名    称  北京恒泰信息科技有限公司
... 注册资本  壹佰万元整
... 营业期限  2015年03月12日至长期
... '''))
>>> reading = build_reading(labels, Layout.LANDSCAPE, uscc_reads=uscc_reads_from(labels, "t", 0.9))
>>> reading.uscc.value, reading.registered_capital.value.amount, reading.term_to.status
('91110000600037341L', Decimal('1000000'), <FieldStatus.READ: 'read'>)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

from rapidfuzz.distance import Levenshtein

from ocr import places
from ocr.checks import Why, reason
from ocr.layout import FieldText
from ocr.model import FieldReading, FieldStatus, LicenceReading, Money
from ocr.normalise import clean_text, parse_capital, parse_date, parse_term
from ocr.uscc_repair import candidate_strings, repair

_AUTHORITY = re.compile(
    r"^([\u4e00-\u9fff]{2,14}?)(市场监督管理局|工商行政管理局|行政审批局|市场监管局|工商局)$"
)
_SCOPE_HEADS = ("一般项目", "许可项目")
# A full stop read as a Latin letter, digit or dot right after the last word or bracket.
_MISREAD_FINAL_STOP = re.compile(r"(?<=[\u4e00-\u9fff)])[oO0.°·]$")


@dataclass(frozen=True)
class UsccRead:
    source: str  # engine name or "qr"
    raw: str
    score: float


def qr_uscc(payload: str | None) -> str | None:
    """The ``uniscid`` parameter of a licence QR code, if it carries one.

    >>> qr_uscc("http://www.gsxt.gov.cn/index.html?uniscid=91110000600037341L")
    '91110000600037341L'
    """
    if not payload:
        return None
    values = parse_qs(urlparse(payload.strip()).query).get("uniscid")
    return values[0] if values else None


def uscc_reads_from(fields: dict[str, FieldText], source: str, score: float) -> list[UsccRead]:
    f = fields.get("uscc")
    if f is None:
        return []
    return [UsccRead(source, c, min(score, f.score)) for c in candidate_strings([f.text])]


def fuse_uscc(reads: Sequence[UsccRead]) -> tuple[FieldReading[str], list[str]]:
    """Agreeing valid codes give the value; disagreeing ones make it unreadable."""
    valid: dict[str, list[tuple[UsccRead, str]]] = {}
    notes: list[str] = []
    for read in reads:
        outcome = repair(read.raw)
        if outcome.code is not None:
            valid.setdefault(outcome.code, []).append((read, outcome.status))
        elif outcome.candidates:
            notes.append(f"credit code from {read.source}: {outcome.reason}")
    if not valid:
        if reads:
            return FieldReading.unreadable(reads[0].source), notes
        return FieldReading.missing(), notes
    if len(valid) > 1:
        notes.append("credit code readings disagree: " + ", ".join(sorted(valid)))
        return FieldReading.unreadable("conflict"), notes
    code, support = next(iter(valid.items()))
    sources = sorted({r.source for r, _ in support})
    direct = any(status == "read" for _, status in support)
    if len(sources) >= 2:
        confidence = 0.99
    elif direct:
        confidence = 0.9 * max(r.score for r, _ in support) + 0.05
    else:
        confidence = 0.7 * max(r.score for r, _ in support)
    status = FieldStatus.READ if direct else FieldStatus.REPAIRED
    return FieldReading(code, confidence, status, "+".join(sources)), notes


def _credit_code(
    printed: Sequence[UsccRead], from_qr: str | None
) -> tuple[FieldReading[str], str | None, list[str]]:
    """The credit code, the QR code's own (when valid), and notes.

    When the printed code reads as one valid code and the QR code carries another valid
    one, the printed code stays the value, marked ``uncertain``: the disagreement is a
    finding for a person to see (another company's QR code on this licence?), not a
    silent "unreadable". Otherwise the QR's code is one more reading to fuse.

    >>> read = [UsccRead("t", "91110000600037341L", 1.0)]
    >>> code, qr, _ = _credit_code(read, "91120116023704967J")
    >>> code.value, code.status.value, qr
    ('91110000600037341L', 'uncertain', '91120116023704967J')
    >>> _credit_code(read, "91110000600037341L")[0].confidence
    0.99
    """
    qr_read = UsccRead("qr", from_qr, 0.99) if from_qr else None
    qr_code = repair(from_qr).code if from_qr and repair(from_qr).status == "read" else None
    if qr_read is None or qr_code is None:
        code, notes = fuse_uscc([*printed, *([qr_read] if qr_read else [])])
        return code, None, notes
    alone, notes = fuse_uscc(printed)
    if alone.value is not None and alone.value != qr_code:
        notes.append(f"the QR code names credit code {qr_code}, the licence prints {alone.value}")
        text = f"the QR code names another credit code ({qr_code})"
        return alone.doubted(reason(Why.QR_OTHER_CODE, text, qr_code)), qr_code, notes
    code, notes = fuse_uscc([*printed, qr_read])
    return code, qr_code, notes


_REGISTRATION_NUMBER = re.compile(r"\d{13,15}")


def registration_number(text: str) -> str:
    """The 注册号 of an old-style licence as printed (13 or 15 digits: a word read on
    after it on the same line, such as the title 营业执照, is not part of it).

    >>> registration_number("320506256932963营业执照")
    '320506256932963'
    >>> registration_number("第 3205 号")
    '第3205号'
    """
    value = clean_text(text)
    found = _REGISTRATION_NUMBER.search(value.replace(" ", ""))
    return found.group() if found else value


def _text(fields: dict[str, FieldText], key: str, source: str) -> FieldReading[str]:
    f = fields.get(key)
    if f is None:
        return FieldReading.missing()
    value = clean_text(f.text)
    if key == "business_scope":
        value = scope_text(value)
    if not value:
        return FieldReading.unreadable(source)
    return FieldReading(value, f.score, FieldStatus.READ, source)


def scope_text(value: str) -> str:
    """Repair the two ends of a business scope (经营范围) that OCR gets wrong.

    The scope opens with 一般项目 or 许可项目, and its lone 一 is too thin for
    detectors. It ends with a full stop, which read alone looks like a Latin
    o, a zero or a dot; after a Chinese character or a closing bracket such a
    mark can only be that 。 (no item of a scope ends in a Latin letter or a
    bare digit), so it is put back. Nothing is added when no mark was read.

    >>> scope_text("般项目:软件开发;会议及展览服务o")
    '一般项目:软件开发;会议及展览服务。'
    >>> scope_text("一般项目:专用设备制造(不含许可类专业设备制造)0")
    '一般项目:专用设备制造(不含许可类专业设备制造)。'
    >>> scope_text("一般项目:软件开发;5G")
    '一般项目:软件开发;5G'
    """
    if value.startswith("般项目"):
        value = "一" + value
    return _MISREAD_FINAL_STOP.sub("。", value)


def _date(text: str | None, score: float, source: str) -> FieldReading[date]:
    if text is None:
        return FieldReading.missing()
    value = parse_date(text)
    if value is None:
        return FieldReading.unreadable(source)
    return FieldReading(value, score, FieldStatus.READ, source)


def authority_reading(
    text: str, score: float, source: str, address: str | None
) -> FieldReading[str]:
    """The 登记机关 as read from the seal, its place name checked against the address."""
    # Noise of the seal's ring read as digits or letters at either end is not part of it,
    # nor is what follows a whole authority's ending (the date's digits read as 专U七).
    value = re.sub(r"^[^\u4e00-\u9fff]+|[^\u4e00-\u9fff]+$", "", clean_text(text))
    value = re.sub(r"(市场监督管理局|工商行政管理局|行政审批局).{1,3}$", r"\1", value)
    match = _AUTHORITY.match(value)
    if not match:
        near = re.match(r"^([\u4e00-\u9fff]{2,14}?)市场[监临][督瞥督普最督]?管理局$", value)
        if near is None:
            return FieldReading.unreadable(source) if value else FieldReading.missing()
        value = near.group(1) + "市场监督管理局"
        match = _AUTHORITY.match(value)
        assert match is not None
    place, suffix = match.groups()
    if address and not address.startswith(place) and _stray_first(place, address):
        return FieldReading(place[1:] + suffix, score * 0.9, FieldStatus.REPAIRED, source)
    if address and not address.startswith(place):
        prefix = address[: len(place)]
        distance = Levenshtein.distance(place, prefix)
        if distance == 1 or (distance == 2 and _misread_district(place, prefix)):
            return FieldReading(prefix + suffix, score * 0.9, FieldStatus.REPAIRED, source)
    return FieldReading(value, score, FieldStatus.READ, source)


def _stray_first(place: str, address: str) -> bool:
    """One character of the ring's noise before the place (元广州市天河区): the rest is the
    address's own place, down to a known district, so no real place name is lost with it."""
    rest = places.district_of(place[1:])
    return (
        address.startswith(place[1:])
        and rest is not None
        and place[1:].endswith(rest)
        and places.is_known(rest)
    )


def _misread_district(place: str, address_place: str) -> bool:
    """Two characters may be put right (温圳市康山区 → 深圳市南山区) only when the seal's
    district is no place at all and the address's is a known one: a seal that reads a
    real district elsewhere (a company registered in 福田区, sited in 南山区) stays as read."""
    read, sited = places.district_of(place), places.district_of(address_place)
    return (
        read is not None
        and sited is not None
        and not places.is_known(read)
        and places.is_known(sited)
    )


def build_reading(
    fields: dict[str, FieldText],
    layout: Any,
    *,
    source: str = "",
    uscc_reads: Sequence[UsccRead] = (),
    qr_payload: str | None = None,
    seal_text: tuple[str, float, str] | None = None,
) -> LicenceReading:
    """Turn the label texts (and the seal and QR readings) into typed fields."""
    warnings: list[str] = []
    uscc, qr_code, notes = _credit_code(uscc_reads, qr_uscc(qr_payload))
    warnings += notes
    number: str | None = None
    if "registration_number" in fields:
        number = registration_number(fields["registration_number"].text)
        warnings.append(
            f"旧版执照 / an old-style licence (注册号 {number}, before the 2016 five-in-one "
            "reform): its credit code is not printed and must be confirmed"
        )
        if uscc.value is None:  # not printed on such a licence: nothing was misread
            uscc = FieldReading.missing()

    capital: FieldReading[Money] = FieldReading.missing()
    if "registered_capital" in fields:
        f = fields["registered_capital"]
        money = parse_capital(f.text)
        capital = (
            FieldReading(money, f.score, FieldStatus.READ, source)
            if money
            else FieldReading.unreadable(source)
        )

    established = fields.get("established_on")
    est = _date(
        established.text if established else None, established.score if established else 0, source
    )

    term_from: FieldReading[date] = FieldReading.missing()
    term_to: FieldReading[date] = FieldReading.missing()
    if "term" in fields:
        f = fields["term"]
        start, end, open_ended = parse_term(f.text)
        term_from = (
            FieldReading(start, f.score, FieldStatus.READ, source)
            if start
            else FieldReading.unreadable(source)
        )
        if open_ended:
            term_to = FieldReading(None, f.score, FieldStatus.READ, source)
        elif end:
            term_to = FieldReading(end, f.score, FieldStatus.READ, source)
        else:
            term_to = FieldReading.unreadable(source)

    address = _text(fields, "address", source)
    authority_field = fields.get("registration_authority")
    authority: FieldReading[str] = FieldReading.missing()
    if seal_text is not None and seal_text[0]:
        authority = authority_reading(seal_text[0], seal_text[1], seal_text[2], address.value)
    if not authority.is_confident and authority_field is not None:
        printed = re.sub(r"\d{4}.*$", "", clean_text(authority_field.text))
        fallback = authority_reading(printed, authority_field.score, source, address.value)
        if fallback.is_confident or authority.status is FieldStatus.MISSING:
            authority = fallback

    issued_field = fields.get("issued_on")
    issued: FieldReading[date] = FieldReading.missing()
    if issued_field is not None:
        issued = _date(issued_field.text, issued_field.score, source)
    elif authority_field is not None:
        issued = _date(authority_field.text, authority_field.score, source)

    return LicenceReading(
        layout=layout,
        name=_text(fields, "name", source),
        uscc=uscc,
        entity_type=_text(fields, "entity_type", source),
        legal_representative=_text(fields, "legal_representative", source),
        registered_capital=capital,
        established_on=est,
        term_from=term_from,
        term_to=term_to,
        address=address,
        business_scope=_text(fields, "business_scope", source),
        registration_authority=authority,
        issued_on=issued,
        qr_payload=qr_payload,
        qr_uscc=qr_code,
        warnings=tuple(warnings),
        registration_number=number,
    )
