"""Tesseract 5 (``chi_sim`` + ``eng``) through pytesseract.

Needs the Debian packages ``tesseract-ocr`` and ``tesseract-ocr-chi-sim``.
Tesseract's OpenMP threads fight each other on a small machine, so the
adapter sets ``OMP_THREAD_LIMIT=1`` for the processes it starts unless the
caller chose a value.
"""

from __future__ import annotations

import os
from typing import Any

import pytesseract

from ocr.errors import EngineUnavailableError
from ocr.ports import Image, TextSegment


class TesseractOcrEngine:
    """:class:`~ocr.ports.OcrEngine` backed by the tesseract command."""

    name = "tesseract"

    def __init__(self, lang: str = "chi_sim+eng", timeout: float = 30.0) -> None:
        self.lang = lang
        self.timeout = timeout
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    def _call(self, func: Any, image: Image, config: str, **kwargs: Any) -> Any:
        try:
            return func(image, lang=self.lang, config=config, timeout=self.timeout, **kwargs)
        except pytesseract.TesseractNotFoundError as exc:
            raise EngineUnavailableError("tesseract is not installed on this server") from exc
        except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
            raise EngineUnavailableError(f"tesseract failed: {exc}") from exc

    def image_to_string(self, image: Image, psm: int = 3) -> str:
        """The plain whole-page text (the benchmark's baseline)."""
        return str(self._call(pytesseract.image_to_string, image, f"--psm {psm}"))

    def read_page(self, image: Image) -> list[TextSegment]:
        data = self._call(
            pytesseract.image_to_data,
            image,
            "--psm 3",
            output_type=pytesseract.Output.DICT,
        )
        return _segments(data)

    def read_line(self, image: Image, *, charset: str | None = None) -> tuple[str, float]:
        config = "--psm 7"
        if charset:
            config += f" -c tessedit_char_whitelist={charset}"
        data = self._call(
            pytesseract.image_to_data, image, config, output_type=pytesseract.Output.DICT
        )
        words = [
            (str(t), float(c))
            for t, c in zip(data["text"], data["conf"], strict=True)
            if str(t).strip() and float(c) >= 0
        ]
        if not words:
            return "", 0.0
        return "".join(t for t, _ in words), min(c for _, c in words) / 100


def _segments(data: dict[str, list[Any]]) -> list[TextSegment]:
    """Group tesseract's words into lines, splitting a line where a wide gap is."""
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, text in enumerate(data["text"]):
        if str(text).strip() and float(data["conf"][i]) >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(i)
    out: list[TextSegment] = []
    for idxs in lines.values():
        idxs.sort(key=lambda i: data["left"][i])
        group: list[int] = []
        for i in idxs:
            if group:
                prev = group[-1]
                gap = data["left"][i] - (data["left"][prev] + data["width"][prev])
                if gap > 1.5 * max(data["height"][prev], data["height"][i]):
                    out.append(_segment(data, group))
                    group = []
            group.append(i)
        if group:
            out.append(_segment(data, group))
    return out


def _segment(data: dict[str, list[Any]], idxs: list[int]) -> TextSegment:
    x0 = min(data["left"][i] for i in idxs)
    y0 = min(data["top"][i] for i in idxs)
    x1 = max(data["left"][i] + data["width"][i] for i in idxs)
    y1 = max(data["top"][i] + data["height"][i] for i in idxs)
    text = "".join(str(data["text"][i]) for i in idxs)
    score = min(float(data["conf"][i]) for i in idxs) / 100
    return TextSegment(text, x0, y0, x1, y1, score)
