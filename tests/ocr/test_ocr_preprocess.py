"""A translucent stamp across the print ("仅供投标使用", a copy stamp) is lifted off the page
the engines read; a page without one is left as it was."""

import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ocr.corpus.draw import font
from ocr.corpus.styles import watermark
from ocr.fakes import InMemoryOcrEngine
from ocr.layout import segments_from_text
from ocr.ports import Image as Image_
from ocr.ports import TextSegment, as_image
from ocr.preprocess import flatten, lift_overlay, prepare
from ocr.service import Engines, read_image

_LINES = ("名称 北京恒泰信息科技有限公司", "经营范围 一般项目:技术服务、技术开发；软件开发")


def _page(*, stamped: bool, title: bool = False) -> Image.Image:
    page = Image.new("RGB", (2000, 1400), (245, 243, 238))
    draw = ImageDraw.Draw(page)
    if title:  # a bold title: broad strokes, but black and not flat
        draw.text((700, 60), "营业执照", font=font("serif-bold", 150), fill=(25, 25, 30))
    for row in range(12):
        draw.text((120, 300 + 80 * row), _LINES[row % 2], font=font("serif", 38), fill=(25, 25, 30))
    return watermark(page, random.Random(3)) if stamped else page


def _grey(page: Image.Image) -> np.ndarray:
    return as_image(np.asarray(page.convert("L")))


def _stamp_pixels(stamped: np.ndarray, plain: np.ndarray) -> np.ndarray:
    """Paper the stamp covers (greyed by it) and no print lies on."""
    return (plain > 200) & (stamped < 215)


def test_a_stamp_across_the_print_is_lifted_to_paper():
    stamped, plain = _grey(_page(stamped=True)), _grey(_page(stamped=False))
    lifted, found = lift_overlay(flatten(stamped))
    under = _stamp_pixels(stamped, plain)
    assert found
    assert under.mean() > 0.02
    assert np.median(lifted[under]) > 235  # was the stamp's grey, ~200


def test_the_print_under_a_lifted_stamp_stays_as_dark_as_the_print_beside_it():
    stamped, plain = _grey(_page(stamped=True)), _grey(_page(stamped=False))
    lifted, _ = lift_overlay(flatten(stamped))
    print_under = (plain < 80) & (stamped > plain + 40)  # print the stamp greyed
    print_beside = (plain < 80) & ~print_under
    assert print_under.sum() > 500
    assert np.median(lifted[print_under]) < np.median(lifted[print_beside]) + 40


def test_a_page_without_a_stamp_is_left_as_it_was_bold_title_and_blurred_print_too():
    for grey in (
        flatten(_grey(_page(stamped=False, title=True))),
        # print blurred into flat grey bands, as in a shaken photo: not a stamp
        flatten(as_image(cv2.GaussianBlur(_grey(_page(stamped=False)), (0, 0), 2.5))),
    ):
        lifted, found = lift_overlay(grey)
        assert not found
        assert np.array_equal(lifted, grey)


def test_preparing_a_stamped_page_names_the_lifting_step():
    bgr = cv2.cvtColor(np.asarray(_page(stamped=True)), cv2.COLOR_RGB2BGR)
    assert "lift_overlay" in prepare(as_image(bgr)).steps
    plain = cv2.cvtColor(np.asarray(_page(stamped=False)), cv2.COLOR_RGB2BGR)
    assert "lift_overlay" not in prepare(as_image(plain)).steps


def _blurred_stamped() -> tuple[np.ndarray, np.ndarray]:
    """A stamped page and the same page unstamped, both shaken into a blur."""
    blur = lambda page: as_image(cv2.GaussianBlur(_grey(page), (0, 0), 2.0))  # noqa: E731
    return flatten(blur(_page(stamped=True))), flatten(blur(_page(stamped=False)))


def test_a_gentle_lift_leaves_blurred_print_as_it_was():
    stamped, plain = _blurred_stamped()
    gentle, found = lift_overlay(stamped, gentle=True)
    print_alone = (plain < 120) & (np.abs(stamped.astype(int) - plain) < 3)  # no stamp on it
    assert found and print_alone.sum() > 5000
    assert np.array_equal(gentle[print_alone], stamped[print_alone])
    full, _ = lift_overlay(stamped)  # the full lift takes blurred print for the stamp
    assert not np.array_equal(full[print_alone], stamped[print_alone])


def test_a_gentle_lift_still_lifts_the_stamp_where_it_crosses_no_print():
    stamped, plain = _blurred_stamped()
    gentle, _ = lift_overlay(stamped, gentle=True)
    stamp_alone = (plain > 235) & (stamped < 215)
    assert stamp_alone.mean() > 0.01
    assert np.median(gentle[stamp_alone]) > 235


def test_preparing_a_stamped_page_keeps_the_page_as_it_was_before_the_lift():
    bgr = cv2.cvtColor(np.asarray(_page(stamped=True)), cv2.COLOR_RGB2BGR)
    page = prepare(as_image(bgr))
    assert page.unlifted is not None and not np.array_equal(page.unlifted, page.text)
    plain = cv2.cvtColor(np.asarray(_page(stamped=False)), cv2.COLOR_RGB2BGR)
    assert prepare(as_image(plain)).unlifted is None


_LICENCE = """
名    称  上海恒泰信息科技有限公司          注册资本  壹佰万元整
类    型  有限责任公司(自然人投资或控股)    成立日期  2015年03月12日
法定代表人  张伟                            营业期限  2015年03月12日至长期
经营范围  一般项目:软件开发;技术服务。      住    所  上海市浦东新区张江路1号
登记机关  上海市浦东新区市场监督管理局      2020年05月06日
"""
_FEW = "名    称  上海恒泰信息科技有限公司\n类    型  有限责任公司(自然人投资或控股)\n住 所  上海"


@dataclass
class _PageByPage(InMemoryOcrEngine):
    """Reads the first page as ``first``, every later page as ``page``."""

    first: list[TextSegment] = field(default_factory=list)

    def read_page(self, image: Image_) -> list[TextSegment]:
        self.pages_read.append(tuple(image.shape))
        return list(self.first if len(self.pages_read) == 1 else self.page)


def _stamped_bgr() -> np.ndarray:
    return as_image(cv2.cvtColor(np.asarray(_page(stamped=True)), cv2.COLOR_RGB2BGR))


def test_a_lifted_page_that_lost_its_labels_is_read_again_gently_lifted():
    engine = _PageByPage(segments_from_text(_LICENCE), first=segments_from_text(_FEW))
    reading = read_image(_stamped_bgr(), engines=Engines(page=engine))
    assert len(engine.pages_read) == 2
    assert reading.name.value == "上海恒泰信息科技有限公司"
    assert reading.legal_representative.value == "张伟"


def test_a_lifted_page_whose_labels_were_read_is_read_once():
    engine = _PageByPage(segments_from_text(_FEW), first=segments_from_text(_LICENCE))
    read_image(_stamped_bgr(), engines=Engines(page=engine))
    assert len(engine.pages_read) == 1


def test_a_page_without_a_stamp_is_never_read_twice():
    engine = _PageByPage(segments_from_text(_LICENCE), first=segments_from_text(_FEW))
    plain = as_image(cv2.cvtColor(np.asarray(_page(stamped=False)), cv2.COLOR_RGB2BGR))
    reading = read_image(plain, engines=Engines(page=engine))
    assert len(engine.pages_read) == 1
    assert reading.legal_representative.value is None  # what the one page read, no more
