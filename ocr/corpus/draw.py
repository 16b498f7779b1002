"""Draw a business licence (营业执照) from :class:`LicenceFacts`.

Both current layouts are drawn: the landscape original (正本, two columns of
fields) and the portrait duplicate (副本, one column). Each page has a
guilloche background, a decorative frame, a national-emblem stand-in, the
credit code with the 20-digit 证照编号 beside it, a QR code carrying
``http://www.gsxt.gov.cn/index.html?uniscid=<USCC>``, and a red seal whose
arc text is the registration authority, stamped over the issue date.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageChops, ImageDraw, ImageFont

from ocr.corpus.data import LicenceFacts

QR_URL = "http://www.gsxt.gov.cn/index.html?uniscid={}"

_FONTS = {
    "serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    "serif-bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    "sans-bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    "wqy": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
}
_INK = (25, 25, 30)
_SEAL = (215, 35, 40)


@cache
def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = _FONTS[style]
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} missing: install fonts-noto-cjk and fonts-wqy-zenhei")
    return ImageFont.truetype(path, size, index=index)


def ymd(day: object) -> str:
    from datetime import date

    assert isinstance(day, date)
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


@dataclass(frozen=True)
class _Style:
    label_font: str
    value_font: str
    size: int


def _guilloche(img: Image.Image, rng: random.Random) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    for k in range(60):
        y0 = h * k / 60
        amp = rng.uniform(8, 30)
        wave = rng.uniform(120, 300)
        phase = rng.uniform(0, math.tau)
        colour = (rng.randint(215, 235), rng.randint(200, 225), rng.randint(170, 200))
        pts = [(x, y0 + amp * math.sin(x / wave * math.tau + phase)) for x in range(0, w + 8, 8)]
        draw.line(pts, fill=colour, width=2)


def _frame(img: Image.Image, margin: int) -> None:
    draw = ImageDraw.Draw(img)
    w, h = img.size
    gold = (190, 150, 80)
    draw.rectangle((margin, margin, w - margin, h - margin), outline=gold, width=6)
    inner = margin + 26
    draw.rectangle((inner, inner, w - inner, h - inner), outline=gold, width=3)
    for x in range(margin + 13, w - margin - 13, 18):
        for y in (margin + 13, h - margin - 13):
            draw.ellipse((x - 5, y - 5, x + 5, y + 5), outline=gold, width=2)
    for y in range(margin + 13, h - margin - 13, 18):
        for x in (margin + 13, w - margin - 13):
            draw.ellipse((x - 5, y - 5, x + 5, y + 5), outline=gold, width=2)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float, fill: tuple[int, ...]) -> None:
    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.4
        ang = -math.pi / 2 + i * math.pi / 5
        pts.append((cx + rad * math.cos(ang), cy + rad * math.sin(ang)))
    draw.polygon(pts, fill=fill)


def _emblem(img: Image.Image, cx: int, cy: int, r: int) -> None:
    """A drawn stand-in for the national emblem: a red disc, gold rim and stars."""
    draw = ImageDraw.Draw(img)
    gold = (230, 180, 40)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(200, 30, 30), outline=gold, width=8)
    draw.ellipse((cx - r + 18, cy - r + 18, cx + r - 18, cy + r - 18), outline=gold, width=3)
    _star(draw, cx - r * 0.3, cy - r * 0.2, r * 0.3, gold)
    for k in range(4):
        ang = -0.9 + k * 0.45
        _star(draw, cx + r * 0.45 * math.cos(ang), cy + r * 0.45 * math.sin(ang), r * 0.1, gold)
    draw.rectangle((cx - r * 0.5, cy + r * 0.45, cx + r * 0.5, cy + r * 0.6), fill=gold)


def _spaced(draw: ImageDraw.ImageDraw, x: float, y: float, text: str, fnt: ImageFont.FreeTypeFont,
            width: float, fill: tuple[int, ...] = _INK) -> None:  # fmt: skip
    """Draw ``text`` with its characters spread evenly across ``width``."""
    if len(text) == 1:
        draw.text((x, y), text, font=fnt, fill=fill)
        return
    size = fnt.size
    step = (width - size) / (len(text) - 1)
    for i, ch in enumerate(text):
        draw.text((x + i * step, y), ch, font=fnt, fill=fill)


def _wrap(text: str, fnt: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if fnt.getlength(line + ch) > width and line:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _seal(page: Image.Image, cx: int, cy: int, r: int, authority: str, rng: random.Random) -> None:
    """Stamp a red seal, multiplied over the print as real ink is."""
    size = 2 * r + 20
    layer = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(layer)
    c = size // 2
    draw.ellipse((c - r, c - r, c + r, c + r), outline=_SEAL, width=max(6, r // 18))
    _star(draw, c, c, r * 0.32, _SEAL)
    fs = max(16, int(r * 0.26))
    fnt = font("sans-bold", fs)
    span = min(250.0, 22.0 * len(authority))
    text_r = r - fs * 0.55 - r // 18
    for i, ch in enumerate(authority):
        ang = -span / 2 + span * (i + 0.5) / len(authority)
        glyph = Image.new("L", (fs + 8, fs + 8), 0)
        ImageDraw.Draw(glyph).text((4, 4 - fs * 0.12), ch, font=fnt, fill=255)
        glyph = glyph.rotate(-ang, resample=Image.Resampling.BICUBIC, expand=True)
        gx = c + text_r * math.sin(math.radians(ang)) - glyph.width / 2
        gy = c - text_r * math.cos(math.radians(ang)) - glyph.height / 2
        layer.paste(Image.new("RGB", glyph.size, _SEAL), (round(gx), round(gy)), glyph)
    layer = layer.rotate(rng.uniform(-8, 8), fillcolor="white", resample=Image.Resampling.BICUBIC)
    box = (cx - c, cy - c, cx - c + size, cy - c + size)
    page.paste(ImageChops.multiply(page.crop(box), layer), box)


def _qr(payload: str, size: int) -> Image.Image:
    code = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    img: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return img.convert("RGB").resize((size, size), Image.Resampling.NEAREST)


def _fields(facts: LicenceFacts) -> list[tuple[str, str]]:
    term = ymd(facts.term_from) + "至" + (ymd(facts.term_to) if facts.term_to else "长期")
    out = [("名称", facts.name), ("类型", facts.entity_type),
           (facts.representative_label, facts.legal_representative)]  # fmt: skip
    if facts.capital_label:
        out.append((facts.capital_label, facts.capital_text))
    out += list(facts.extra)
    out.append((facts.established_label, ymd(facts.established_on)))
    if facts.term_printed:
        out.append((facts.term_label, term))
    out += [(facts.address_label, facts.address), ("经营范围", facts.business_scope)]
    return out


def _draw_field(draw: ImageDraw.ImageDraw, x: int, y: int, label: str, value: str, st: _Style,
                value_width: int, line_h: int) -> int:  # fmt: skip
    """Draw one labelled field; return the y below it."""
    lf, vf = font(st.label_font, st.size), font(st.value_font, st.size)
    label_w = max(4 * st.size, len(label) * st.size)
    _spaced(draw, x, y, label, lf, label_w)
    vx = x + max(4 * st.size, 5 * st.size) + st.size // 2 + (label_w - 4 * st.size)
    for line in _wrap(value, vf, value_width - (vx - x)):
        draw.text((vx, y), line, font=vf, fill=_INK)
        y += line_h
    return y + line_h // 4


def render(facts: LicenceFacts, layout: str, rng: random.Random) -> Image.Image:
    """Return the licence as a clean RGB image (about 300 dpi)."""
    w, h = (2400, 1700) if layout == "landscape" else (1700, 2400)
    page = Image.new("RGB", (w, h), (250, 246, 236))
    _guilloche(page, rng)
    _frame(page, 50)
    draw = ImageDraw.Draw(page)
    st = _Style(
        rng.choice(["serif-bold", "sans-bold", "serif"]),
        rng.choice(["serif", "sans", "wqy"]),
        rng.choice([36, 38, 40]),
    )
    _emblem(page, w // 2, 210, 85)
    title = font("serif-bold", 120)
    _spaced(draw, w // 2 - 330, 330, "营业执照", title, 660)
    small = font("sans", 28)
    code_font = font(rng.choice(["sans", "serif"]), 40)
    left = 170
    top = 330 if layout == "landscape" else 540
    if facts.registration_number:  # an old-style licence: 注册号, no credit code, no QR code
        number_font = font(st.label_font, st.size)
        _spaced(draw, left + 40, top + 42, "注册号", number_font, 4 * st.size)
        draw.text(
            (left + 40 + 5 * st.size, top + 42),
            facts.registration_number,
            font=code_font,
            fill=_INK,
        )
    else:
        draw.text((left, top), "统一社会信用代码", font=small, fill=_INK)
        draw.text((left, top + 42), facts.uscc, font=code_font, fill=_INK)
        draw.text((left, top + 102), f"证照编号：{facts.licence_number}", font=small, fill=_INK)
        qr_size = 220
        page.paste(_qr(QR_URL.format(facts.qr_code), qr_size), (w - left - qr_size, 270))
        draw.text(
            (w - left - qr_size - 20, 270 + qr_size + 8), "扫描二维码登录", font=small, fill=_INK
        )
    line_h = int(st.size * 1.6)
    fields = _fields(facts)
    if layout == "landscape":
        by_label = dict(fields)
        left_keys = ["名称", "类型", facts.representative_label, "经营范围"]
        right_keys = [k for k, _ in fields if k not in left_keys]
        y = 560
        for key in left_keys:
            y = _draw_field(draw, left + 40, y, key, by_label[key], st, 1000, line_h)
        y = 560
        for key in right_keys:
            y = _draw_field(draw, 1250, y, key, by_label[key], st, 960, line_h)
        seal_c = (1880, 1400)
    else:
        y = 720
        order = ["名称", "类型", facts.address_label, facts.representative_label]
        order += [k for k, _ in fields if k not in order]
        by_label = dict(fields)
        for key in order:
            y = _draw_field(draw, left + 40, y, key, by_label[key], st, 1290, line_h)
        seal_c = (1250, 2080)
    draw.text(
        (seal_c[0] - 380, seal_c[1] - 30), "登记机关", font=font(st.label_font, 44), fill=_INK
    )
    date_font = font(st.value_font, 40)
    draw.text((seal_c[0] - 150, seal_c[1] + 110), ymd(facts.issued_on), font=date_font, fill=_INK)
    _seal(page, seal_c[0], seal_c[1], 150, facts.registration_authority, rng)
    return page
