"""Every reason the reader can give for doubting a value reaches the supplier in Chinese
and English, chosen by the reason's stable code, never by the reader's English words."""

from datetime import date

import pytest

from ocr.checks import Why, check_reading, reason
from ocr.model import FieldReading, FieldStatus, Layout, LicenceReading
from portal.ocr_jobs.reasons import WORDS, Doubt, doubts_of

#: One reading that trips every check of ocr.checks, and the code each field then carries.
TRIPPED = {
    "name": ("上海恒泰信息科技有限公", Why.NAME_ENDING),
    "entity_type": ("有限责任公司(自然人独资)", None),
    "address": ("北京市朝杨区建国路1号", Why.UNKNOWN_DISTRICT),
    "legal_representative": ("张3", Why.NOT_A_PERSON),
    "business_scope": ("一般项目:软件开发:技术服务。", Why.SCOPE_SEPARATOR),
}


def _stored(code: Why, *about: str, text: str = "words") -> list[dict[str, object]]:
    return [reason(code, text, *about).as_dict()]


def test_every_reason_code_has_words_in_both_languages():
    assert set(WORDS) == set(Why)  # a new check's code must be worded before it can ship
    for code in Why:
        doubt = doubts_of(_stored(code, "徐区", "established_on"))[0]
        assert doubt.zh and doubt.en and code.value not in (doubt.zh + doubt.en)


def test_the_words_follow_the_code_not_the_reader_s_english():
    before = doubts_of(_stored(Why.COPY_STAMP, "仅供投标使用", text="the copy stamp crosses"))
    after = doubts_of(_stored(Why.COPY_STAMP, "仅供投标使用", text="a stamp lies on it"))
    assert (
        before
        == after
        == (
            Doubt(
                "复印件上的“仅供投标使用”字样压住了这一栏",
                "the stamp “仅供投标使用” covers this line",
            ),
        )
    )


def test_dates_out_of_order_name_both_dates_in_people_s_words():
    [doubt] = doubts_of(_stored(Why.DATES_OUT_OF_ORDER, "established_on", "issued_on"))
    assert doubt == Doubt(
        "成立日期晚于发照日期", "the date of establishment is after the date of issue"
    )


def test_a_code_the_portal_does_not_know_shows_the_reader_s_words_under_a_plain_sentence():
    [doubt] = doubts_of([{"code": "a_check_from_tomorrow", "about": [], "text": "it looks odd"}])
    assert doubt == Doubt("识别结果存疑，请对照执照核对", "it looks odd")


def test_a_reading_stored_before_reasons_had_codes_still_shows_each_reason():
    text = "the label 类型 was read into the value; a date before 1949"
    assert [d.en for d in doubts_of([], text)] == [
        "the label 类型 was read into the value",
        "a date before 1949",
    ]
    assert doubts_of([], "") == ()


def _read(**values: str) -> LicenceReading:
    fields = {k: FieldReading(v, 0.98, FieldStatus.READ, "t") for k, v in values.items()}
    return LicenceReading(Layout.LANDSCAPE, **fields)


@pytest.mark.parametrize(("key", "value", "code"), [(k, *v) for k, v in TRIPPED.items() if v[1]])
def test_each_check_gives_its_reason_a_code(key, value, code):
    checked = check_reading(_read(**{k: v for k, (v, _) in TRIPPED.items()}))
    field = getattr(checked, key)
    assert field.status is FieldStatus.UNCERTAIN
    assert [r.code for r in field.reasons] == [code]
    assert field.as_dict()["reasons"][0]["code"] == code.value


def test_a_field_doubted_twice_keeps_both_codes_in_order():
    reading = LicenceReading(
        Layout.LANDSCAPE,
        established_on=FieldReading(date(1948, 9, 25), 1.0, FieldStatus.READ),
        issued_on=FieldReading(date(1947, 2, 4), 1.0, FieldStatus.READ),
    )
    checked = check_reading(reading).established_on
    assert [r.code for r in checked.reasons] == [Why.DATE_BEFORE_1949, Why.DATES_OUT_OF_ORDER]
    assert checked.reason == "a date before 1949; established on is after issued on"
    zh = [d.zh for d in doubts_of(checked.as_dict()["reasons"])]
    assert zh == ["日期早于1949年", "成立日期晚于发照日期"]
