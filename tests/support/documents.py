"""Real documents for upload tests: a PDF PDFium opens, pictures Pillow decodes.

>>> pdf_bytes()[:5], png_bytes()[:4], jpeg_bytes()[:3]
(b'%PDF-', b'\\x89PNG', b'\\xff\\xd8\\xff')
"""

from __future__ import annotations

import io

from PIL import Image


def pdf_bytes(pages: int = 1, *, size: tuple[float, float] = (595, 842)) -> bytes:
    """A PDF of ``pages`` blank pages (A4 unless ``size`` says otherwise, in points)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(*size)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def _picture(fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    """A small red PNG."""
    return _picture("PNG", size)


def jpeg_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    """A small red JPEG."""
    return _picture("JPEG", size)
