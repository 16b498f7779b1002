"""RapidOCR 3 (PP-OCR models run by onnxruntime), models shipped inside the wheel.

Install ``rapidocr`` and ``onnxruntime`` from PyPI; nothing is downloaded at
run time (the default det/rec/cls models are in ``rapidocr/models``). The
recogniser now and then prints a traditional character (註, 資, 項); OpenCC's
t2s table maps them back, since licences are printed in simplified Chinese.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ocr.errors import EngineUnavailableError
from ocr.ports import Image, TextSegment


class RapidOcrEngine:
    """:class:`~ocr.ports.OcrEngine` backed by RapidOCR + onnxruntime."""

    name = "rapidocr"

    def __init__(self, threads: int = 2) -> None:
        try:
            from opencc import OpenCC  # type: ignore[import-untyped]
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise EngineUnavailableError(
                "RapidOCR is not installed (pip install rapidocr onnxruntime "
                "opencc-python-reimplemented)"
            ) from exc
        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        try:
            self._ocr = RapidOCR(params=params)
        except Exception as exc:  # the library raises bare Exceptions for missing models
            raise EngineUnavailableError(f"RapidOCR could not load its models: {exc}") from exc
        self._t2s = OpenCC("t2s")
        self._lock = threading.Lock()  # one onnxruntime session, used one call at a time

    def _run(self, image: Image, **kwargs: Any) -> Any:
        try:
            with self._lock:
                return self._ocr(np.ascontiguousarray(image), **kwargs)
        except Exception as exc:
            raise EngineUnavailableError(f"RapidOCR failed: {exc}") from exc

    def _simplified(self, text: str) -> str:
        return str(self._t2s.convert(text))

    def read_page(self, image: Image) -> list[TextSegment]:
        result = self._run(image, use_det=True, use_cls=False, use_rec=True)
        if result.boxes is None or result.txts is None:
            return []
        out = []
        for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs, ys = box[:, 0], box[:, 1]
            out.append(
                TextSegment(
                    self._simplified(str(text)),
                    float(xs.min()),
                    float(ys.min()),
                    float(xs.max()),
                    float(ys.max()),
                    float(score),
                )
            )
        return out

    def read_line(self, image: Image, *, charset: str | None = None) -> tuple[str, float]:
        result = self._run(image, use_det=False, use_cls=False, use_rec=True)
        if not result.txts:
            return "", 0.0
        text = self._simplified("".join(str(t) for t in result.txts))
        if charset:
            text = "".join(c for c in text if c in charset or c.upper() in charset)
        return text, float(min(result.scores))
