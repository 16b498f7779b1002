"""Open an upload as an image, within bounded time and memory.

JPEG and PNG (and anything else Pillow opens) are decoded after their header
has been checked against :class:`InputLimits`; a big JPEG is decoded at a
reduced scale straight away (``Image.draft``), so a 50-megapixel phone photo
never exists in memory at full size. EXIF orientation is applied. A PDF is
rendered from its first page only. The whole file is walked first
(:mod:`ocr.filetype`): a disguised type, a polyglot or a broken structure is
refused before any decoder sees it. Every failure is an :mod:`ocr.errors`
error that says what is wrong with the file.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image as PilImage
from PIL import ImageOps, UnidentifiedImageError

from ocr.errors import (
    ImageTooLargeError,
    OcrError,
    TruncatedImageError,
    UnsupportedInputError,
    UploadTooLargeError,
)
from ocr.filetype import check_structure, kind_of
from ocr.limits import InputLimits as InputLimits  # its home is ocr.limits (no cv2)
from ocr.ports import Image, as_image


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def load_image(
    data: bytes, filename: str | None = None, limits: InputLimits | None = None
) -> Image:
    """Decode ``data`` (JPEG, PNG or PDF) into a BGR image no longer than the working size."""
    lim = limits or InputLimits()
    if len(data) > lim.max_upload_bytes:
        raise UploadTooLargeError(
            f"the file is {_mb(len(data))}; licences up to {_mb(lim.max_upload_bytes)} are accepted"
        )
    if not data:
        raise UnsupportedInputError("the file is empty")
    check_structure(data, kind_of(data))  # the whole content decides, never the file name
    if data.startswith(b"%PDF-"):
        return _load_pdf(data, lim)
    return _load_picture(data, lim)


def _load_picture(data: bytes, lim: InputLimits) -> Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PilImage.DecompressionBombWarning)
            img: PilImage.Image = PilImage.open(io.BytesIO(data))
            width, height = img.size
            if width * height > lim.max_pixels:
                raise ImageTooLargeError(
                    f"the picture is {width}×{height} pixels; at most "
                    f"{lim.max_pixels // 1_000_000} megapixels are accepted"
                )
            if img.format == "JPEG" and hasattr(img, "draft"):
                # Decode at 1/2, 1/4 or 1/8 scale when that is still big enough.
                img.draft("RGB", (lim.working_long_side // 2, lim.working_long_side // 2))
            img.load()
            img = ImageOps.exif_transpose(img)
    except OcrError:
        raise
    except (PilImage.DecompressionBombError, PilImage.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"the picture has too many pixels to open safely ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedInputError(
            "this file is not a picture we can read; upload a JPEG, PNG or PDF"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        if "truncated" in str(exc) or isinstance(exc, (OSError, SyntaxError)):
            raise TruncatedImageError(
                f"the picture is damaged or incomplete ({exc}); please upload it again"
            ) from exc
        raise UnsupportedInputError(f"the picture cannot be decoded ({exc})") from exc
    rgb = img.convert("RGB")
    scale = lim.working_long_side / max(rgb.size)
    if scale < 1:
        size = (round(rgb.width * scale), round(rgb.height * scale))
        rgb = rgb.resize(size, PilImage.Resampling.LANCZOS, reducing_gap=2.0)
    return as_image(cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR))


def _load_pdf(data: bytes, lim: InputLimits) -> Image:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise TruncatedImageError(
            f"the PDF is damaged or incomplete ({exc}); please upload it again"
        ) from exc
    try:
        if len(pdf) == 0:
            raise UnsupportedInputError("the PDF has no pages")
        page = pdf[0]
        width, height = page.get_size()
        if max(width, height) > lim.max_pdf_pages_points:
            raise ImageTooLargeError(f"the PDF page is {width:.0f}×{height:.0f} pt, too large")
        scale = min(lim.working_long_side * 0.75, 2400) / max(width, height)
        bitmap = page.render(scale=scale)
        rgb = bitmap.to_pil().convert("RGB")
    except OcrError:
        raise
    except pdfium.PdfiumError as exc:
        raise TruncatedImageError(f"the PDF's first page cannot be rendered ({exc})") from exc
    finally:
        pdf.close()
    return as_image(cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR))
