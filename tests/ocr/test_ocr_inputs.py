import io

import numpy as np
import pytest
from PIL import Image

from ocr.errors import (
    ImageTooLargeError,
    OcrInputError,
    TruncatedImageError,
    UnsupportedInputError,
    UploadTooLargeError,
)
from ocr.inputs import InputLimits, load_image


def _jpeg(width=400, height=200, exif_orientation=None) -> bytes:
    img = Image.new("RGB", (width, height), "white")
    img.paste((255, 0, 0), (0, 0, 50, 50))  # a red mark in the top-left corner
    buf = io.BytesIO()
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        img.save(buf, "JPEG", exif=exif.tobytes())
    else:
        img.save(buf, "JPEG")
    return buf.getvalue()


def _png(width, height) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 255).save(buf, "PNG")
    return buf.getvalue()


def test_a_text_file_is_not_an_image():
    with pytest.raises(UnsupportedInputError, match="JPEG, PNG or PDF"):
        load_image(b"hello, this is not a picture\n" * 10)


def test_an_empty_upload_is_refused():
    with pytest.raises(UnsupportedInputError):
        load_image(b"")


def test_a_truncated_jpeg_is_reported_as_damaged():
    data = _jpeg(800, 600)
    with pytest.raises(TruncatedImageError, match="damaged or incomplete"):
        load_image(data[: len(data) // 2])


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge size but carries almost no data: a decompression bomb
    (well-formed from its first chunk to its last, so only its size gives it away)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_decoding():
    bomb = _png_header_only(30_000, 30_000)  # 900 megapixels declared in a few hundred bytes
    assert len(bomb) < 10_000
    with pytest.raises(ImageTooLargeError, match="pixels"):
        load_image(bomb)


def test_a_picture_over_the_pixel_limit_is_refused():
    with pytest.raises(ImageTooLargeError, match="megapixels"):
        load_image(_png_header_only(9_000, 8_000))  # 72 MP: under Pillow's guard, over ours


def test_an_oversize_upload_is_refused_without_decoding():
    with pytest.raises(UploadTooLargeError, match="MB"):
        load_image(b"\xff\xd8" + b"\0" * 100, limits=InputLimits(max_upload_bytes=50))
    with pytest.raises(UploadTooLargeError):
        load_image(bytes(100 * 1024 * 1024))  # the 100 MB upload of the issue


def test_input_errors_are_permanent_value_errors():
    assert issubclass(UploadTooLargeError, ValueError)
    assert UploadTooLargeError("x").permanent


def test_exif_orientation_is_honoured():
    img = load_image(_jpeg(400, 200, exif_orientation=6))  # rotate 90° clockwise to view
    assert img.shape[:2] == (400, 200)
    _b, g, r = img[10, 190].astype(int)  # the red mark is now top-right
    assert r > 200 and g < 80


def test_a_large_phone_photo_is_reduced_to_the_working_size():
    data = _jpeg(4000, 3000)
    img = load_image(data, limits=InputLimits(working_long_side=2000))
    assert max(img.shape[:2]) <= 2000


def test_a_pdf_is_read_from_its_first_page():
    pdf = io.BytesIO()
    first = Image.new("RGB", (842, 595), "white")
    second = Image.new("RGB", (595, 842), "black")
    first.save(pdf, "PDF", save_all=True, append_images=[second], resolution=72)
    img = load_image(pdf.getvalue(), filename="licence.pdf")
    h, w = img.shape[:2]
    assert w > h  # the landscape first page, not the portrait second one
    assert np.mean(img) > 200  # and it is the white one


def test_a_truncated_pdf_is_reported():
    with pytest.raises(OcrInputError):
        load_image(b"%PDF-1.4\n1 0 obj\n<<", filename="x.pdf")


def _photo_with_shadow(corners: np.ndarray) -> np.ndarray:
    """A licence lying on a desk, photographed with a shadow across its left part."""
    import cv2

    rng = np.random.default_rng(5)
    photo = np.empty((900, 1200, 3), np.float32)
    photo[:] = (70, 110, 90)  # a green desk
    photo += rng.normal(0, 6, photo.shape)
    cv2.fillConvexPoly(photo, corners.astype(np.int32), (236, 246, 250))
    for y in range(280, 640, 40):  # lines of print
        cv2.line(photo, (300, y), (900, y + 8), (40, 40, 40), 6)
    yy, xx = np.mgrid[0:900, 0:1200]
    shadow = np.where(xx < 330 - 0.1 * yy, 0.55, 1.0).astype(np.float32)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 4)
    return np.clip(photo * shadow[..., None], 0, 255).astype(np.uint8)


def test_a_shadow_across_the_licence_does_not_cut_it_short():
    from ocr.preprocess import find_document

    # what is left in the light alone has the proportions of a licence too (about 1.4)
    corners = np.array([[180, 200], [1000, 180], [1020, 690], [160, 710]], np.float32)
    found = find_document(_photo_with_shadow(corners))
    assert found is not None
    assert np.abs(found - corners).max() < 12  # pixels, on a 1200 px wide photo
