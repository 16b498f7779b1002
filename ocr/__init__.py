"""Business-licence (营业执照) OCR: read a photo, scan or PDF into typed fields.

    from ocr import read_licence
    read_licence(Path("licence.jpg").read_bytes()).as_dict()["fields"]["uscc"]
    # {'value': '91310115MA1H7GXX4A', 'confidence': 0.99, 'status': 'read', 'source': 'qr+rapidocr'}

See ``docs/ocr.md`` for the pipeline and its measured accuracy.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ocr.errors import (
    EngineUnavailableError,
    FileStructureError,
    ImageTooLargeError,
    NotALicenceError,
    OcrError,
    OcrInputError,
    OcrLimitError,
    OcrResourceError,
    OcrTimeoutError,
    OcrWorkerCrashedError,
    TruncatedImageError,
    UnsupportedInputError,
    UploadTooLargeError,
)
from ocr.limits import InputLimits
from ocr.model import FieldReading, FieldStatus, Layout, LicenceReading, Money

# The engines and the image stack (cv2, numpy, the OCR models' runtimes) load only when
# one of these is asked for: the web process imports ``ocr.errors`` and ``ocr.sandbox``
# and must never load them (its reads run in ``ocr.sandbox`` children).
_LAZY = {
    "OcrEngine": "ocr.ports",
    "TextSegment": "ocr.ports",
    "Engines": "ocr.service",
    "default_engines": "ocr.service",
    "read_licence": "ocr.service",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ocr' has no attribute {name!r}")


if TYPE_CHECKING:
    from ocr.ports import OcrEngine, TextSegment
    from ocr.service import Engines, default_engines, read_licence

__all__ = [
    "EngineUnavailableError",
    "Engines",
    "FieldReading",
    "FieldStatus",
    "FileStructureError",
    "ImageTooLargeError",
    "InputLimits",
    "Layout",
    "LicenceReading",
    "Money",
    "NotALicenceError",
    "OcrEngine",
    "OcrError",
    "OcrInputError",
    "OcrLimitError",
    "OcrResourceError",
    "OcrTimeoutError",
    "OcrWorkerCrashedError",
    "TextSegment",
    "TruncatedImageError",
    "UnsupportedInputError",
    "UploadTooLargeError",
    "default_engines",
    "read_licence",
]
