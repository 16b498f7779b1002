"""End-to-end reads of generated licences (real engines) and the service with a fake engine."""

import cv2
import numpy as np
import pytest

from ocr.errors import NotALicenceError
from ocr.fakes import InMemoryOcrEngine
from ocr.model import FieldStatus, Layout
from ocr.ports import TextSegment
from ocr.preprocess import PreprocessOptions
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


@pytest.mark.slow
def test_a_licence_whose_qr_code_names_another_company_is_read_with_both_codes():
    from ocr.corpus import make_licence
    from ocr.fields import qr_uscc

    image, truth = make_licence(seed=42, index=0, condition="clean", qr_mismatch=True)
    reading = read_licence(_png(image), filename="licence.png")
    planted = qr_uscc(truth["qr_payload"])
    assert planted != truth["fields"]["uscc"]
    assert reading.uscc.value == truth["fields"]["uscc"]
    assert reading.uscc.status is FieldStatus.UNCERTAIN
    assert (reading.qr_uscc, reading.qr_agrees) == (planted, False)


@pytest.mark.slow
def test_an_old_style_licence_is_flagged_and_no_credit_code_is_made_up():
    from ocr.corpus import make_licence

    image, truth = make_licence(seed=2, index=0, condition="clean", style="old")
    number = truth["registration_number"]
    assert number and len(number) == 15
    reading = read_licence(_png(image), filename="licence.png")
    assert reading.uscc.value is None
    assert reading.uscc.status is FieldStatus.MISSING  # not printed: nothing was misread
    assert reading.qr_payload is None
    [flag] = [w for w in reading.warnings if "旧版执照" in w]
    assert f"(注册号 {number}," in flag  # the number alone, not the title read on after it
    assert reading.registration_number == number
    assert reading.name.value == truth["fields"]["name"]


def _scope_page(*, full_stop: bool, comma: bool = False) -> tuple[np.ndarray, list[TextSegment]]:
    """A white 2000×1400 page and the boxes a detector found on it (the lone marks not among them)."""
    segs = [
        TextSegment("名称", 100, 100, 240, 140),
        TextSegment("某某信息科技有限公司", 300, 100, 800, 140),
        TextSegment("类型", 100, 164, 240, 204),
        TextSegment("有限责任公司(法人独资)", 300, 164, 700, 204),
        TextSegment("经营范围", 100, 228, 240, 268),
        TextSegment("一般项目:技术服务、技术开发、技术转让", 300, 228, 1000, 268),
        TextSegment("技术推广；会议及展览服务；企业管理咨询", 340, 292, 1000, 332),
    ]
    page = np.full((1400, 2000, 3), 255, np.uint8)
    for seg in segs:  # print where the detector read text
        for y in range(round(seg.y0) + 6, round(seg.y1) - 6, 6):
            cv2.line(page, (round(seg.x0), y), (round(seg.x1), y), (30, 30, 30), 2)
    if full_stop:  # the 。 that wrapped alone onto the next line
        cv2.circle(page, (312, 376), 8, (30, 30, 30), 3)
    if comma:  # the 、 at the start of the second line, left of the box the detector found
        cv2.line(page, (306, 318), (318, 328), (30, 30, 30), 5)
    return page, segs


def _read_scope(page: np.ndarray, segs: list[TextSegment], line: str) -> tuple[str | None, int]:
    engine = InMemoryOcrEngine(page=segs, line=(line, 0.9))
    options = PreprocessOptions(find_document=False, deskew=False)
    reading = read_licence(_png(page), engines=Engines(page=engine, options=options))
    return reading.business_scope.value, len(engine.lines_read)


def test_a_final_full_stop_that_wrapped_onto_a_line_of_its_own_is_read_back():
    page, segs = _scope_page(full_stop=True)
    scope, _ = _read_scope(page, segs, "o")  # a lone 。 reads as a small ring
    assert scope == "一般项目:技术服务、技术开发、技术转让技术推广;会议及展览服务;企业管理咨询。"


def test_no_full_stop_is_added_where_the_paper_is_blank():
    page, segs = _scope_page(full_stop=False)
    scope, _ = _read_scope(page, segs, "。")  # the engine would say 。, but it is not asked
    assert scope is not None and not scope.endswith("。")


def test_a_mark_skipped_at_the_start_of_a_wrapped_line_is_read_back():
    page, segs = _scope_page(full_stop=False, comma=True)
    scope, _ = _read_scope(page, segs, "、")
    assert scope is not None and "技术转让、技术推广" in scope
    assert not scope.endswith("、")  # only a full stop may end the scope


def test_a_gap_holding_a_character_is_not_taken_for_punctuation():
    page, segs = _scope_page(full_stop=True, comma=True)
    scope, _ = _read_scope(page, segs, "市")
    assert scope == "一般项目:技术服务、技术开发、技术转让技术推广;会议及展览服务;企业管理咨询"


class _ScriptedLines(InMemoryOcrEngine):
    """Answers each line read with the next of ``replies``, in order."""

    def __init__(self, page: list[TextSegment], replies: list[str]) -> None:
        super().__init__(page=page)
        self.replies = list(replies)

    def read_line(self, image, *, charset=None):
        self.lines_read.append(tuple(image.shape))
        return (self.replies.pop(0), 0.9) if self.replies else ("", 0.0)


def _page_with_seal() -> tuple[np.ndarray, list[TextSegment]]:
    segs = [
        TextSegment("名称", 100, 100, 240, 140),
        TextSegment("苏州联创恒泰贸易有限公司", 300, 100, 800, 140),
        TextSegment("类型", 100, 164, 240, 204),
        TextSegment("有限责任公司(法人独资)", 300, 164, 700, 204),
        TextSegment("住所", 100, 228, 240, 268),
        TextSegment("苏州市吴中区人民路12号", 300, 228, 800, 268),
    ]
    page = np.full((1400, 2000, 3), 255, np.uint8)
    for seg in segs:
        cv2.rectangle(page, (round(seg.x0), round(seg.y0)), (round(seg.x1), round(seg.y1)),
                      (30, 30, 30), 3)  # fmt: skip
    cv2.circle(page, (1500, 1000), 150, (40, 35, 215), 10)  # a red seal
    cv2.ellipse(page, (1500, 1000), (110, 110), 0, 200, 340, (40, 35, 215), 22)  # its arc text
    return page, segs


def test_a_seal_that_does_not_read_as_an_authority_is_read_again_from_a_soft_strip():
    page, segs = _page_with_seal()
    engine = _ScriptedLines(segs, ["苏州市县中区市场监鲁管理局", "苏州市吴中区市场监督管理局"])
    options = PreprocessOptions(find_document=False, deskew=False)
    reading = read_licence(_png(page), engines=Engines(page=engine, options=options))
    assert reading.registration_authority.value == "苏州市吴中区市场监督管理局"
    assert len(engine.lines_read) == 2


def test_a_seal_read_well_the_first_time_is_read_only_once():
    page, segs = _page_with_seal()
    engine = _ScriptedLines(segs, ["苏州市吴中区市场监督管理局", "苏州市县中区市场监鲁管理局"])
    options = PreprocessOptions(find_document=False, deskew=False)
    reading = read_licence(_png(page), engines=Engines(page=engine, options=options))
    assert reading.registration_authority.value == "苏州市吴中区市场监督管理局"
    assert len(engine.lines_read) == 1


def test_a_grey_full_stop_lifted_with_the_stamp_is_read_from_the_page_before_the_lift():
    # blurred stamped photocopies (held-out seeds 101, 103): the lift took the scope's grey 。
    from ocr.layout import FieldText
    from ocr.service import _recover_punctuation

    def scope() -> FieldText:
        return FieldText("business_scope", "经营范围", 100, 120, 120,
                         ["一般项目:软件开发;五金产品批发"], [0.99], [(300, 100, 900, 140)])  # fmt: skip

    lifted = np.full((400, 1200), 255, np.uint8)  # the lift left blank paper after the line
    before = lifted.copy()
    cv2.circle(before, (915, 130), 7, 170, 3)  # a grey ring where the 。 is printed
    engine = InMemoryOcrEngine(line=("。", 0.9))
    for unlifted, ends in ((before, True), (None, False), (lifted, False)):
        fields = {"business_scope": scope()}
        _recover_punctuation(fields, [], lifted, engine, unlifted)
        assert fields["business_scope"].text.endswith("。") is ends
