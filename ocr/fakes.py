"""``InMemoryOcrEngine``: a scripted :class:`~ocr.ports.OcrEngine` that records its calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ocr.ports import Image, TextSegment

if TYPE_CHECKING:
    from ocr.service import Engines


@dataclass
class InMemoryOcrEngine:
    """Returns ``page`` for every page and ``line`` for every line; remembers the shapes asked."""

    page: list[TextSegment] = field(default_factory=list)
    line: tuple[str, float] = ("", 0.0)
    name: str = "fake"
    pages_read: list[tuple[int, ...]] = field(default_factory=list)
    lines_read: list[tuple[int, ...]] = field(default_factory=list)

    def read_page(self, image: Image) -> list[TextSegment]:
        self.pages_read.append(tuple(image.shape))
        return list(self.page)

    def read_line(self, image: Image, *, charset: str | None = None) -> tuple[str, float]:
        self.lines_read.append(tuple(image.shape))
        return self.line


def blank_page_engines() -> Engines:
    """Engines that read no text on any page: for a :class:`~ocr.sandbox.LicenceReaderPool`
    whose children should start in a blink (the factory must be importable by name)."""
    from ocr.service import Engines

    return Engines(page=InMemoryOcrEngine())
