"""An upload is what its whole structure says, not what its first bytes claim."""

import cv2
import pytest

from ocr.corpus import make_licence
from ocr.errors import FileStructureError, TruncatedImageError, UnsupportedInputError
from ocr.filetype import detect
from ocr.inputs import load_image
from tests.ocr.hostile_files import blank_page_pdf, jpeg, png


def test_a_png_header_on_a_pdf_body_is_refused():
    with pytest.raises(FileStructureError, match="PDF is hidden"):
        load_image(b"\x89PNG\r\n\x1a\n" + blank_page_pdf())


def test_a_picture_with_a_pdf_in_its_first_bytes_is_a_polyglot_and_refused():
    picture = jpeg()
    polyglot = picture[:2] + b"\xff\xfe\x00\x20%PDF-1.4 1 0 obj <<>>  " + picture[2:]
    with pytest.raises(FileStructureError, match="PDF is hidden"):
        detect(polyglot)


def test_a_pdf_with_a_zip_archive_appended_is_refused():
    with pytest.raises(FileStructureError, match="ZIP"):
        detect(blank_page_pdf() + b"PK\x03\x04 payload PK\x05\x06" + bytes(18))


def test_bytes_after_the_end_of_a_png_are_refused():
    with pytest.raises(FileStructureError, match="follow the end of the PNG"):
        detect(png(20, 20) + b"<?php system($_GET['c']); ?>")


def test_a_png_with_a_damaged_chunk_is_refused():
    data = bytearray(png(40, 40))
    data[40] ^= 0xFF  # inside the image data, under the chunk's CRC
    with pytest.raises(FileStructureError, match="damaged"):
        detect(bytes(data))


@pytest.mark.parametrize("kind", ["png", "jpeg", "pdf"])
def test_a_truncated_file_is_reported_as_incomplete(kind):
    data = {"png": png(300, 200, grey=90), "jpeg": jpeg(800, 600), "pdf": blank_page_pdf()}[kind]
    with pytest.raises(TruncatedImageError, match="incomplete"):
        detect(data[: len(data) * 2 // 3])


def test_a_pdf_with_javascript_is_refused():
    pdf = blank_page_pdf().replace(
        b"/Pages 2 0 R", b"/Pages 2 0 R /OpenAction << /S /JavaScript >>"
    )
    with pytest.raises(FileStructureError, match="active content"):
        detect(pdf)


def test_a_gif_is_not_accepted_whatever_its_name():
    with pytest.raises(UnsupportedInputError):
        load_image(b"GIF89a" + bytes(64), filename="licence.pdf")


def test_a_multi_picture_jpeg_and_the_generated_licences_are_accepted():
    assert detect(jpeg() + jpeg(64, 48)) == "jpeg"  # MPF: a second picture after the first
    image, _ = make_licence(3, 1)
    assert detect(cv2.imencode(".jpg", image)[1].tobytes()) == "jpeg"
    assert detect(cv2.imencode(".png", image)[1].tobytes()) == "png"
