"""The OCR engine port: what the pipeline asks of tesseract, RapidOCR or a fake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
"""An 8-bit image, BGR (H, W, 3) or grey (H, W), as OpenCV holds it."""


@dataclass(frozen=True)
class TextSegment:
    """A run of text on the page with its box (pixels) and the engine's confidence 0..1."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    score: float = 1.0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@runtime_checkable
class OcrEngine(Protocol):
    """Reads text from a page image. Adapters raise only :mod:`ocr.errors` errors."""

    name: str

    def read_page(self, image: Image) -> list[TextSegment]:
        """Find and read every text line on the page."""
        ...

    def read_line(self, image: Image, *, charset: str | None = None) -> tuple[str, float]:
        """Read one line of text already cropped from the page (text, confidence)."""
        ...


def as_image(array: Any) -> Image:
    """Narrow an OpenCV/numpy result to :data:`Image` for the type checker."""
    return np.asarray(array, dtype=np.uint8)
