"""End-to-end reads of generated licences (real engines) and the service with a fake engine."""

import cv2
import numpy as np
import pytest

from ocr.errors import NotALicenceError
from ocr.fakes import InMemoryOcrEngine
from ocr.model import FieldStatus, Layout
from ocr.ports import TextSegment
from ocr.service import Engines, read_licence


def _png(image) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def test_a_picture_without_licence_labels_is_not_a_licence():
    engine = InMemoryOcrEngine(page=[TextSegment("Holiday in Hangzhou", 10, 10, 300, 40)])
    photo = np.full((600, 800, 3), 120, np.uint8)
    with pytest.raises(NotALicenceError, match="no business-licence labels"):
        read_licence(_png(photo), engines=Engines(page=engine))
    assert engine.pages_read


def test_progress_is_reported_by_stage():
    segs = [
        TextSegment("名称某某公司", 100, 100, 400, 130),
        TextSegment("类型个人独资企业", 100, 150, 400, 180),
        TextSegment("成立日期2015年03月12日", 100, 200, 400, 230),
    ]
    stages: list[tuple[str, float]] = []
    page = np.full((1000, 1400, 3), 255, np.uint8)
    reading = read_licence(
        _png(page),
        engines=Engines(page=InMemoryOcrEngine(page=segs)),
        progress=lambda stage, f: stages.append((stage, f)),
    )
    assert next(s for s, _ in stages) == "load" and stages[-1] == ("done", 1.0)
    assert [f for _, f in stages] == sorted(f for _, f in stages)
    assert reading.name.value == "某某公司"
    assert reading.uscc.status is FieldStatus.MISSING


@pytest.mark.slow
def test_a_real_photo_of_something_else_is_not_a_licence():
    photo = np.zeros((900, 1200, 3), np.uint8)
    photo[:] = np.linspace(90, 230, 900, dtype=np.uint8)[:, None, None]  # a sky
    cv2.circle(photo, (900, 250), 110, (40, 200, 250), -1)  # a sun
    cv2.rectangle(photo, (0, 650), (1200, 900), (40, 120, 60), -1)  # a field
    cv2.putText(photo, "HOLIDAY 2024", (80, 500), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
    with pytest.raises(NotALicenceError):
        read_licence(_png(photo))


@pytest.mark.slow
@pytest.mark.parametrize(("index", "condition"), [(0, "clean"), (5, "perspective")])
def test_a_generated_licence_reads_right(index, condition):
    from ocr.corpus import make_licence

    image, truth = make_licence(seed=42, index=index, condition=condition)
    _ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    reading = read_licence(buf.tobytes(), filename="licence.jpg")
    want = truth["fields"]
    assert reading.layout is Layout(truth["layout"])
    assert reading.uscc.value == want["uscc"]
    assert reading.uscc.status is FieldStatus.READ
    assert reading.name.value == want["name"]
    assert reading.legal_representative.value == want["legal_representative"]
    assert reading.established_on.value is not None
    assert reading.established_on.value.isoformat() == want["established_on"]
    assert reading.registration_authority.value == want["registration_authority"]
    assert reading.qr_payload == truth["qr_payload"]
