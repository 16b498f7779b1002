"""Generated suppliers with planted duplicates, for tests and the benchmark.

Names look like the real thing (place, trade name, industry, legal form),
every generated supplier has its own credit code, account, phone, legal
representative and address, and no two share a comparable core. Planted
duplicates copy one attribute of an original the way people do:

=================  ===========================================  =======================
kind               what the new record has                      expected finding
=================  ===========================================  =======================
uscc               the same credit code, another spelling       duplicate.uscc
legacy             the old 15-character tax number only         duplicate.uscc
truncated          the name without its legal form              duplicate.similar_name
reordered          the place moved into brackets                duplicate.similar_name
width              full-width letters, spaces, other form       duplicate.similar_name
former_name        the original's former name                   duplicate.similar_name
bank_account       an unrelated name, the same account          duplicate.bank_account
phone              an unrelated name, the same contact phone    duplicate.phone
legal_rep_address  same representative, address respelled      duplicate.legal_rep_address
=================  ===========================================  =======================

Negatives are fresh suppliers that must raise nothing.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from portal.domain.findings import Finding
from portal.domain.supplier import BankAccount, Contact, LifecycleState, Supplier
from portal.domain.uscc_factory import legacy_tax_number, make_uscc
from portal.resolution.keys import comparable_core

PLACES = (
    "上海",
    "北京",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "天津",
    "重庆",
    "青岛",
    "厦门",
    "宁波",
    "长沙",
)
TRADE_CHARS = (
    "华信恒泰瑞丰鑫源汇通宏达盛世嘉禾博远天成中科金桥新创立德永安万隆宝鼎龙腾凯越星辰海纳"
    "百川东方润泽明阳长青正元弘毅锦程卓越睿智同心德胜福康富强茂昌兴旺佳和九州四海云帆"
    "晨光启航远景未来聚力众合协力伟业宇通天宇祥云吉祥如意安泰和信诚达宏图鸿运腾飞奥博"
    "迪森艾克赛斯普瑞特朗格菲尔德威尔斯顿科林泰尔丰源永利德隆恒信德润玉成贵和金鼎银河"
    "北辰南星西岭秋实春华夏荣冬青松柏竹梅兰菊荷莲桂杉楠榕桐枫柳杨槐樟梧栋梁材栎桦榆"
)
INDUSTRIES = (
    "科技",
    "贸易",
    "电子",
    "实业",
    "商贸",
    "物流",
    "建材",
    "机械",
    "化工",
    "食品",
    "服装",
    "电子科技",
    "信息技术",
    "网络科技",
    "生物科技",
    "环保科技",
    "新材料",
    "医疗器械",
    "建筑工程",
    "文化传媒",
    "供应链管理",
    "汽车配件",
    "精密机械",
    "智能装备",
    "包装材料",
    "五金制品",
    "家居用品",
    "广告",
    "咨询",
    "餐饮管理",
)
FORMS = ("有限公司", "有限责任公司", "股份有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌"
ROADS = ("世纪大道", "人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "黄河路")
KINDS = (
    "uscc",
    "legacy",
    "truncated",
    "reordered",
    "width",
    "former_name",
    "bank_account",
    "phone",
    "legal_rep_address",
)
EXPECTED_CODE = {
    "uscc": "duplicate.uscc",
    "legacy": "duplicate.uscc",
    "truncated": "duplicate.similar_name",
    "reordered": "duplicate.similar_name",
    "width": "duplicate.similar_name",
    "former_name": "duplicate.similar_name",
    "bank_account": "duplicate.bank_account",
    "phone": "duplicate.phone",
    "legal_rep_address": "duplicate.legal_rep_address",
}


@dataclass(frozen=True)
class Planted:
    """A candidate to screen and what screening should say about it."""

    candidate: Supplier
    kind: str  # one of KINDS, or "negative"
    original_id: str | None
    expected_code: str | None


class SupplierFactory:
    """Makes distinct fictional suppliers, deterministic for a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cores: set[str] = set()
        self.counter = 0

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _core(self) -> tuple[str, str]:
        while True:
            trade = "".join(self.rng.choice(TRADE_CHARS) for _ in range(self.rng.choice((2, 3))))
            industry = self.rng.choice(INDUSTRIES)
            core = comparable_core(trade + industry)
            if core not in self.cores:
                self.cores.add(core)
                return trade, industry

    def name(self, place: str | None = None) -> str:
        """A fresh name whose core no other generated name has."""
        trade, industry = self._core()
        place = place or self.rng.choice(PLACES)
        form = self.rng.choice(FORMS)
        if self.rng.random() < 0.2:
            return f"{trade}{industry}（{place}）{form}"
        return f"{place}{'市' if self.rng.random() < 0.3 else ''}{trade}{industry}{form}"

    def person(self) -> str:
        """A person's name."""
        given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))
        return self.rng.choice(SURNAMES) + given

    def supplier(self) -> Supplier:
        """A fresh supplier with one account and one contact."""
        self.counter += 1
        place = self.rng.choice(PLACES)
        name = self.name(place)
        aliases = (self.name(place),) if self.rng.random() < 0.1 else ()
        account = "62" + "".join(self.rng.choice("0123456789") for _ in range(17))
        phone = "1" + self.rng.choice("3456789") + f"{self.rng.randrange(10**9):09d}"
        address = (
            f"{place}市{self.rng.choice(ROADS)}{self.rng.randrange(1, 3000)}号"
            f"{self.rng.randrange(1, 40)}楼{self.rng.randrange(1, 30):02d}室"
        )
        return Supplier(
            id=self._id(),
            uscc=make_uscc(self.rng),
            name=name,
            aliases=aliases,
            legal_representative=self.person(),
            address=address,
            lifecycle_state=LifecycleState.ACTIVE,
            bank_accounts=(BankAccount("招商银行", account, name, is_default=True),),
            contacts=(Contact(self.person(), "销售", phone),),
        )

    def suppliers(self, n: int) -> Iterator[Supplier]:
        """``n`` fresh suppliers."""
        for _ in range(n):
            yield self.supplier()


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _core_and_place(name: str) -> tuple[str, str]:
    for place in PLACES:
        if name.startswith(place):
            rest = name[len(place) :].removeprefix("市")
            return rest, place
        if f"（{place}）" in name:
            return name.replace(f"（{place}）", ""), place
    return name, ""


def _strip_form(name: str) -> str:
    for form in sorted(FORMS, key=len, reverse=True):
        if name.endswith(form):
            return name[: -len(form)]
    return name


def plant(factory: SupplierFactory, original: Supplier, kind: str) -> Planted:
    """One duplicate of ``original`` of the given kind."""
    rest, place = _core_and_place(original.name)
    fresh = factory.supplier()
    if kind == "uscc":
        candidate = replace(fresh, uscc=original.uscc, name=f"{place}{_strip_form(rest)}")
    elif kind == "legacy":
        candidate = replace(
            fresh, uscc="", legacy_tax_number=legacy_tax_number(original.uscc), name=fresh.name
        )
    elif kind == "truncated":
        candidate = replace(fresh, name=_strip_form(original.name))
    elif kind == "reordered":
        candidate = replace(fresh, name=f"{_strip_form(rest)}（{place}）有限公司")
    elif kind == "width":
        spaced = " ".join(_strip_form(rest))
        candidate = replace(fresh, name=_full_width(f"{place} {spaced} 有限责任公司"))
    elif kind == "former_name":
        candidate = replace(fresh, name=original.aliases[0] if original.aliases else "")
    elif kind == "bank_account":
        candidate = replace(fresh, bank_accounts=original.bank_accounts)
    elif kind == "phone":
        candidate = replace(fresh, contacts=(replace(original.contacts[0], name=factory.person()),))
    elif kind == "legal_rep_address":
        address = _full_width((original.address or "").replace("市", "", 1).replace("号", " 号"))
        candidate = replace(
            fresh, legal_representative=original.legal_representative, address=address
        )
    else:
        raise ValueError(f"unknown kind {kind}")
    return Planted(candidate, kind, original.id, EXPECTED_CODE[kind])


def plant_all(
    factory: SupplierFactory,
    base: Sequence[Supplier],
    *,
    per_kind: int,
    negatives: int,
) -> list[Planted]:
    """``per_kind`` duplicates of each kind (of distinct originals) and fresh negatives."""
    with_alias = [s for s in base if s.aliases]
    chosen = factory.rng.sample(range(len(base)), min(len(base), per_kind * len(KINDS)))
    planted: list[Planted] = []
    for n, kind in enumerate(KINDS):
        pool = with_alias if kind == "former_name" else [base[i] for i in chosen]
        picks = (
            factory.rng.sample(pool, min(per_kind, len(pool)))
            if kind == "former_name"
            else pool[n * per_kind : (n + 1) * per_kind]
        )
        planted += [plant(factory, original, kind) for original in picks]
    planted += [Planted(factory.supplier(), "negative", None, None) for _ in range(negatives)]
    return [replace(p, candidate=replace(p.candidate, id=None)) for p in planted]


@dataclass(frozen=True)
class Scores:
    """Precision and recall of screening on a planted set."""

    precision: float
    recall: float
    recall_by_kind: dict[str, float]
    findings: int
    false_positives: int


def evaluate(planted: Sequence[Planted], found: Sequence[Sequence[Finding]]) -> Scores:
    """A planted duplicate is recalled when a finding of the expected code points to its
    original; a finding is correct when it points to the original of its candidate."""
    hits: dict[str, list[bool]] = {}
    total = wrong = 0
    for p, findings in zip(planted, found, strict=True):
        total += len(findings)
        wrong += sum(1 for f in findings if f.evidence.get("existing_id") != p.original_id)
        if p.expected_code is not None:
            hits.setdefault(p.kind, []).append(
                any(
                    f.code == p.expected_code and f.evidence.get("existing_id") == p.original_id
                    for f in findings
                )
            )
    all_hits = [h for kind in hits.values() for h in kind]
    return Scores(
        precision=(total - wrong) / total if total else 1.0,
        recall=sum(all_hits) / len(all_hits) if all_hits else 1.0,
        recall_by_kind={k: sum(v) / len(v) for k, v in sorted(hits.items())},
        findings=total,
        false_positives=wrong,
    )
