"""Generated licences with ground truth, for tests and the benchmark.

``python -m ocr.corpus --out DIR --n 100 --seed 1`` writes ``0000.jpg`` (or
``.png``) and ``0000.json`` pairs; licence ``i`` is drawn in layout
``i % 2`` and degraded by condition ``i // 2 % len(CONDITIONS)``, so any
``n >= 16`` covers every layout and condition. The same seed always gives the
same files.
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image as PilImage

from ocr.corpus.data import (
    LicenceFacts,
    fictional_licence,
    make_registration_number,
    other_uscc,
)
from ocr.corpus.degrade import CONDITIONS, DEGRADE
from ocr.corpus.draw import QR_URL, render
from ocr.corpus.styles import photocopy, real_kind, watermark
from ocr.ports import as_image

__all__ = ["CONDITIONS", "LicenceFacts", "generate", "make_licence", "other_uscc", "truth"]

LAYOUTS = ("landscape", "portrait")


def truth(facts: LicenceFacts, layout: str, condition: str) -> dict[str, Any]:
    """Return the ground truth in the shape of ``LicenceReading.as_dict()`` values."""
    capital = None
    if facts.capital_amount is not None:
        capital = {"amount": str(facts.capital_amount), "currency": facts.capital_currency}
    return {
        "layout": layout,
        "condition": condition,
        "qr_payload": QR_URL.format(facts.qr_code),
        "absent": ([] if facts.term_printed else ["term_from", "term_to"])
        + (["uscc"] if facts.registration_number else []),
        "registration_number": facts.registration_number,
        "licence_number": facts.licence_number,
        "fields": {
            "name": facts.name,
            "uscc": facts.uscc,
            "entity_type": facts.entity_type,
            "legal_representative": facts.legal_representative,
            "registered_capital": capital,
            "established_on": facts.established_on.isoformat(),
            "term_from": facts.term_from.isoformat() if facts.term_printed else None,
            "term_to": facts.term_to.isoformat() if facts.term_to and facts.term_printed else None,
            "address": facts.address,
            "business_scope": facts.business_scope,
            "registration_authority": facts.registration_authority,
            "issued_on": facts.issued_on.isoformat(),
        },
    }


def make_licence(
    seed: int,
    index: int,
    layout: str | None = None,
    condition: str | None = None,
    style: str = "tuning",
    *,
    qr_mismatch: bool = False,
) -> tuple[np.ndarray[Any, np.dtype[np.uint8]], dict[str, Any]]:
    """Draw licence ``index`` of corpus ``seed``: a BGR image and its ground truth.

    ``style="heldout"`` draws every kind with its own labels, watermarks and grey
    photocopies (:mod:`ocr.corpus.styles`), which the pipeline was not tuned on; its
    clean odd-numbered licences are written by :func:`generate` as a PDF export.
    ``qr_mismatch`` plants another valid credit code in the QR code (the truth's
    ``qr_payload`` names it): the reader must report the disagreement.
    """
    rng = random.Random(f"{seed}:{index}")  # noqa: S311 - reproducible, not secret
    layout = layout or LAYOUTS[index % 2]
    condition = condition or CONDITIONS[index // 2 % len(CONDITIONS)]
    facts = fictional_licence(rng)
    if qr_mismatch:
        facts = dataclasses.replace(facts, qr_uscc=other_uscc(facts.uscc, rng))
    extras: list[str] = []
    if style in ("heldout", "old"):
        facts = real_kind(facts, rng, index)
    if style == "old":  # before the 2016 reform: a 注册号 of the credit code's region
        number = make_registration_number(rng, facts.uscc[2:8])
        facts = dataclasses.replace(facts, registration_number=number)
        extras.append("old-style")
    page = render(facts, layout, rng)
    if style in ("heldout", "old") and index % 2 == 0:
        page = watermark(page, rng)
        extras.append("watermark")
    bgr = as_image(cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR))
    noise = np.random.default_rng([seed, index])
    if style in ("heldout", "old") and index % 3 == 0:
        bgr = photocopy(bgr, noise)
        extras.append("photocopy")
    if style == "heldout" and condition == "clean" and index % 2 == 1:
        extras.append("e-licence")  # written as the 电子营业执照 PDF export by generate()
    degraded = DEGRADE[condition](bgr, noise)
    gt = truth(facts, layout, condition)
    gt["style"] = style
    gt["marks"] = extras
    return degraded, gt


def generate(
    out: Path, n: int, seed: int, style: str = "tuning", *, qr_mismatch: bool = False
) -> list[Path]:
    """Write ``n`` licences and their ground truth into ``out``; return the image paths
    (``qr_mismatch``: each QR code carries another company's credit code)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        img, gt = make_licence(seed, i, style=style, qr_mismatch=qr_mismatch)
        if "e-licence" in gt["marks"]:
            path = out / f"{i:04d}.pdf"
            rgb = PilImage.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
            rgb.save(path, "PDF", resolution=200.0)
        else:
            suffix = ".png" if gt["condition"] == "clean" else ".jpg"
            path = out / f"{i:04d}{suffix}"
            params = [cv2.IMWRITE_JPEG_QUALITY, 92] if suffix == ".jpg" else []
            cv2.imwrite(str(path), img, params)
        (out / f"{i:04d}.json").write_text(json.dumps(gt, ensure_ascii=False, indent=1))
        paths.append(path)
    return paths
