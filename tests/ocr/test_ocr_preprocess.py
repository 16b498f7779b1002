"""A translucent stamp across the print ("仅供投标使用", a copy stamp) is lifted off the page
the engines read; a page without one is left as it was."""

import random

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ocr.corpus.draw import font
from ocr.corpus.styles import watermark
from ocr.ports import as_image
from ocr.preprocess import flatten, lift_overlay, prepare

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
