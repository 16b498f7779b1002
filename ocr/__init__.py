"""Business-licence (营业执照) OCR: read a photo, scan or PDF into typed fields.

    from ocr import read_licence
    read_licence(Path("licence.jpg").read_bytes()).as_dict()["fields"]["uscc"]
    # {'value': '91310115MA1H7GXX4A', 'confidence': 0.99, 'status': 'read', 'source': 'qr+rapidocr'}

See ``docs/ocr.md`` for the pipeline and its measured accuracy.
"""

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
from ocr.inputs import InputLimits
from ocr.model import FieldReading, FieldStatus, Layout, LicenceReading, Money
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
