"""Random but valid fictional licence data for the generated corpus.

Every credit code passes both checks (the final modulo-31 character and the
embedded GB 11714 organisation code), so the repair logic is exercised on
codes that a registry could have issued.

>>> import random
>>> from portal.domain import uscc
>>> facts = fictional_licence(random.Random(3))
>>> uscc.is_valid(facts.uscc)
True
>>> len(facts.licence_number)
20
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stdnum.iso7064 import mod_11_10

from portal.domain import orgcode, uscc


def _pairs(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(0, len(text), 2)]


_REGIONS = [
    ("310115", "上海市", "浦东新区"), ("310104", "上海市", "徐汇区"),
    ("110108", "北京市", "海淀区"), ("110105", "北京市", "朝阳区"),
    ("440305", "深圳市", "南山区"), ("440106", "广州市", "天河区"),
    ("330106", "杭州市", "西湖区"), ("320506", "苏州市", "吴中区"),
    ("510107", "成都市", "武侯区"), ("420106", "武汉市", "武昌区"),
    ("370202", "青岛市", "市南区"), ("120116", "天津市", "滨海新区"),
]  # fmt: skip
_WORDS = _pairs("恒泰鼎盛华信嘉禾瑞丰新航远景中科博远金石宏图长风明德联创天成汇通启明润达")
_TRADES = [
    "信息科技",
    "电子科技",
    "贸易",
    "机械设备",
    "供应链管理",
    "建筑工程",
    "新材料科技",
    "医疗器械",
    "物流",
    "餐饮管理",
    "环保科技",
    "精密制造",
]
_TYPES = [
    ("有限责任公司(自然人投资或控股)", "法定代表人", "注册资本", "有限公司"),
    ("有限责任公司(法人独资)", "法定代表人", "注册资本", "有限公司"),
    ("股份有限公司(非上市、自然人投资或控股)", "法定代表人", "注册资本", "股份有限公司"),
    ("有限责任公司(外商投资、非独资)", "法定代表人", "注册资本", "有限公司"),
    ("普通合伙企业", "执行事务合伙人", "出资额", "企业管理咨询中心(普通合伙)"),
    ("有限责任公司分公司(自然人投资或控股)", "负责人", "", "有限公司分公司"),
    ("个人独资企业", "投资人", "", "商贸行"),
]
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌宇浩凯晨欣怡婷子轩梓涵"
_ROADS = [r + "路" for r in _pairs("张江科苑中山人民建设解放长江学院创业金桥东方漕溪")]
_SCOPE = [
    "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广",
    "软件开发",
    "信息系统集成服务",
    "计算机软硬件及辅助设备零售",
    "电子产品销售",
    "机械设备租赁",
    "普通货物仓储服务(不含危险化学品等需许可审批的项目)",
    "国内贸易代理",
    "办公用品销售",
    "会议及展览服务",
    "市场营销策划",
    "企业管理咨询",
    "货物进出口",
    "五金产品批发",
    "建筑材料销售",
    "专用设备制造(不含许可类专业设备制造)",
    "工程管理服务",
]
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_DIGITS = "零壹贰叁肆伍陆柒捌玖"


@dataclass(frozen=True)
class LicenceFacts:
    """What a generated licence says; the ground truth of the corpus."""

    name: str
    uscc: str
    licence_number: str
    entity_type: str
    representative_label: str
    legal_representative: str
    capital_label: str
    capital_text: str
    capital_amount: Decimal | None
    capital_currency: str | None
    established_on: date
    term_from: date
    term_to: date | None
    address: str
    business_scope: str
    registration_authority: str
    issued_on: date
    # How the kind of licence labels its fields (the defaults: a company's).
    address_label: str = "住所"
    established_label: str = "成立日期"
    term_label: str = "营业期限"
    term_printed: bool = True  # a 个体工商户's licence has no term
    extra: tuple[tuple[str, str], ...] = ()  # further labelled rows, e.g. 组成形式
    # The credit code the QR code carries, when a test plants another company's (a finding).
    qr_uscc: str | None = None
    # An old-style licence (before the 2016 five-in-one reform): its 15-digit 注册号 is
    # printed where the credit code is now, and it has no QR code.
    registration_number: str | None = None

    @property
    def qr_code(self) -> str:
        """The code drawn into the QR code: the printed one unless another was planted."""
        return self.qr_uscc or self.uscc


def make_registration_number(rng: random.Random, region: str) -> str:
    """A 15-digit 注册号 of an old-style licence: the registering authority's 6-digit
    region code, 8 digits and the ISO 7064 MOD 11,10 check digit (GS15-2006)."""
    body = region[:6].ljust(6, "0") + "".join(rng.choice("0123456789") for _ in range(8))
    return body + mod_11_10.calc_check_digit(body)


def make_uscc(rng: random.Random, region: str) -> str:
    """Return a valid credit code for a company registered in ``region``."""
    if rng.random() < 0.5:
        body = "MA" + "".join(rng.choice(_ORG_ALPHABET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    while True:
        check = orgcode.calc_check_digit(body)
        if check in _ORG_ALPHABET:
            break
        body = body[:-1] + rng.choice("0123456789")
    first17 = "91" + region + body + check
    code = first17 + uscc.calc_check_digit(first17)
    assert uscc.is_valid(code), code
    return code


def other_uscc(code: str, rng: random.Random) -> str:
    """Another valid credit code of the same region as ``code`` (for a planted QR code)."""
    while True:
        other = make_uscc(rng, code[2:8])
        if other != code:
            return other


def chinese_amount(wan: int) -> str:
    """Write an amount of 万元 the way licences do: ``壹佰万元整``.

    >>> chinese_amount(100), chinese_amount(1050), chinese_amount(30)
    ('壹佰万元整', '壹仟零伍拾万元整', '叁拾万元整')
    """
    units = [(1000, "仟"), (100, "佰"), (10, "拾"), (1, "")]
    out, zero = "", False
    for value, unit in units:
        digit = wan // value % 10
        if digit:
            out += ("零" if zero and out else "") + _DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out + "万元整"


def fictional_licence(rng: random.Random) -> LicenceFacts:
    region, city, district = rng.choice(_REGIONS)
    entity_type, rep_label, cap_label, suffix = rng.choice(_TYPES)
    prefix = city.removesuffix("市")
    name = f"{prefix}{rng.choice(_WORDS)}{rng.choice(_WORDS)}{rng.choice(_TRADES)}{suffix}"
    if suffix.startswith("企业管理"):
        name = f"{prefix}{rng.choice(_WORDS)}{rng.choice(_WORDS)}{suffix}"
    person = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    wan = rng.choice([10, 30, 50, 100, 200, 500, 1000, 1050, 2000, 5000])
    amount: Decimal | None = None
    currency: str | None = None
    capital_text = ""
    if cap_label:
        amount, currency = Decimal(wan * 10000), "CNY"
        capital_text = chinese_amount(wan) if rng.random() < 0.6 else f"{wan}万元人民币"
    established = date(2000, 1, 1) + timedelta(days=rng.randint(0, 8500))
    term_to = None
    if rng.random() < 0.4:
        anniversary = date(established.year + 20, established.month, min(established.day, 28))
        term_to = anniversary - timedelta(days=1)
    road = rng.choice(_ROADS)
    address = f"{city}{district}{road}{rng.randint(1, 2999)}号"
    if rng.random() < 0.6:
        address += f"{rng.randint(1, 20)}幢{rng.randint(1, 30)}{rng.randint(1, 20):02d}室"
    scope_items = rng.sample(_SCOPE, rng.randint(3, 6))
    scope = "一般项目:" + "；".join(scope_items) + "。"
    issued = established + timedelta(days=rng.randint(0, 3000))
    issued = min(issued, date(2025, 6, 30))
    return LicenceFacts(
        name=name,
        uscc=make_uscc(rng, region),
        licence_number="".join(rng.choice("0123456789") for _ in range(20)),
        entity_type=entity_type,
        representative_label=rep_label,
        legal_representative=person,
        capital_label=cap_label,
        capital_text=capital_text,
        capital_amount=amount,
        capital_currency=currency,
        established_on=established,
        term_from=established,
        term_to=term_to,
        address=address,
        business_scope=scope,
        registration_authority=f"{city}{district}市场监督管理局",
        issued_on=issued,
    )
