"""What an upload is, read from its first byte to its last, not from its first few.

A file is accepted as one of three types only when its whole structure is that
type: a PNG's chunks each with a matching CRC up to ``IEND`` and nothing after
it; a JPEG's markers from ``SOI`` to ``EOI`` (after which only a further JPEG
of a multi-picture file or a motion photo's video may follow); a PDF that ends
in ``%%EOF`` with a ``startxref`` before it. Signs that another reader would
see another file in the same bytes (a polyglot) are refused: ``%PDF-`` in the
first KiB of a picture (PDF readers look there), a ZIP directory at the end,
HTML at the start, and active content (JavaScript, launch actions) in a PDF.

>>> detect(b"GIF89a")
Traceback (most recent call last):
...
ocr.errors.UnsupportedInputError: 不支持的文件类型 / this file is not a JPEG, PNG or PDF
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Literal

from ocr.errors import FileStructureError, TruncatedImageError, UnsupportedInputError

Kind = Literal["pdf", "png", "jpeg"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZIP_END = b"PK\x05\x06"
_HTML = re.compile(rb"<(?:!doctype|html|script|body|svg|iframe)", re.IGNORECASE)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
# Inside a JPEG scan a 0xFF is followed by 0x00 (stuffing) or a restart marker.
_JPEG_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _refuse(reason: str) -> FileStructureError:
    return FileStructureError(f"文件结构异常 / the file is not a clean JPEG, PNG or PDF: {reason}")


def _truncated(kind: str) -> TruncatedImageError:
    return TruncatedImageError(
        f"文件不完整 / the {kind} is damaged or incomplete (it ends before its last part); "
        "please upload it again"
    )


def detect(data: bytes) -> Kind:
    """The type of ``data`` after checking its whole structure; raises an
    :class:`~ocr.errors.OcrInputError` that says what is wrong otherwise."""
    kind = kind_of(data)
    check_structure(data, kind)
    return kind


def kind_of(data: bytes) -> Kind:
    """The type ``data`` claims by its first bytes (nothing more is checked)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    raise UnsupportedInputError("不支持的文件类型 / this file is not a JPEG, PNG or PDF")


def check_structure(data: bytes, kind: Kind) -> None:
    """Walk ``data`` as a ``kind`` file from end to end; raise if it is anything else too."""
    if kind != "pdf" and b"%PDF-" in data[:1024]:
        raise _refuse("a PDF is hidden in the picture's first bytes")
    if _HTML.search(data[:1024]):
        raise _refuse("it carries HTML")
    if _ZIP_END in data[-(65536 + 22) :]:
        raise _refuse("a ZIP archive is appended to it")
    {"pdf": _check_pdf, "png": _check_png, "jpeg": _check_jpeg}[kind](data)


def _check_png(data: bytes) -> None:
    pos = len(_PNG_SIGNATURE)
    first = True
    while True:
        if pos + 8 > len(data):
            raise _truncated("PNG")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _truncated("PNG")
        if first and ctype != b"IHDR":
            raise _refuse("the PNG does not start with its header chunk")
        first = False
        crc = struct.unpack(">I", data[end - 4 : end])[0]
        if zlib.crc32(data[pos + 4 : end - 4]) != crc:
            raise _refuse(f"the PNG's {ctype.decode('latin-1')!r} chunk is damaged")
        pos = end
        if ctype == b"IEND":
            break
    if data[pos:].strip(b"\x00"):
        raise _refuse(f"{len(data) - pos} bytes follow the end of the PNG")


def _check_jpeg(data: bytes) -> None:
    pos = 2
    while True:
        if pos + 2 > len(data):
            raise _truncated("JPEG")
        if data[pos] != 0xFF:
            raise _refuse(f"the JPEG's marker at byte {pos} is damaged")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            pos += 2
            break
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if pos + 4 > len(data):
            raise _truncated("JPEG")
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        pos += 2 + length
        if length < 2 or pos > len(data):
            raise _truncated("JPEG")
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            found = _JPEG_SCAN_END.search(data, pos)
            if found is None:
                raise _truncated("JPEG")
            pos = found.start()
    tail = data[pos:]
    if tail.strip(b"\x00") and not (tail.startswith(b"\xff\xd8\xff") or tail[4:8] == b"ftyp"):
        raise _refuse(f"{len(tail)} bytes that are not a picture follow the end of the JPEG")


def _check_pdf(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0 or b"startxref" not in data[max(0, end - 1024) : end]:
        raise _truncated("PDF")
    if data[end + 5 :].strip(b"\r\n\t \x00"):
        raise _refuse(f"{len(data) - end - 5} bytes follow the end of the PDF")
    active = _PDF_ACTIVE.search(data)
    if active is not None:
        name = active.group().decode("latin-1")
        raise _refuse(f"the PDF carries active content ({name}), which a licence never has")
