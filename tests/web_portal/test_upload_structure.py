"""An upload is checked over its whole structure, not its first bytes: a refused file gets a
422 that says why in Chinese and English, never a 500, and nothing is stored."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import pytest

from tests.support.documents import jpeg_bytes, pdf_bytes, png_bytes


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header for ``width``×``height`` pixels with almost no data: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


REFUSED = {
    "a PNG header on a PDF body": (b"\x89PNG\r\n\x1a\n" + pdf_bytes(), "document.polyglot"),
    "a PNG with a PDF after its end": (png_bytes() + pdf_bytes(), "document.polyglot"),
    "a PNG with data after its end": (
        png_bytes() + b"<script>1</script>",
        "document.trailing_data",
    ),
    "a PNG header on nothing": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "document.damaged"),
    "only the first bytes of a PDF": (b"%PDF-1.4 permit", "document.damaged"),
    "half a JPEG": (jpeg_bytes((300, 200))[:400], "document.damaged"),
    "a picture of ten billion pixels": (
        _png_claiming(100_000, 100_000),
        "document.too_many_pixels",
    ),
    "a PDF page a kilometre wide": (pdf_bytes(size=(20_000, 842)), "document.page_size"),
}


@pytest.fixture
async def upload(client: Any) -> Any:
    page = await client.get("/portal/documents", headers={"x-test-user": "a"})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token

    async def send(content: bytes, name: str) -> Any:
        return await client.post(
            "/portal/documents",
            headers={"x-test-user": "a", "accept": "application/json"},
            data={"_csrf_token": token.group(1), "kind": "bank_permit"},
            files={"file": (name, content, "application/octet-stream")},
        )

    return send


@pytest.mark.parametrize("case", list(REFUSED))
async def test_a_file_whose_structure_is_not_its_type_is_refused_saying_why(
    upload: Any, as_user: Any, case: str
) -> None:
    content, code = REFUSED[case]
    response = await upload(content, "permit.pdf")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", error["message_zh"]) and error["message"].isascii()
    listing = await as_user("a").get("/portal/documents")
    assert "permit.pdf" not in listing.text


@pytest.mark.parametrize(
    ("name", "content"),
    [("permit.pdf", pdf_bytes(3)), ("permit.png", png_bytes()), ("permit.jpg", jpeg_bytes())],
)
async def test_real_pdfs_and_pictures_are_stored(
    upload: Any, as_user: Any, name: str, content: bytes
) -> None:
    assert (await upload(content, name)).status_code == 303
    assert name in (await as_user("a").get("/portal/documents")).text
