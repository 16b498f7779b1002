from datetime import date
from decimal import Decimal

import pytest

from ocr.fields import build_reading, uscc_reads_from
from ocr.layout import parse_segments, segments_from_text
from ocr.model import FieldStatus, Layout
from ocr.ports import TextSegment

LANDSCAPE = """
统一社会信用代码
91110000600037341L                       营 业 执 照
证照编号：38778408016097535139
名    称  北京恒泰信息科技有限公司                 注册资本  壹佰万元整
类    型  有限责任公司(自然人投资或控股)           成立日期  2015年03月12日
法定代表人  张伟                                   营业期限  2015年03月12日至长期
经营范围  一般项目:技术服务、技术开发；软件开发     住    所  北京市海淀区中关村大街1号
"""

PORTRAIT = """
统一社会信用代码
91110000600037341L
名    称  北京恒泰企业管理咨询中心(普通合伙)
类    型  普通合伙企业
主要经营场所  北京市海淀区学院路2号3幢101室
执行事务合伙人  李娜
出 资 额  100万元人民币
注册日期  2016年01月23日
合伙期限  2016年01月23日至2036年01月22日
经营范围  一般项目:企业管理咨询；
          会议及展览服务。
"""


def test_landscape_two_columns_are_split_at_their_labels():
    fields = parse_segments(segments_from_text(LANDSCAPE))
    assert fields["name"].text == "北京恒泰信息科技有限公司"
    assert fields["registered_capital"].text == "壹佰万元整"
    assert fields["entity_type"].text == "有限责任公司(自然人投资或控股)"
    assert fields["established_on"].text == "2015年03月12日"
    assert fields["legal_representative"].text == "张伟"
    assert fields["term"].text == "2015年03月12日至长期"
    assert fields["address"].text == "北京市海淀区中关村大街1号"


def test_portrait_label_variants_and_wrapped_scope():
    fields = parse_segments(segments_from_text(PORTRAIT))
    assert fields["address"].label == "主要经营场所"
    assert fields["legal_representative"].label == "执行事务合伙人"
    assert fields["registered_capital"].label == "出资额"
    assert fields["established_on"].label == "注册日期"
    assert fields["term"].label == "合伙期限"
    reading = build_reading(fields, Layout.PORTRAIT, uscc_reads=uscc_reads_from(fields, "t", 1))
    assert reading.business_scope.value == "一般项目:企业管理咨询;会议及展览服务。"
    assert reading.registered_capital.value is not None
    assert reading.registered_capital.value.amount == Decimal(1_000_000)
    assert reading.term_to.value == date(2036, 1, 22)
    assert reading.uscc.value == "91110000600037341L"


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("主体类型", "entity_type"),
        ("负责人", "legal_representative"),
        ("经营者", "legal_representative"),
        ("投资人", "legal_representative"),
        ("营业场所", "address"),
        ("经营场所", "address"),
        ("经营期限", "term"),
        ("登记机关", "registration_authority"),
    ],
)
def test_label_variants_name_the_same_field(label, key):
    fields = parse_segments(segments_from_text(f"名    称  某某公司\n{label}  某某"))
    assert key in fields
    assert fields[key].text == "某某"


def test_spread_label_characters_in_separate_boxes_still_make_a_label():
    segs = [
        TextSegment("名", 100, 100, 130, 130),
        TextSegment("称天津联创商贸行", 200, 100, 600, 130),
        TextSegment("成立日期2006年04月16日", 900, 100, 1300, 130),
        TextSegment("类", 100, 160, 130, 190),
        TextSegment("型", 200, 160, 230, 190),
        TextSegment("个人独资企业", 300, 160, 500, 190),
    ]
    fields = parse_segments(segs)
    assert fields["name"].text == "天津联创商贸行"
    assert fields["established_on"].text == "2006年04月16日"
    assert fields["entity_type"].text == "个人独资企业"


def test_a_wrapped_line_goes_to_the_column_it_starts_in():
    segs = [
        TextSegment("法定代表人", 100, 40, 220, 70),
        TextSegment("张伟", 260, 40, 320, 70),
        TextSegment("营业期限", 900, 40, 1020, 70),
        TextSegment("2015年03月12日至长期", 1050, 40, 1300, 70),
        TextSegment("经营范围", 100, 100, 220, 130),
        TextSegment("一般项目:五金产品批发；市", 260, 100, 700, 130),
        TextSegment("住所", 900, 100, 960, 130),
        TextSegment("天津市滨海新区漕溪路199号", 1000, 100, 1300, 130),
        TextSegment("室", 1000, 155, 1030, 188),
        TextSegment("场营销策划。", 260, 160, 500, 190),
    ]
    fields = parse_segments(segs)
    assert fields["address"].text == "天津市滨海新区漕溪路199号室"
    assert "".join(fields["business_scope"].text.split()) == "一般项目:五金产品批发；市场营销策划。"


def test_the_issue_date_below_the_registration_authority_is_found():
    segs = [
        TextSegment("名称某某公司", 100, 100, 400, 130),
        TextSegment("类型个人独资企业", 100, 150, 400, 180),
        TextSegment("登记机关", 900, 800, 1020, 830),
        TextSegment("2019年03月31日", 1050, 930, 1300, 960),
    ]
    reading = build_reading(parse_segments(segs), Layout.LANDSCAPE)
    assert reading.issued_on.value == date(2019, 3, 31)


def test_a_misread_authority_place_is_checked_against_the_address():
    fields = parse_segments(segments_from_text("住    所  天津市滨海新区人民路348号"))
    reading = build_reading(
        fields, Layout.LANDSCAPE, seal_text=("天津市浪海新区市场监督管理局", 0.93, "seal")
    )
    assert reading.registration_authority.value == "天津市滨海新区市场监督管理局"
    assert reading.registration_authority.status is FieldStatus.REPAIRED


def test_credit_code_readings_that_disagree_make_it_unreadable():
    fields = parse_segments(segments_from_text("统一社会信用代码\n91110000600037341L"))
    reads = uscc_reads_from(fields, "ocr", 1.0)
    other = "http://www.gsxt.gov.cn/index.html?uniscid=91120116023704967J"
    reading = build_reading(fields, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=other)
    assert reading.uscc.value is None
    assert reading.uscc.status is FieldStatus.UNREADABLE
    agreeing = "http://www.gsxt.gov.cn/index.html?uniscid=91110000600037341L"
    reading = build_reading(fields, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=agreeing)
    assert reading.uscc.value == "91110000600037341L"
    assert reading.uscc.confidence >= 0.99


def test_as_dict_is_json_ready():
    import json

    fields = parse_segments(segments_from_text(PORTRAIT))
    data = build_reading(fields, Layout.PORTRAIT).as_dict()
    json.dumps(data)
    assert set(data) == {"layout", "qr_payload", "warnings", "fields"}
    assert data["fields"]["registered_capital"]["value"] == {"amount": "1000000", "currency": "CNY"}
    assert data["fields"]["established_on"]["value"] == "2016-01-23"
    assert data["fields"]["issued_on"]["status"] == "missing"
