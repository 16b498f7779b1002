"""Errors raised by :mod:`ocr`.

Every error says whether trying again can help (``permanent``)::

    OcrError
    ├── OcrInputError (ValueError)            permanent: the file itself is the problem
    │   ├── UnsupportedInputError             not a JPEG, PNG or PDF we can open
    │   ├── TruncatedImageError               the file ends before the picture does
    │   ├── ImageTooLargeError                too many pixels (a decompression bomb)
    │   ├── UploadTooLargeError               too many bytes
    │   └── NotALicenceError                  a picture, but no licence labels on it
    └── EngineUnavailableError                retryable: tesseract or a model is missing/crashed
"""

from __future__ import annotations


class OcrError(Exception):
    """Base of every error this package raises."""

    permanent: bool = True
    code: str = "ocr.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OcrInputError(OcrError, ValueError):
    """The upload cannot be read as a licence; sending it again will not help."""

    code = "ocr.invalid_input"


class UnsupportedInputError(OcrInputError):
    code = "ocr.unsupported_input"


class TruncatedImageError(OcrInputError):
    code = "ocr.truncated_image"


class ImageTooLargeError(OcrInputError):
    code = "ocr.image_too_large"


class UploadTooLargeError(OcrInputError):
    code = "ocr.upload_too_large"


class NotALicenceError(OcrInputError):
    code = "ocr.not_a_licence"


class EngineUnavailableError(OcrError):
    """The OCR engine could not run; the same file may read later."""

    permanent = False
    code = "ocr.engine_unavailable"
