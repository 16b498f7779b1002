# ruff: noqa: E501 - one row per company/code reads better than wrapped dicts
"""Generate ``providers/demo_data.json``: fictional companies with valid credit codes.

Every name, person, address and account here is invented. Credit codes are
built, not copied: department and type, a real region code, an organisation
code body whose GB 11714 check character is computed, then the GB 32100 final
check character, so both checks pass. Run ``python -m providers.demo_generate``
to rewrite the file (the output is deterministic).

>>> code = make_uscc('91', '310115', 'MA1H7GX')
>>> code, uscc.is_valid(code)
('91310115MA1H7GX14R', True)
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from portal.domain import names, orgcode, uscc

OUTPUT = Path(__file__).with_name("demo_data.json")
AS_OF = "2026-11-26"

# name, legal rep, region, authority, entity type, capital, established, term end,
# status, former names, qualification, tax status, scope
_LLC = "有限责任公司(自然人投资或控股)"
COMPANIES: list[dict[str, Any]] = [
    {"name": "上海澜川智能科技有限公司", "rep": "陈思远", "region": "310115", "city": "上海市浦东新区", "street": "张江路", "phone": "021-5081", "ctype": _LLC, "capital": "1000万元人民币", "est": "2016-04-18", "end": None, "bank": "招商银行股份有限公司上海张江支行"},
    {"name": "北京启衡数据服务有限公司", "rep": "王立群", "region": "110108", "city": "北京市海淀区", "street": "中关村南大街", "phone": "010-6275", "ctype": _LLC, "capital": "500万元人民币", "est": "2014-09-02", "end": "2034-09-01", "bank": "中国工商银行股份有限公司北京海淀支行"},
    {"name": "深圳市鹏远电子元件有限公司", "rep": "刘海涛", "region": "440300", "city": "深圳市南山区", "street": "科技园南区高新南七道", "phone": "0755-2671", "ctype": _LLC, "capital": "2000万元人民币", "est": "2009-06-30", "end": "2026-12-20", "bank": "中国建设银行股份有限公司深圳科技园支行"},
    {"name": "杭州禾木包装材料有限公司", "rep": "赵雪梅", "region": "330106", "city": "杭州市西湖区", "street": "文三路", "phone": "0571-8826", "ctype": _LLC, "capital": "300万元人民币", "est": "2007-01-15", "end": "2027-01-14", "bank": "杭州银行股份有限公司西湖支行", "qual": "小规模纳税人"},
    {"name": "苏州锦程精密机械股份有限公司", "rep": "周建华", "region": "320505", "city": "苏州市虎丘区", "street": "科灵路", "phone": "0512-6665", "ctype": "股份有限公司(非上市、自然人投资或控股)", "capital": "8000万元人民币", "est": "2003-11-20", "end": None, "bank": "中国银行股份有限公司苏州高新技术产业开发区支行"},
    {"name": "成都蜀信物流有限公司", "rep": "李佳", "region": "510107", "city": "成都市武侯区", "street": "武侯大道", "phone": "028-8507", "ctype": _LLC, "capital": "200万元人民币", "est": "2018-03-08", "end": None, "bank": "成都银行股份有限公司武侯支行", "qual": "小规模纳税人"},
    {"name": "武汉楚联建材贸易有限公司", "rep": "黄志强", "region": "420111", "city": "武汉市洪山区", "street": "珞喻路", "phone": "027-8754", "ctype": _LLC, "capital": "100万元人民币", "est": "2012-05-21", "end": "2032-05-20", "bank": "汉口银行股份有限公司洪山支行", "status": "注销", "qual": "小规模纳税人"},
    {"name": "青岛海岱食品有限公司", "rep": "孙丽华", "region": "370212", "city": "青岛市崂山区", "street": "株洲路", "phone": "0532-8890", "ctype": _LLC, "capital": "600万元人民币", "est": "2011-08-09", "end": None, "bank": "青岛银行股份有限公司崂山支行", "status": "吊销，未注销"},
    {"name": "厦门鹭岛新材料科技有限公司", "rep": "林晓东", "region": "350203", "city": "厦门市思明区", "street": "湖滨南路", "phone": "0592-2203", "ctype": _LLC, "capital": "1500万元人民币", "est": "2015-12-01", "end": "2045-11-30", "bank": "厦门国际银行股份有限公司思明支行", "former": ["厦门鹭岛塑胶制品有限公司"]},
    {"name": "西安秦川仪表有限公司", "rep": "马文博", "region": "610113", "city": "西安市雁塔区", "street": "科技路", "phone": "029-8832", "ctype": "有限责任公司(国有控股)", "capital": "5000万元人民币", "est": "1998-07-01", "end": None, "bank": "中国农业银行股份有限公司西安高新技术产业开发区支行"},
    {"name": "重庆山城汽车配件有限公司", "rep": "邓国强", "region": "500112", "city": "重庆市渝北区", "street": "金开大道", "phone": "023-6758", "ctype": _LLC, "capital": "800万元人民币", "est": "2010-10-10", "end": "2030-10-09", "bank": "重庆农村商业银行股份有限公司渝北支行", "tax_status": "非正常户"},
    {"name": "天津滨港化工贸易有限公司", "rep": "韩冬", "region": "120116", "city": "天津市滨海新区", "street": "新港二号路", "phone": "022-2532", "ctype": _LLC, "capital": "300万元人民币", "est": "2013-04-16", "end": "2033-04-15", "bank": "天津银行股份有限公司滨海分行", "status": "注销", "qual": "小规模纳税人"},
    {"name": "长沙麓谷软件股份有限公司", "rep": "曾凡", "region": "430104", "city": "长沙市岳麓区", "street": "麓谷大道", "phone": "0731-8899", "ctype": "股份有限公司(非上市、自然人投资或控股)", "capital": "3000万元人民币", "est": "2017-02-27", "end": None, "bank": "长沙银行股份有限公司麓谷支行"},
    {"name": "合肥庐阳光伏设备有限公司", "rep": "吴晨", "region": "340104", "city": "合肥市蜀山区", "street": "望江西路", "phone": "0551-6531", "ctype": _LLC, "capital": "2500万元人民币", "est": "2019-09-19", "end": None, "bank": "徽商银行股份有限公司合肥蜀山支行"},
    {"name": "大连北方船舶配套有限公司", "rep": "高峰", "region": "210203", "city": "大连市西岗区", "street": "八一路", "phone": "0411-8364", "ctype": _LLC, "capital": "1200万元人民币", "est": "2005-03-03", "end": "2035-03-02", "bank": "大连银行股份有限公司西岗支行"},
    {"name": "昆明滇池花卉科技有限公司", "rep": "杨春燕", "region": "530102", "city": "昆明市五华区", "street": "人民中路", "phone": "0871-6363", "ctype": _LLC, "capital": "150万元人民币", "est": "2020-06-12", "end": None, "bank": "富滇银行股份有限公司五华支行", "qual": "小规模纳税人"},
    {"name": "郑州中原纺织品进出口有限公司", "rep": "郭建军", "region": "410105", "city": "郑州市金水区", "street": "花园路", "phone": "0371-6595", "ctype": _LLC, "capital": "1000万元人民币", "est": "2008-12-18", "end": "2028-12-17", "bank": "郑州银行股份有限公司金水支行"},
    {"name": "南京钟山环保工程有限公司", "rep": "许文静", "region": "320102", "city": "南京市玄武区", "street": "珠江路", "phone": "025-8477", "ctype": _LLC, "capital": "2000万元人民币", "est": "2012-11-06", "end": None, "bank": "南京银行股份有限公司玄武支行"},
    {"name": "宁波甬江模具有限公司", "rep": "徐海波", "region": "330212", "city": "宁波市鄞州区", "street": "天童南路", "phone": "0574-8812", "ctype": _LLC, "capital": "600万元人民币", "est": "2006-05-25", "end": "2036-05-24", "bank": "宁波银行股份有限公司鄞州支行"},
    {"name": "广州穗华医疗器械有限公司", "rep": "梁志明", "region": "440106", "city": "广州市天河区", "street": "天河北路", "phone": "020-3887", "ctype": "有限责任公司(外国法人独资)", "capital": "500万美元", "est": "2011-03-14", "end": "2041-03-13", "bank": "汇丰银行(中国)有限公司广州分行"},
    {"name": "济南泉城印务有限公司", "rep": "张秀英", "region": "370102", "city": "济南市历下区", "street": "泉城路", "phone": "0531-8609", "ctype": _LLC, "capital": "100万元人民币", "est": "2016-08-30", "end": None, "bank": "齐鲁银行股份有限公司历下支行", "qual": "小规模纳税人"},
    {"name": "福州闽江茶业有限公司", "rep": "郑美玲", "region": "350102", "city": "福州市鼓楼区", "street": "五四路", "phone": "0591-8752", "ctype": _LLC, "capital": "50万元人民币", "est": "2021-01-05", "end": None, "bank": "福建海峡银行股份有限公司鼓楼支行", "qual": "小规模纳税人"},
    {"name": "沈阳盛京重工机械有限公司", "rep": "刘振东", "region": "210102", "city": "沈阳市和平区", "street": "南京北街", "phone": "024-2318", "ctype": "有限责任公司(国有独资)", "capital": "1亿元人民币", "est": "1996-10-08", "end": None, "bank": "中国建设银行股份有限公司沈阳和平支行"},
    {"name": "南昌赣江电线电缆有限公司", "rep": "胡伟", "region": "360111", "city": "南昌市青山湖区", "street": "北京东路", "phone": "0791-8815", "ctype": _LLC, "capital": "800万元人民币", "est": "2014-02-11", "end": "2034-02-10", "bank": "江西银行股份有限公司青山湖支行"},
    {"name": "珠海横琴跨境电商有限公司", "rep": "何嘉欣", "region": "440404", "city": "珠海市金湾区", "street": "环岛东路", "phone": "0756-2992", "ctype": "有限责任公司(港澳台法人独资)", "capital": "200万港元", "est": "2019-05-20", "end": "2049-05-19", "bank": "中国银行股份有限公司珠海横琴分行"},
    {"name": "无锡太湖传感技术有限公司", "rep": "钱立新", "region": "320214", "city": "无锡市新吴区", "street": "长江路", "phone": "0510-8522", "ctype": _LLC, "capital": "1800万元人民币", "est": "2013-07-07", "end": None, "bank": "江苏银行股份有限公司无锡新区支行"},
    {"name": "哈尔滨冰城农机合作社", "rep": "董宝山", "region": "230102", "city": "哈尔滨市道里区", "street": "友谊路", "phone": "0451-8461", "ctype": "农民专业合作社", "capital": "60万元人民币", "est": "2015-04-01", "end": None, "bank": "哈尔滨银行股份有限公司道里支行", "dept": "93", "qual": "小规模纳税人"},
    {"name": "杭州云栖创业投资合伙企业(有限合伙)", "rep": "杭州云栖投资管理有限公司", "region": "330106", "city": "杭州市西湖区", "street": "云栖小镇", "phone": "0571-8702", "ctype": "有限合伙企业", "capital": "1亿元人民币", "est": "2018-10-26", "end": "2028-10-25", "bank": "浙商银行股份有限公司杭州分行"},
    {"name": "贵阳黔南大数据科技有限公司", "rep": "罗明", "region": "520115", "city": "贵阳市观山湖区", "street": "长岭北路", "phone": "0851-8498", "ctype": _LLC, "capital": "1000万元人民币", "est": "2016-11-11", "end": None, "bank": "贵阳银行股份有限公司观山湖支行"},
    {"name": "上海徐汇志成五金商行", "rep": "沈志成", "region": "310104", "city": "上海市徐汇区", "street": "漕溪北路", "phone": "021-6438", "ctype": "个人独资企业", "capital": "10万元人民币", "est": "2010-02-02", "end": None, "bank": "上海农村商业银行股份有限公司徐汇支行", "qual": "小规模纳税人"},
]  # fmt: skip

_BODY_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(dept_type: str, region: str, body7: str, rng: random.Random | None = None) -> str:
    """Build a credit code whose organisation-code and final checks both pass."""
    body = f"{body7[:7]}{rng.choice('0123456789') if rng else '1'}"[:8]
    org = body + orgcode.calc_check_digit(body)
    code17 = f"{dept_type}{region}{org}"
    return code17 + uscc.calc_check_digit(code17)


def _body(rng: random.Random, established: str) -> str:
    if established >= "2015":  # new registrations carry MA-prefixed organisation codes
        return "MA" + "".join(rng.choice(_BODY_ALPHABET) for _ in range(5))
    return "".join(rng.choice("0123456789") for _ in range(7))


def generate(seed: int = 20261126) -> dict[str, Any]:
    """Build the data set (deterministic for a given seed)."""
    rng = random.Random(seed)  # noqa: S311 - fictional data, not security
    companies = []
    for spec in COMPANIES:
        while True:
            code = make_uscc(spec.get("dept", "91"), spec["region"], _body(rng, spec["est"]), rng)
            if uscc.is_valid(code) and code[16] in _BODY_ALPHABET:
                break
        address = f"{spec['city']}{spec['street']}{rng.randint(1, 999)}号"
        phone = f"{spec['phone']}{rng.randint(1000, 9999)}"
        account = "".join(rng.choice("0123456789") for _ in range(rng.choice((16, 18, 19))))
        status = spec.get("status", "存续")
        province = spec["city"][:3]
        companies.append(
            {
                "uscc": code,
                "name": names.normalise(spec["name"]),
                "legal_representative": spec["rep"],
                "status": status,
                "registered_capital": spec["capital"],
                "established_on": spec["est"],
                "term_from": spec["est"],
                "term_to": spec["end"],
                "address": address,
                "business_scope": _scope(spec["name"]),
                "registration_authority": f"{spec['city']}市场监督管理局",
                "former_names": spec.get("former", []),
                "entity_type": spec["ctype"],
                "province": province,
                "tax": {
                    "qualification": spec.get("qual", "一般纳税人"),
                    "status": spec.get("tax_status", "注销" if status == "注销" else "正常"),
                    "abnormal_since": "2026-06-18" if spec.get("tax_status") else None,
                    "abnormal_office": f"{spec['city']}税务局" if spec.get("tax_status") else None,
                },
                "invoicing": {
                    "title": names.normalise(spec["name"]),
                    "tax_number": code,
                    "address": address,
                    "phone": phone,
                    "bank": names.normalise(spec["bank"]),
                    "account": account,
                },
            }
        )
    return {
        "description": "Fictional companies for the supplier-portal demo; not real entities.",
        "as_of": AS_OF,
        "companies": companies,
    }


def _scope(name: str) -> str:
    words = [
        ("科技", "技术开发、技术咨询、技术服务；软件开发；计算机系统服务"),
        ("数据", "数据处理和存储支持服务；信息系统集成服务"),
        ("电子", "电子元器件制造；电子元器件批发"),
        ("包装", "包装材料及制品销售；纸制品制造"),
        ("机械", "通用设备制造；机械零件、零部件加工"),
        ("物流", "普通货物仓储服务；道路货物运输"),
        ("食品", "食品销售；食品互联网销售"),
        ("茶", "茶叶种植；初级农产品收购"),
    ]
    for key, scope in words:
        if key in name:
            return scope + "（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
    return (
        "销售：五金交电、建筑材料、日用百货（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
    )


def main() -> None:
    """Rewrite the demo data file."""
    OUTPUT.write_text(json.dumps(generate(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
