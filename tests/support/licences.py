"""Licences for the portal tests: a scripted reader, and real pictures from the corpus.

:class:`FakeReader` has ``read_licence``'s signature and returns a real
:class:`~ocr.model.LicenceReading` (so ``as_dict()`` has the real shape), reporting the
real stages as it goes; it can be told to raise instead. :func:`draw_licence` draws a
licence with the corpus generator for a given company (its name and credit code).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ocr.checks import Why, reason
from ocr.model import FieldReading, FieldStatus, Layout, LicenceReading, Money, Reason
from tests.support.documents import png_bytes

#: A real (small) PNG: uploads are decoded before they are stored; the fake reader never looks.
PNG = png_bytes()
STAGES = ("load", "preprocess", "qr", "read", "labels", "seal", "check", "done")


def reading(
    name: str,
    code: str,
    *,
    low: tuple[str, ...] = (),
    unreadable: tuple[str, ...] = (),
    open_ended: bool = True,
    doubted: dict[str, Reason] | None = None,
    qr_code: str | None = None,
) -> LicenceReading:
    """A licence reading of ``name``/``code``; fields in ``low`` read at 55 %, fields in
    ``doubted`` are ``uncertain`` for the reason given; ``qr_code``: the code its QR code
    carries (another than ``code`` is the QR finding; default: ``code``)."""
    qr = qr_code or code
    doubts = dict(doubted or {})
    if qr != code:
        doubts["uscc"] = reason(
            Why.QR_OTHER_CODE, f"the QR code names another credit code ({qr})", qr
        )

    def f(key: str, value: Any) -> FieldReading[Any]:
        if key in unreadable:
            return FieldReading.unreadable("fake")
        read = FieldReading(value, 0.55 if key in low else 0.97, FieldStatus.READ, "fake")
        return read.doubted(doubts[key]) if key in doubts else read

    return LicenceReading(
        layout=Layout.LANDSCAPE,
        name=f("name", name),
        uscc=f("uscc", code),
        entity_type=f("entity_type", "有限责任公司(自然人投资或控股)"),
        legal_representative=f("legal_representative", "张伟"),
        registered_capital=f("registered_capital", Money(Decimal("1000000"), "CNY")),
        established_on=f("established_on", date(2015, 3, 5)),
        term_from=f("term_from", date(2015, 3, 5)),
        term_to=f("term_to", None if open_ended else date(2035, 3, 4)),
        address=f("address", "上海市浦东新区张江路88号"),
        business_scope=f("business_scope", "一般项目:软件开发；货物进出口。"),
        registration_authority=f("registration_authority", "上海市浦东新区市场监督管理局"),
        issued_on=f("issued_on", date(2020, 1, 2)),
        qr_payload=f"http://www.gsxt.gov.cn/index.html?uniscid={qr}",
        qr_uscc=qr,
    )


class FakeReader:
    """Scripted stand-in for ``ocr.read_licence``: each call takes the next outcome (a
    reading, or an exception to raise); the last one repeats."""

    def __init__(self, *outcomes: LicenceReading | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[int, str | None]] = []
        self.before_return: Callable[[], None] | None = None

    def __call__(
        self, data: bytes, *, filename: str | None = None, progress: Any = None
    ) -> LicenceReading:
        self.calls.append((len(data), filename))
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        report = progress or (lambda stage, fraction: None)
        for i, stage in enumerate(STAGES[:-1]):
            report(stage, i / len(STAGES))
        if isinstance(outcome, Exception):
            raise outcome
        if self.before_return is not None:
            self.before_return()
        report("done", 1.0)
        return outcome


def draw_licence(path: Path, name: str, code: str, *, seed: int = 7) -> dict[str, Any]:
    """Draw a clean landscape licence of ``name``/``code`` with the corpus generator into
    ``path`` (PNG); return its ground truth."""
    import cv2
    import numpy as np

    from ocr.corpus import truth
    from ocr.corpus.data import fictional_licence
    from ocr.corpus.draw import render

    rng = random.Random(f"portal:{seed}")
    # A company's name on a company's licence (the OCR doubts a 有限公司 name on a branch's).
    facts = dataclasses.replace(
        fictional_licence(rng),
        name=name,
        uscc=code,
        entity_type="有限责任公司(自然人投资或控股)",
        representative_label="法定代表人",
    )
    page = render(facts, "landscape", rng)
    cv2.imwrite(str(path), cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))
    return truth(facts, "landscape", "clean")
