"""Is an upload what its first bytes say, all the way through? Checked quickly, at upload.

The first bytes only name a claim (:func:`sniff`). A PDF must then
open in PDFium with at least one page, no more pages than the limit and no page larger
than PDF's own maximum; a JPEG or PNG must be what Pillow identifies, no larger than the
pixel limit (checked from the header, before anything is decoded: no decompression bomb),
pass ``verify()``, and, for a JPEG, decode at one eighth of its size (which reads every
block, so a truncated file is caught without the cost of a full decode). A PNG must end
with its ``IEND`` chunk, and no picture may carry a PDF inside it (a file that two programs
read as two different things is refused). Every refusal is a
:class:`~portal.documents.errors.DocumentRejectedError` in Chinese and English, answered
422; nothing here renders a page (the OCR helper does that, in its sandbox).

>>> check_structure(b"GIF89a...")
Traceback (most recent call last):
    ...
portal.documents.errors.DocumentRejectedError: only PDF, JPEG and PNG files are accepted
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from portal.documents.errors import DocumentRejectedError

__all__ = ["ALLOWED_TYPES", "StructureLimits", "check_structure", "sniff"]

#: PDFium is not thread-safe; uploads are checked in worker threads.
_PDFIUM = threading.Lock()
#: Content type -> the magic bytes it starts with.
ALLOWED_TYPES: dict[str, bytes] = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True)
class StructureLimits:
    """What a document may hold (the defaults take any real scan or phone photo)."""

    max_pixels: int = 60_000_000
    max_pdf_pages: int = 500
    max_page_side_pt: float = 14_400.0  # PDF's own limit: 200 inches


def _rejected(code: str, message: str, message_zh: str) -> DocumentRejectedError:
    return DocumentRejectedError(message, code=code, message_zh=message_zh)


def sniff(head: bytes) -> str | None:
    """The allowed content type ``head`` starts with, else None (a claim, not a check).

    >>> sniff(b"%PDF-1.7 ..."), sniff(b"GIF89a")
    ('application/pdf', None)
    """
    for content_type, magic in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def check_structure(content: bytes, limits: StructureLimits | None = None) -> str:
    """The content type of ``content`` once its whole structure is checked; raises
    ``DocumentRejectedError`` saying what is wrong otherwise."""
    lim = limits or StructureLimits()
    content_type = sniff(content[:16])
    if content_type is None:
        raise _rejected(
            "document.type",
            "only PDF, JPEG and PNG files are accepted",
            "只接受 PDF、JPEG 和 PNG 文件",
        )
    if content_type == "application/pdf":
        _check_pdf(content, lim)
    else:
        _check_picture(content, _PIL_FORMAT[content_type], lim)
    return content_type


def _check_pdf(content: bytes, lim: StructureLimits) -> None:
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            pdf = pdfium.PdfDocument(content)
        except pdfium.PdfiumError as exc:
            raise _rejected(
                "document.damaged",
                f"the PDF cannot be opened ({exc}): it is damaged, incomplete or "
                "password-protected; export it again and upload the new file",
                "PDF 文件无法打开（已损坏、不完整或设有密码），请重新导出后再上传",
            ) from exc
        try:
            _check_pages(pdf, lim)
        finally:
            pdf.close()


def _check_pages(pdf: object, lim: StructureLimits) -> None:
    pages = len(pdf)  # type: ignore[arg-type]
    if pages == 0:
        raise _rejected("document.empty", "the PDF has no pages", "PDF 文件没有任何页面")
    if pages > lim.max_pdf_pages:
        raise _rejected(
            "document.too_many_pages",
            f"the PDF has {pages} pages; at most {lim.max_pdf_pages} are accepted",
            f"PDF 共 {pages} 页，最多接受 {lim.max_pdf_pages} 页",
        )
    for index in range(pages):
        width, height = pdf.get_page_size(index)  # type: ignore[attr-defined]
        if not (0 < width <= lim.max_page_side_pt and 0 < height <= lim.max_page_side_pt):
            raise _rejected(
                "document.page_size",
                f"page {index + 1} of the PDF is {width:.0f} x {height:.0f} pt, "
                "which no real document is",
                f"PDF 第 {index + 1} 页的尺寸为 {width:.0f}×{height:.0f} pt，不是正常的文档",
            )


def _check_picture(content: bytes, expected: str, lim: StructureLimits) -> None:
    if b"%PDF-" in content:
        raise _rejected(
            "document.polyglot",
            "the picture also carries a PDF; upload the picture or the PDF on its own",
            "图片中夹带了 PDF 内容，请单独上传图片或 PDF",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _decode(content, expected, lim)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(lim) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise _rejected(
            "document.damaged",
            f"the {expected} picture cannot be decoded ({exc}): it is damaged, incomplete "
            "or not the kind of file its first bytes say",
            f"{expected} 图片无法解码（已损坏、不完整或内容与文件类型不符），请重新上传",
        ) from exc
    if expected == "PNG" and _png_end(content) != len(content):
        raise _rejected(
            "document.trailing_data",
            "the PNG picture carries data after its end; save it again and upload the new file",
            "PNG 图片结尾之后还夹带了其他数据，请重新保存后再上传",
        )


def _decode(content: bytes, expected: str, lim: StructureLimits) -> None:
    with Image.open(io.BytesIO(content), formats=[expected]) as img:
        width, height = img.size
        if width * height > lim.max_pixels:
            raise _too_many_pixels(lim)
        img.verify()
    if expected == "JPEG":
        with Image.open(io.BytesIO(content), formats=[expected]) as img:
            img.draft("L", (max(1, width // 8), max(1, height // 8)))
            img.load()


def _too_many_pixels(lim: StructureLimits) -> DocumentRejectedError:
    mp = lim.max_pixels // 1_000_000
    return _rejected(
        "document.too_many_pixels",
        f"the picture has more than {mp} megapixels; scan it at a lower resolution",
        f"图片超过 {mp} 百万像素，请降低分辨率后重新扫描",
    )


def _png_end(content: bytes) -> int | None:
    """The offset just after the ``IEND`` chunk (None when there is none)."""
    pos = 8
    while pos + 8 <= len(content):
        length: int = int.from_bytes(content[pos : pos + 4], "big")
        kind = content[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos
    return None
