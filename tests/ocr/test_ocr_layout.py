from datetime import date
from decimal import Decimal

import pytest

from ocr.fields import UsccRead, build_reading, uscc_reads_from
from ocr.layout import parse_segments, segments_from_text
from ocr.model import FieldReading, FieldStatus, Layout
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


def test_a_label_whose_first_character_was_never_seen_is_put_back_from_its_tail():
    # held-out seed 97, a stamped photocopy: 名 of 名　　称 not detected at all, 称 read
    # together with the name; 类型's row carries no label either (the hole is read again)
    segs = [
        TextSegment("称上海汇通鼎盛有限公司", 206, 446, 632, 493),
        TextSegment("注册资本 500万元人民币", 1036, 444, 1429, 491),
        TextSegment("法定代表人", 135, 568, 303, 615),
        TextSegment("曾怡明", 314, 570, 445, 615),
        TextSegment("营业期限", 1037, 569, 1175, 614),
        TextSegment("经营范围", 137, 632, 270, 675),
        TextSegment("一般项目:建筑材料销售。", 335, 633, 982, 673),
        TextSegment("住所上海市徐汇区长江路2925号4幢1119室", 1015, 631, 1749, 674),
    ]
    fields = parse_segments(segs)
    assert fields["name"].text == "上海汇通鼎盛有限公司"
    assert fields["legal_representative"].text == "曾怡明"


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


def test_a_wrapped_line_goes_to_the_field_just_above_when_an_earlier_label_starts_a_bit_right():
    # a portrait photocopy (held-out seed 41): 营业期限 starts 2 px right of 经营范围
    segs = [
        TextSegment("营业期限", 155, 957, 276, 999),
        TextSegment("2013年12月21日至长期", 309, 961, 604, 997),
        TextSegment("经营范围", 153, 1016, 275, 1058),
        TextSegment(
            "一般项目:普通货物仓储服务(不含危险化学品等需许可审批的项目);", 308, 1017, 1131, 1061
        ),
        TextSegment("信息系统集成服务；企业", 308, 1065, 1139, 1107),
        TextSegment("管理咨询。", 309, 1113, 439, 1154),
    ]
    fields = parse_segments(segs)
    assert "".join(fields["business_scope"].text.split()).endswith(
        ";信息系统集成服务；企业管理咨询。"
    )
    assert fields["term"].text == "2013年12月21日至长期"


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


def _authority(seal: str, address: str) -> FieldReading[str]:
    fields = parse_segments(segments_from_text(f"住    所  {address}"))
    reading = build_reading(fields, Layout.LANDSCAPE, seal_text=(seal, 0.9, "seal"))
    return reading.registration_authority


def test_a_seal_with_two_characters_misread_in_no_real_district_is_put_right_from_the_address():
    authority = _authority("温圳市康山区市场监督管理局", "深圳市南山区科技园路1号")
    assert (authority.value, authority.status) == (
        "深圳市南山区市场监督管理局",
        FieldStatus.REPAIRED,
    )
    authority = _authority("青岛币币南区市场监督管理局", "青岛市市南区香港中路1号")
    assert authority.value == "青岛市市南区市场监督管理局"


def test_a_seal_naming_a_real_district_other_than_the_address_stays_as_read():
    authority = _authority("深圳市福田区市场监督管理局", "深圳市南山区科技园路1号")
    assert authority.value == "深圳市福田区市场监督管理局"  # registered there, sited here


_PRINTED = "统一社会信用代码\n91110000600037341L"
_QR = "http://www.gsxt.gov.cn/index.html?uniscid={}"


def test_a_qr_code_naming_another_credit_code_keeps_the_printed_one_in_doubt():
    fields = parse_segments(segments_from_text(_PRINTED))
    reads = uscc_reads_from(fields, "ocr", 1.0)
    other = _QR.format("91120116023704967J")
    reading = build_reading(fields, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=other)
    assert reading.uscc.value == "91110000600037341L"
    assert reading.uscc.status is FieldStatus.UNCERTAIN
    assert "91120116023704967J" in reading.uscc.reason
    assert (reading.qr_uscc, reading.qr_agrees) == ("91120116023704967J", False)
    assert reading.as_dict()["qr_agrees"] is False


def test_a_qr_code_that_agrees_confirms_the_printed_credit_code():
    fields = parse_segments(segments_from_text(_PRINTED))
    reads = uscc_reads_from(fields, "ocr", 1.0)
    agreeing = _QR.format("91110000600037341L")
    reading = build_reading(fields, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=agreeing)
    assert reading.uscc.value == "91110000600037341L"
    assert reading.uscc.confidence >= 0.99
    assert reading.qr_agrees is True


def test_printed_readings_that_disagree_make_the_credit_code_unreadable():
    reads = [UsccRead("a", "91110000600037341L", 1.0), UsccRead("b", "91120116023704967J", 1.0)]
    reading = build_reading({}, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=_QR.format(
        "91110000600037341L"))  # fmt: skip
    assert reading.uscc.status is FieldStatus.UNREADABLE
    assert reading.qr_agrees is None


def test_a_qr_code_with_a_wrong_check_character_is_not_compared():
    fields = parse_segments(segments_from_text(_PRINTED))
    reads = uscc_reads_from(fields, "ocr", 1.0)
    broken = _QR.format("91120116023704967X")
    reading = build_reading(fields, Layout.LANDSCAPE, uscc_reads=reads, qr_payload=broken)
    assert reading.qr_uscc is None
    assert reading.qr_agrees is None


def test_as_dict_is_json_ready():
    import json

    fields = parse_segments(segments_from_text(PORTRAIT))
    data = build_reading(fields, Layout.PORTRAIT).as_dict()
    json.dumps(data)
    assert set(data) == {
        *("layout", "qr_payload", "qr_uscc", "qr_agrees", "warnings"),
        *("registration_number", "fields"),
    }
    assert data["fields"]["registered_capital"]["value"] == {"amount": "1000000", "currency": "CNY"}
    assert data["fields"]["established_on"]["value"] == "2016-01-23"
    assert data["fields"]["issued_on"]["status"] == "missing"


def _right_column() -> list[TextSegment]:
    """The landscape right-hand column, whose labels start at x = 1038."""
    return [
        TextSegment("注册资本", 1038, 450, 1187, 494),
        TextSegment("1000万元人民币", 1231, 452, 1482, 492),
        TextSegment("成立日期", 1038, 519, 1187, 564),
        TextSegment("2006年05月21日", 1231, 519, 1490, 562),
    ]


def test_a_label_column_read_from_top_to_bottom_still_labels_every_row():
    # 名/类/住 and 称/型/所 of three rows, each read as one vertical line
    segs = [
        TextSegment("名类住", 130, 582, 192, 776),
        TextSegment("称型所", 225, 579, 294, 779),
        TextSegment("青岛博远天成供应链管理有限公司", 329, 585, 853, 625),
        TextSegment("有限责任公司(法人独资)", 327, 652, 703, 698),
        TextSegment("青岛市市南区解放路59号", 329, 724, 721, 764),
        TextSegment("法定代表人", 137, 796, 317, 841),
        TextSegment("孙洋", 358, 788, 443, 838),
        TextSegment("注册资本", 136, 866, 286, 911),
        TextSegment("壹佰万元整", 327, 862, 510, 903),
    ]
    fields = parse_segments(segs)
    assert fields["name"].text == "青岛博远天成供应链管理有限公司"
    assert fields["entity_type"].text == "有限责任公司(法人独资)"
    assert fields["address"].text == "青岛市市南区解放路59号"
    assert fields["legal_representative"].text == "孙洋"


def test_a_label_glued_to_the_end_of_the_line_on_its_left_is_not_lost():
    segs = [
        *_right_column(),
        TextSegment("名称", 134, 449, 301, 501),
        TextSegment("深圳联创瑞丰供应链管理有限公司", 329, 453, 853, 493),
        TextSegment("经营范围", 135, 659, 284, 703),
        TextSegment("一般项目:市场营销策划；五金产品批发；建 住所", 336, 656, 1193, 705),
        TextSegment("深圳市南山区漕溪路1994号1幢820室", 1231, 661, 1801, 700),
        TextSegment("筑材料销售；普通货物仓储服务。", 331, 716, 1007, 757),
    ]
    fields = parse_segments(segs)
    assert fields["address"].text == "深圳市南山区漕溪路1994号1幢820室"
    scope = "".join(fields["business_scope"].text.split())
    assert scope == "一般项目:市场营销策划；五金产品批发；建筑材料销售；普通货物仓储服务。"


@pytest.mark.parametrize(
    "label_box",
    [
        TextSegment("所", 1132, 628, 1179, 667),  # the rest of the label, in its own box
        TextSegment("住所", 1018, 617, 1219, 669),  # the whole label, read again from its box
    ],
)
def test_a_first_label_character_glued_to_the_line_on_its_left_is_cut_off(label_box):
    segs = [
        *_right_column(),
        TextSegment("名称", 134, 449, 301, 501),
        TextSegment("青岛联创恒泰贸易有限公司", 329, 453, 853, 493),
        TextSegment("经营范围", 172, 627, 314, 666),
        TextSegment("一般项目:货物进出口；国内贸易代理；专用住", 356, 616, 1088, 669),
        label_box,
        TextSegment("青岛市市南区中山路2634号", 1223, 623, 1641, 663),
        TextSegment("设备制造(不含许可类专业设备制造)。", 357, 673, 895, 712),
    ]
    fields = parse_segments(segs)
    assert fields["address"].text == "青岛市市南区中山路2634号"
    scope = "".join(fields["business_scope"].text.split())
    assert scope == "一般项目:货物进出口；国内贸易代理；专用设备制造(不含许可类专业设备制造)。"


@pytest.mark.parametrize(
    ("read", "value"),
    [
        ("一般项目:软件开发；会议及展览服务o", "一般项目:软件开发;会议及展览服务。"),
        ("一般项目:仓储服务(不含危险化学品)0", "一般项目:仓储服务(不含危险化学品)。"),
        ("般项目:软件开发。", "一般项目:软件开发。"),
        ("一般项目:软件开发；货物进出口", "一般项目:软件开发;货物进出口"),  # nothing: nothing added
        ("一般项目:通信设备制造；5G", "一般项目:通信设备制造;5G"),
    ],
)
def test_a_final_full_stop_read_as_a_letter_or_digit_is_put_back(read, value):
    fields = parse_segments(segments_from_text(f"名    称  某某公司\n经营范围  {read}"))
    assert build_reading(fields, Layout.LANDSCAPE).business_scope.value == value


def test_a_label_read_twice_does_not_make_a_column_that_takes_the_values_away():
    segs = [
        TextSegment("名称", 135, 450, 290, 499),
        TextSegment("天津润达汇通餐饮管理有限公司", 329, 454, 819, 492),
        TextSegment("注册资本", 1037, 449, 1185, 497),
        TextSegment("伍仟万元整", 1229, 449, 1413, 496),
        TextSegment("类型", 135, 518, 289, 566),
        TextSegment("有限责任公司(自然人投资或控股)", 329, 523, 839, 562),
        TextSegment("成立日期", 1038, 521, 1186, 565),
        TextSegment("2001年05月11日", 1231, 523, 1482, 560),
        TextSegment("登记机关", 1255, 1153, 1416, 1200),
        TextSegment("管理局", 1648, 1141, 1713, 1249),  # the seal's arc, upright at its side
        TextSegment("登记机关", 1235, 1171, 1644, 1219),  # the same label, read again from a hole
        TextSegment("2008年11月05日", 1457, 1276, 1710, 1315),
    ]
    fields = parse_segments(segs)
    assert fields["name"].text == "天津润达汇通餐饮管理有限公司"
    assert fields["registered_capital"].text == "伍仟万元整"
    assert fields["established_on"].text == "2001年05月11日"


def test_a_copy_stamp_glyph_over_two_lines_does_not_join_them_into_one_row():
    # a blurred stamped photocopy (held-out seed 107): the stamp's 使, three lines high,
    # joined the scope's second and third lines into one row and the third was lost
    segs = [
        TextSegment("负责人", 135, 587, 285, 636),
        TextSegment("于静", 325, 585, 407, 639),
        TextSegment("经营范围", 133, 654, 290, 705),
        TextSegment("一般项目：办公用品销售；普通货物仓储服务", 360, 655, 1007, 707),
        TextSegment("(不含危险化学品等需许可审批的项目)；计", 318, 710, 986, 762),
        TextSegment("使", 958, 686, 1099, 830),
        TextSegment("算机软硬件及辅助设备零售；工程管理服务", 326, 766, 1001, 819),
        TextSegment("；会议及展览服务。", 328, 822, 629, 872),
    ]
    scope = "".join(parse_segments(segs)["business_scope"].text.split())
    assert scope == (
        "一般项目：办公用品销售；普通货物仓储服务(不含危险化学品等需许可审批的项目)；"
        "计算机软硬件及辅助设备零售；工程管理服务；会议及展览服务。"
    )


def test_a_label_character_boxed_two_rows_high_is_kept():
    # held-out seed 89: the detector boxed 型 of 类　　型 115 px high (lines are 42)
    segs = [
        TextSegment("名", 132, 583, 185, 643),
        TextSegment("称", 235, 589, 279, 636),
        TextSegment("上海瑞丰金石电子科技有限公司", 323, 589, 788, 628),
        TextSegment("类", 132, 643, 185, 704),
        TextSegment("型", 229, 613, 283, 728),
        TextSegment("有限责任公司(自然人独资)", 321, 654, 709, 694),
        TextSegment("住", 132, 704, 185, 764),
        TextSegment("所", 235, 711, 279, 758),
        TextSegment("上海市徐汇区长江路253号", 322, 718, 709, 760),
        TextSegment("法定代表人", 139, 782, 308, 824),
        TextSegment("王桂", 348, 781, 429, 827),
    ]
    fields = parse_segments(segs)
    assert fields["name"].text == "上海瑞丰金石电子科技有限公司"
    assert fields["entity_type"].text == "有限责任公司(自然人独资)"
