"""Bounds on what OCR accepts, as plain values: the web process reads them from settings
without loading the image libraries or the engines (:mod:`ocr.inputs` applies them)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputLimits"]


@dataclass(frozen=True)
class InputLimits:
    """Bounds on what is accepted (the portal's settings give them; the defaults are safe)."""

    max_upload_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 60_000_000  # a 12-50 MP phone photo passes; a decompression bomb does not
    working_long_side: int = 3200  # decoded images are reduced to this before processing
    max_pdf_pages_points: float = 5000.0  # a page side longer than this (in pt) is refused
