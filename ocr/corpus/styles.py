"""The held-out style: licences drawn the way the tuning corpus never draws them.

Every kind with its own labels (a branch's 负责人 and 营业场所 and no capital, a
个体工商户's 经营者, 组成形式 and 注册日期 and no term, a partnership's
执行事务合伙人, 出资额, 合伙期限 and 主要经营场所, a sole proprietorship's 投资人,
a foreign-invested company's capital in US dollars), half of them stamped with a
"仅供XX使用" watermark across the text, a third of them grey photocopies.
Nothing in ``ocr/`` was tuned on these; the benchmark reports them apart.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ocr.corpus.data import LicenceFacts
from ocr.corpus.draw import font
from ocr.ports import Image as Array
from ocr.ports import as_image

KINDS = ("company", "branch", "individual", "partnership", "sole", "foreign")
_SHOPS = ("小吃店", "便利店", "五金店", "理发店", "服装店", "水果店")
_USES = ("投标", "开户", "备案", "年检", "签约", "办理社保")


def real_kind(facts: LicenceFacts, rng: random.Random, index: int) -> LicenceFacts:
    """``facts`` redrawn as licence ``index``'s kind, with that kind's labels (every kind
    comes in both layouts within twelve licences)."""
    kind = KINDS[(index + index // len(KINDS)) % len(KINDS)]
    base = facts.name
    for tail in (
        "股份有限公司",
        "有限公司分公司",
        "有限公司",
        "企业管理咨询中心(普通合伙)",
        "商贸行",
    ):
        base = base.removesuffix(tail)
    if kind == "company":
        return replace(facts, entity_type="有限责任公司(自然人独资)", name=base + "有限公司",
                       representative_label="法定代表人", capital_label="注册资本",
                       capital_text=facts.capital_text or "壹佰万元整",
                       capital_amount=facts.capital_amount or Decimal(1_000_000),
                       capital_currency="CNY")  # fmt: skip
    if kind == "branch":
        return replace(facts, entity_type="有限责任公司分公司(法人独资)",
                       name=base + "有限公司" + rng.choice(("第一", "浦东", "城南")) + "分公司",
                       representative_label="负责人", capital_label="", capital_text="",
                       capital_amount=None, capital_currency=None,
                       address_label="营业场所")  # fmt: skip
    if kind == "individual":
        place = facts.registration_authority.removesuffix("市场监督管理局")
        return replace(facts, entity_type="个体工商户",
                       name=place + base[-2:] + rng.choice(_SHOPS),
                       representative_label="经营者", capital_label="", capital_text="",
                       capital_amount=None, capital_currency=None, address_label="经营场所",
                       established_label="注册日期", term_printed=False,
                       extra=(("组成形式", rng.choice(("个人经营", "家庭经营"))),))  # fmt: skip
    if kind == "partnership":
        return replace(facts, entity_type="有限合伙企业", name=base + "投资中心(有限合伙)",
                       representative_label="执行事务合伙人", capital_label="出资额",
                       capital_text=facts.capital_text or "壹佰万元整",
                       capital_amount=facts.capital_amount or Decimal(1_000_000),
                       capital_currency="CNY", term_label="合伙期限",
                       address_label="主要经营场所")  # fmt: skip
    if kind == "sole":
        return replace(facts, entity_type="个人独资企业", name=base + "商行",
                       representative_label="投资人", capital_label="", capital_text="",
                       capital_amount=None, capital_currency=None,
                       address_label="经营场所")  # fmt: skip
    wan = rng.choice((50, 100, 300, 500))
    return replace(facts, entity_type="有限责任公司(外商投资、非独资)", name=base + "有限公司",
                   representative_label="法定代表人", capital_label="注册资本",
                   capital_text=f"{wan}万美元", capital_amount=Decimal(wan * 10_000),
                   capital_currency="USD")  # fmt: skip


def watermark(page: Image.Image, rng: random.Random) -> Image.Image:
    """ "仅供XX使用" in grey, repeated across the page at an angle, as on a copy handed out."""
    text = f"仅供{rng.choice(_USES)}使用"
    layer = Image.new("L", page.size, 0)
    draw = ImageDraw.Draw(layer)
    big = font("sans-bold", 110)
    for y in range(0, page.height, 420):
        for x in range(-200, page.width, 900):
            draw.text((x + (y // 420) % 2 * 450, y), text, font=big, fill=255)
    layer = layer.rotate(rng.uniform(20, 35), resample=Image.Resampling.BICUBIC)
    grey = Image.new("RGB", page.size, (150, 150, 150))
    return Image.composite(Image.blend(page, grey, 0.55), page, layer)


def photocopy(img: Array, rng: np.random.Generator) -> Array:
    """A grey photocopy: no colour (the seal goes grey), harder contrast, toner speckle."""
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
    grey = np.clip((grey - 40) * float(rng.uniform(1.15, 1.35)), 0, 255)
    speckle = rng.random(grey.shape) < 0.002
    grey[speckle] = 30
    return as_image(cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR))
