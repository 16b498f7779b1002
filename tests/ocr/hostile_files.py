"""Hostile uploads, built byte by byte so every test gets the same small file.

:func:`nested_xobject_pdf` is the PDF bomb of issue 12: a form XObject that draws
the one below it ``copies`` times, ``levels`` deep, so the page costs
``copies ** levels`` draws in a file of about 3 KB (level 6 renders for seconds
with pypdfium2, each level more multiplies that by ten).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def nested_xobject_pdf(levels: int, copies: int = 10) -> bytes:
    first_form = 5  # objects 1-4: catalog, pages, page, page content
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        + f"/Resources << /XObject << /X{levels} {first_form + levels} 0 R >> >> >>".encode(),
        _stream(b"", f"/X{levels} Do".encode()),
    ]
    for level in range(levels + 1):
        if level == 0:
            objects.append(_form(b"", b"0 0 1 1 re f"))
            continue
        draw = f"q 1 0 0 1 0.01 0 cm /X{level - 1} Do Q".encode()
        below = f"/Resources << /XObject << /X{level - 1} {first_form + level - 1} 0 R >> >>"
        objects.append(_form(below.encode(), b" ".join([draw] * copies)))
    return _pdf(objects)


def _stream(head: bytes, body: bytes) -> bytes:
    return b"<< " + head + b" /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"


def _form(resources: bytes, body: bytes) -> bytes:
    return _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] " + resources, body)


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def blank_page_pdf() -> bytes:
    """A well-formed one-page PDF with nothing drawn on it."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            _stream(b"", b""),
        ]
    )


def png(width: int, height: int, grey: int = 255) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), grey, np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def jpeg(width: int = 400, height: int = 300) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, "JPEG")
    return buf.getvalue()
