"""Errors raised by :mod:`ocr`.

Every error says whether trying again can help (``permanent``)::

    OcrError
    ├── OcrInputError (ValueError)            permanent: the file itself is the problem
    │   ├── UnsupportedInputError             not a JPEG, PNG or PDF we can open
    │   ├── TruncatedImageError               the file ends before the picture does
    │   ├── ImageTooLargeError                too many pixels (a decompression bomb)
    │   ├── UploadTooLargeError               too many bytes
    │   ├── NotALicenceError                  a picture, but no licence labels on it
    │   ├── FileStructureError                the bytes are not one well-formed JPEG, PNG or PDF
    │   │                                     (a disguised type, a polyglot, a broken structure)
    │   └── OcrLimitError                     reading the file broke a limit of the sandbox
    │       ├── OcrTimeoutError               it took longer than the time allowed (a PDF bomb)
    │       └── OcrResourceError              it needed more memory than allowed
    └── EngineUnavailableError                retryable: tesseract or a model is missing/crashed
        └── OcrWorkerCrashedError             the worker process died while reading
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


class FileStructureError(OcrInputError):
    """The file's structure, read from its first byte to its last, is not one clean picture."""

    code = "ocr.file_structure"


class OcrLimitError(OcrInputError):
    """Reading the file went past a limit of the sandbox (:mod:`ocr.sandbox`): the file
    is the problem, so the portal answers as for any bad input (422, the job fails)."""

    code = "ocr.limit"


class OcrTimeoutError(OcrLimitError):
    code = "ocr.timeout"


class OcrResourceError(OcrLimitError):
    code = "ocr.resource"


class EngineUnavailableError(OcrError):
    """The OCR engine could not run; the same file may read later."""

    permanent = False
    code = "ocr.engine_unavailable"


class OcrWorkerCrashedError(EngineUnavailableError):
    """The worker process died without an answer; it has been replaced."""

    code = "ocr.worker_crashed"
