"""Standard wordings of business-scope items, for the scope's prior.

Since 2021 a licence's business scope (经营范围) is written in the standard wordings of
the national catalogue (经营范围规范表述目录, SAMR): 软件开发, 技术服务、技术开发…,
计算机软硬件及辅助设备零售. This is a selection of its common 一般项目 and 许可项目
items, written out from the catalogue's published wording (not from any generated
licence). An item one character away from exactly one of them, and from no other, is
that item with a character dropped, added or misread (计机软硬件… for 计算机软硬件…,
化妆品专售 for 化妆品零售); further than that, or near two, it is left as read.

>>> near_item("计机软硬件及辅助设备零售"), near_item("化妆品专售")
('计算机软硬件及辅助设备零售', '化妆品零售')
>>> near_item("软件开发"), near_item("服装服饰零发"), near_item("鞋帽专售")
(None, None, None)
"""

from __future__ import annotations

import functools

from rapidfuzz.distance import Levenshtein

__all__ = ["ITEMS", "is_item", "near_item", "run_together"]

# One item a line; items the catalogue writes with 、 inside (广告设计、代理) stay whole,
# and the technology items are listed one by one as well as in their usual run.
_CATALOGUE = """
技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广
技术服务
技术开发
技术咨询
技术交流
技术转让
技术推广
软件开发
软件销售
软件外包服务
网络与信息安全软件开发
人工智能应用软件开发
人工智能基础软件开发
人工智能理论与算法软件开发
人工智能行业应用系统集成服务
信息系统集成服务
信息系统运行维护服务
信息技术咨询服务
数据处理和存储支持服务
数据处理服务
计算机系统服务
计算机软硬件及辅助设备零售
计算机软硬件及辅助设备批发
计算机软硬件及外围设备制造
计算机及通讯设备租赁
计算机及办公设备维修
办公设备销售
办公设备租赁服务
办公设备耗材销售
办公用品销售
网络技术服务
网络设备销售
物联网技术服务
物联网技术研发
物联网设备销售
互联网数据服务
互联网销售(除销售需要许可的商品)
大数据服务
云计算装备技术服务
5G通信技术服务
数字内容制作服务(不含出版发行)
数字文化创意软件开发
集成电路设计
集成电路芯片设计及服务
集成电路销售
电子产品销售
电子元器件零售
电子元器件批发
电子元器件制造
电子专用设备销售
电子专用材料销售
通讯设备销售
通讯设备修理
通信设备销售
通信设备制造
光通信设备销售
移动终端设备销售
安防设备销售
安全技术防范系统设计施工服务
智能控制系统集成
仪器仪表销售
电气设备销售
电气设备修理
配电开关控制设备销售
电线、电缆经营
机械设备销售
机械设备租赁
机械设备研发
机械零件、零部件销售
普通机械设备安装服务
通用设备修理
专用设备修理
专用设备制造(不含许可类专业设备制造)
通用设备制造(不含特种设备制造)
工业机器人销售
智能机器人销售
环境保护专用设备销售
建筑材料销售
建筑装饰材料销售
轻质建筑材料销售
金属材料销售
金属制品销售
五金产品零售
五金产品批发
化工产品销售(不含许可类化工产品)
塑料制品销售
橡胶制品销售
纸制品销售
日用百货销售
日用品销售
日用品批发
日用杂品销售
厨具卫具及日用杂品零售
家用电器销售
家具销售
灯具销售
照明器具销售
卫生洁具销售
服装服饰零售
服装服饰批发
鞋帽零售
鞋帽批发
针纺织品销售
针纺织品及原料销售
化妆品零售
化妆品批发
个人卫生用品销售
文具用品零售
文具用品批发
体育用品及器材零售
体育用品及器材批发
珠宝首饰零售
珠宝首饰批发
玩具销售
箱包销售
母婴用品销售
礼品花卉销售
宠物食品及用品零售
工艺美术品及收藏品零售(象牙及其制品除外)
工艺美术品及礼仪用品销售(象牙及其制品除外)
食用农产品零售
食用农产品批发
农副产品销售
水产品零售
水产品批发
新鲜水果零售
新鲜水果批发
新鲜蔬菜零售
新鲜蔬菜批发
食品销售(仅销售预包装食品)
保健食品(预包装)销售
劳动保护用品销售
特种劳动防护用品销售
消防器材销售
第一类医疗器械销售
第二类医疗器械销售
医护人员防护用品零售
医护人员防护用品批发
汽车零配件零售
汽车零配件批发
汽车销售
新能源汽车整车销售
机动车修理和维护
货物进出口
技术进出口
进出口代理
国内贸易代理
销售代理
贸易经纪
采购代理服务
供应链管理服务
国内货物运输代理
国际货物运输代理
普通货物仓储服务(不含危险化学品等需许可审批的项目)
装卸搬运
包装服务
会议及展览服务
组织文化艺术交流活动
广告设计、代理
广告制作
广告发布
平面设计
图文设计制作
专业设计服务
工业设计服务
企业管理
企业管理咨询
企业形象策划
市场营销策划
咨询策划服务
项目策划与公关服务
品牌管理
信息咨询服务(不含许可类信息咨询服务)
社会经济咨询服务
市场调查(不含涉外调查)
财务咨询
税务服务
知识产权服务(专利代理服务除外)
翻译服务
人力资源服务(不含职业中介活动、劳务派遣服务)
劳务服务(不含劳务派遣)
物业管理
住房租赁
非居住房地产租赁
停车场服务
家政服务
餐饮管理
酒店管理
健康咨询服务(不含诊疗服务)
教育咨询服务(不含涉许可审批的教育培训活动)
园林绿化工程施工
土石方工程施工
住宅水电安装维护服务
专业保洁、清洗、消毒服务
工程管理服务
工程和技术研究和试验发展
新材料技术研发
新材料技术推广服务
新兴能源技术研发
太阳能发电技术服务
合同能源管理
节能管理服务
环保咨询服务
资源再生利用技术研发
再生资源回收(除生产性废旧金属)
再生资源销售
以自有资金从事投资活动
租赁服务(不含许可类租赁服务)
票务代理服务
礼仪服务
摄影扩印服务
"""

ITEMS: frozenset[str] = frozenset(line for line in _CATALOGUE.split() if line)
"""The standard wordings (ASCII brackets, as the reader's text has them after NFKC)."""


def is_item(text: str) -> bool:
    """Whether ``text`` is one of the standard wordings."""
    return text in ITEMS


_LONGEST = max(len(item) for item in ITEMS)


@functools.cache
def run_together(text: str) -> tuple[str, ...] | None:
    """``text`` as two or more standard wordings run together (the ； between them not
    read), in the fewest such parts; None when it is one already or no split exists.
    Every part is a whole wording of 4 characters or more.

    >>> run_together("电子产品销售建筑材料销售")
    ('电子产品销售', '建筑材料销售')
    >>> run_together("电子产品销售"), run_together("电子产品销售及维修")
    (None, None)
    """
    if text in ITEMS or len(text) < 8:
        return None
    best: list[tuple[str, ...] | None] = [(), *([None] * len(text))]
    for end in range(4, len(text) + 1):
        for start in range(max(0, end - _LONGEST), end - 3):
            head = best[start]
            if head is not None and text[start:end] in ITEMS:
                found = (*head, text[start:end])
                now = best[end]
                if now is None or len(found) < len(now):
                    best[end] = found
    parts = best[len(text)]
    return parts if parts is not None and len(parts) >= 2 else None


@functools.cache
def near_item(text: str) -> str | None:
    """The one standard wording ``text`` is one character away from, or None: when it is one
    already, when none or more than one is that near, or when it is too short (4
    characters or fewer, where one character is too large a share to judge by)."""
    if len(text) <= 4 or text in ITEMS:
        return None
    near = [item for item in ITEMS if Levenshtein.distance(text, item, score_cutoff=1) <= 1]
    return near[0] if len(near) == 1 else None
